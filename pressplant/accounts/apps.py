from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pressplant.accounts"
    verbose_name = "Accounts"
