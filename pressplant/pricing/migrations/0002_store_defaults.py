"""Seed a store default per currency: AllofMP3's 2005 price of 0.02 per MB, at least 0.05 an item, a track
at most 0.99 and an album at most 7.99. These are data: an operator changes them in the admin."""

from decimal import Decimal

from django.db import migrations

DEFAULTS = {"pricing_model": "per_megabyte", "rate_per_mb": Decimal("0.02"), "minimum_minor": 5,
            "track_cap_minor": 99, "album_price_minor": 799}


def seed(apps, schema_editor):
    PriceRule = apps.get_model("pricing", "PriceRule")
    for currency in ("GBP", "EUR", "USD"):
        if not PriceRule.objects.filter(currency=currency, label=None, release=None, track=None).exists():
            PriceRule.objects.create(currency=currency, **DEFAULTS)


class Migration(migrations.Migration):

    dependencies = [("pricing", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
