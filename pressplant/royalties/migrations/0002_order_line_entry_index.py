"""An index on the order line's sale entry: royalty reports find a period's lines from its ledger entries
(sales by their id, refunds by the id they reverse), and without it each report scans every order line
the store ever sold. The column belongs to orders; the index is the reports' need, so it lives here."""

from django.db import migrations

INDEX = "royalties_orderline_entry"


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_time_indexes"),
        ("royalties", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {INDEX} ON orders_orderline (ledger_entry_id)",
            reverse_sql=f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
