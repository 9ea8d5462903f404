"""One account per email, whatever its case: a unique index on lower(auth_user.email).

Users with no email (a superuser made without one) are left out, so there can be many of those.
It depends on auth's last migration: on SQLite, an auth migration that rebuilds the table after this one
would drop the index (tests/accounts checks that the database refuses a duplicate).
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE UNIQUE INDEX accounts_user_email_lower_uniq ON auth_user (LOWER(email)) WHERE email <> ''",
            reverse_sql="DROP INDEX accounts_user_email_lower_uniq",
        ),
    ]
