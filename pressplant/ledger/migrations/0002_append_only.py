"""Entries and postings are append-only in the database itself: triggers refuse UPDATE and DELETE,
whoever sends them (the ORM, raw SQL, a database shell). Account balances stay updatable: they are a
stored sum that verify_ledger() checks against the postings."""

from django.db import migrations

TABLES = ("ledger_entry", "ledger_posting")

SQLITE_INSTALL = [
    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END;"
    for table in TABLES for op in ("UPDATE", "DELETE")
]
SQLITE_REMOVE = [f"DROP TRIGGER IF EXISTS {table}_no_{op.lower()};" for table in TABLES for op in ("UPDATE", "DELETE")]

POSTGRESQL_INSTALL = [
    """CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'integrity_constraint_violation';
    END $$;""",
    *[f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
      f"FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();" for table in TABLES],
]
POSTGRESQL_REMOVE = [
    *[f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};" for table in TABLES],
    "DROP FUNCTION IF EXISTS ledger_refuse_change();",
]

STATEMENTS = {"sqlite": (SQLITE_INSTALL, SQLITE_REMOVE), "postgresql": (POSTGRESQL_INSTALL, POSTGRESQL_REMOVE)}


def _run(schema_editor, install: bool) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        raise RuntimeError(f"the ledger's append-only triggers are not written for {vendor}")
    for sql in STATEMENTS[vendor][0 if install else 1]:
        schema_editor.execute(sql, params=None)


def install(apps, schema_editor) -> None:
    _run(schema_editor, install=True)


def remove(apps, schema_editor) -> None:
    _run(schema_editor, install=False)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
