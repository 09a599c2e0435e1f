"""The list version's triggers again on SQLite, after registry 0005 (the offer's age range) and every later change
to a watched table.

SQLite cannot add a check constraint to a table: Django copies the table into a new one, and the triggers of the old
table go with it. Registry 0005 does that to `registry_offer`; where it ran after tariffs 0006 (the migration graph
does not order them) the offer's triggers were gone, and the tariff list kept facts of renamed offers. This drops and
creates every watched table's triggers, so the result is the same in whatever order the two ran. A later migration
that rebuilds a watched table on SQLite must do the same (PostgreSQL alters tables in place; its triggers stay).
"""
from django.db import migrations

from rammeaftale.tariffs.list_version import WATCHED, sqlite_triggers_create


def recreate(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        sqlite_triggers_create(schema_editor.execute, WATCHED)


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0005_offer_ages"),
        ("tariffs", "0006_list_version"),
    ]

    operations = [migrations.RunPython(recreate, migrations.RunPython.noop)]
