from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "pressplant.catalogue"
    verbose_name = "Catalogue"
