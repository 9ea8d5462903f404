from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "pressplant.delivery"
    verbose_name = "Delivery"
