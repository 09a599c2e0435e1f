"""Backup and restore of the database from the console, each with its audit event (the copying: core/backup.py)."""
from pathlib import Path

from django.db import connection, transaction

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.core.backup import (
    BackupError,
    BackupFile,
    Database,
    backup_describe,
    backup_restore,
    backup_write,
)

ENGINES = {"django.db.backends.sqlite3": "sqlite", "django.db.backends.postgresql": "postgresql"}


def database_in_use() -> Database:
    """The default database's connection parameters, as the copying needs them."""
    settings = connection.settings_dict
    engine = ENGINES.get(settings["ENGINE"])
    if engine is None:
        raise BackupError(f"Databasetypen {settings['ENGINE']} understøttes ikke af backup/restore.")
    return Database(engine=engine, name=str(settings["NAME"]), host=settings.get("HOST") or "",
                    port=str(settings.get("PORT") or ""), user=settings.get("USER") or "",
                    password=settings.get("PASSWORD") or "")


def database_backup(*, actor: Actor, path: Path) -> BackupFile:
    """Write the backup, then record it (file, size, SHA-256) in the database backed up."""
    backup = backup_write(database=database_in_use(), path=path)
    with transaction.atomic():
        audit_record(actor=actor, event_type="database.backed_up", organisation_id=None,
                     after=_described(backup))
    return backup


def database_restore(*, actor: Actor, path: Path, overwrite: bool) -> BackupFile:
    """Replace the database's content with the backup's; a database with any table only when `overwrite`."""
    database = database_in_use()
    backup_describe(path)  # a file that is no backup is named before anything else
    tables = connection.introspection.table_names()
    if tables and not overwrite:
        raise BackupError(
            f"{database} er ikke tom ({len(tables)} tabeller). Gendannelsen erstatter alt indhold med "
            "sikkerhedskopiens; stop serveren, og kør kommandoen igen med --yes, hvis det er meningen.",
            message_en="the database is not empty; pass --yes to overwrite it")
    connection.close()  # the copy replaces the tables under this connection
    backup = backup_restore(database=database, path=path)
    with transaction.atomic():
        audit_record(actor=actor, event_type="database.restored", organisation_id=None,
                     after={**_described(backup), "overwrote_tables": len(tables)})
    return backup


def _described(backup: BackupFile) -> dict:
    return {"file": str(backup.path.resolve()), "kind": backup.kind, "size_bytes": backup.size_bytes,
            "sha256": backup.sha256}
