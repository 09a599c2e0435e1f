"""The tariff list's data version: one row that the database itself gives a new value on every write to a table the
list's facts are read from (tariffs, their explanations, services, offers, organisations, offers' paragraphs), by
triggers, so a write from any process, service, admin, demo build or raw SQL changes it (`tariffs.selectors`).

The new value is never one the row held before (a sequence on PostgreSQL, 64 random bits on SQLite): a rolled-back
write brings back the old value with the old data, never a value that named other data.
"""
from django.db import migrations

WATCHED = ("tariffs_tariff", "tariffs_tariffexplanation", "registry_service", "registry_offer",
           "registry_organisation", "registry_offer_paragraphs", "registry_legalparagraph")


def create(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute("CREATE SEQUENCE tariffs_list_version_seq")
        execute("CREATE TABLE tariffs_list_version (id integer PRIMARY KEY, version bigint NOT NULL)")
        execute("INSERT INTO tariffs_list_version VALUES (1, nextval('tariffs_list_version_seq'))")
        execute("""
            CREATE FUNCTION tariffs_list_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO tariffs_list_version VALUES (1, nextval('tariffs_list_version_seq'))
                ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
                RETURN NULL;
            END $$""")
        for table in WATCHED:
            # once per statement, whatever its rows (a bulk insert of the demo's tariffs bumps it once)
            execute(f"CREATE TRIGGER {table}_list_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION tariffs_list_version_bump()")
    else:  # SQLite: triggers are per row; DELETE without WHERE still fires them when a table has triggers
        execute("CREATE TABLE tariffs_list_version (id integer PRIMARY KEY, version bigint NOT NULL)")
        execute("INSERT INTO tariffs_list_version VALUES (1, abs(random()))")
        for table in WATCHED:
            for event in ("INSERT", "UPDATE", "DELETE"):
                execute(f"CREATE TRIGGER {table}_list_version_{event.lower()} AFTER {event} ON {table} BEGIN "
                        "INSERT INTO tariffs_list_version VALUES (1, abs(random())) "
                        "ON CONFLICT (id) DO UPDATE SET version = excluded.version; END")


def drop(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table in WATCHED:
            execute(f"DROP TRIGGER IF EXISTS {table}_list_version ON {table}")
        execute("DROP FUNCTION IF EXISTS tariffs_list_version_bump()")
        execute("DROP TABLE IF EXISTS tariffs_list_version")
        execute("DROP SEQUENCE IF EXISTS tariffs_list_version_seq")
    else:
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                execute(f"DROP TRIGGER IF EXISTS {table}_list_version_{event}")
        execute("DROP TABLE IF EXISTS tariffs_list_version")


class Migration(migrations.Migration):

    dependencies = [
        ("parties", "0001_initial"),
        ("registry", "0004_offer_name_index"),
        ("tariffs", "0005_organisation_in_parties"),
    ]

    operations = [migrations.RunPython(create, drop)]
