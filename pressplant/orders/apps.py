from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "pressplant.orders"
    verbose_name = "Orders"
