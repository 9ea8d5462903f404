from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "pressplant.rights"
    verbose_name = "Rights and royalties"
