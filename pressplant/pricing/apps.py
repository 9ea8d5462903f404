from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "pressplant.pricing"
    verbose_name = "Pricing"
