from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "pressplant.payments"
    verbose_name = "Payments"
