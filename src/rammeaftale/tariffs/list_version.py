"""The tables the tariff list's facts are read from, whose every write gives the list a new data version (migrations
0006 and 0007), and the SQLite triggers that do it."""
from collections.abc import Callable, Iterable

WATCHED = ("tariffs_tariff", "tariffs_tariffexplanation", "registry_service", "registry_offer",
           "registry_organisation", "registry_offer_paragraphs", "registry_legalparagraph")


def sqlite_triggers_create(execute: Callable[[str], object], tables: Iterable[str]) -> None:
    """Per row on SQLite (DELETE without WHERE still fires them when a table has triggers); any old ones dropped
    first, so it may run again."""
    for table in tables:
        for event in ("INSERT", "UPDATE", "DELETE"):
            execute(f"DROP TRIGGER IF EXISTS {table}_list_version_{event.lower()}")
            execute(f"CREATE TRIGGER {table}_list_version_{event.lower()} AFTER {event} ON {table} BEGIN "
                    "INSERT INTO tariffs_list_version VALUES (1, abs(random())) "
                    "ON CONFLICT (id) DO UPDATE SET version = excluded.version; END")
