from django.apps import AppConfig


class RoyaltiesConfig(AppConfig):
    name = "pressplant.royalties"
    verbose_name = "Royalties"
