from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "pressplant.ledger"
    verbose_name = "Ledger"
