from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "pressplant.storefront"
    verbose_name = "Storefront"
