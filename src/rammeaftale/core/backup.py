"""Backup and restore of the whole database to one file: PostgreSQL by pg_dump/pg_restore, SQLite by its online
backup API. No Django here: the console commands pass the connection parameters in and write the audit events.

A backup is written to a temporary file beside the target and renamed when complete, so a file with the target's
name is always a whole backup; it is readable by its owner only (it holds personal data). A restore is all or
nothing: pg_restore in a single transaction, SQLite's backup API page by page under one write lock.
"""
import hashlib
import os
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from rammeaftale.core.errors import DomainError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
TOOL_TIMEOUT_S = 6 * 3600


class BackupError(DomainError):
    """A backup or restore that could not be made; nothing was changed."""

    def __init__(self, message_da: str, *, message_en: str = ""):
        super().__init__(message_da, message_en=message_en, code="backup", field="file")


@dataclass(frozen=True)
class Database:
    """Where the database is: `engine` "sqlite" (name = the file) or "postgresql" (name = the database)."""

    engine: str
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    def __str__(self) -> str:
        if self.engine == "sqlite":
            return f"SQLite-filen {self.name}"
        return f"PostgreSQL-databasen «{self.name}»" + (f" på {self.host}" if self.host else "")


@dataclass(frozen=True)
class BackupFile:
    path: Path
    kind: str  # "sqlite" or "postgresql"
    size_bytes: int
    sha256: str


def backup_write(*, database: Database, path: Path) -> BackupFile:
    """A consistent copy of the database in `path` (also while the server runs)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise BackupError(f"Mappen {path.parent} findes ikke.", message_en="the target directory does not exist")
    partial = path.with_name(f".{path.name}.delvis")
    _private_file(partial)
    try:
        if database.engine == "sqlite":
            _sqlite_copy(source=database.name, target=partial)
        elif database.engine == "postgresql":
            _run(["pg_dump", "--format=custom", f"--file={partial}"], database, tool="pg_dump")
        else:
            raise BackupError(f"Databasetypen «{database.engine}» kan ikke sikkerhedskopieres.")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return backup_describe(path)


def backup_describe(path: Path) -> BackupFile:
    """What the file is (by its first bytes), its size and SHA-256; a Danish error if it is no backup."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"Filen {path} findes ikke.", message_en="no such file")
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
        digest = hashlib.sha256(head)
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    if head.startswith(SQLITE_MAGIC):
        kind = "sqlite"
    elif head.startswith(PG_DUMP_MAGIC):
        kind = "postgresql"
    else:
        raise BackupError(f"Filen {path} er ikke en sikkerhedskopi (hverken en SQLite-database eller en "
                          "pg_dump-fil i custom-format).", message_en="not a backup file")
    return BackupFile(path=path, kind=kind, size_bytes=path.stat().st_size, sha256=digest.hexdigest())


def backup_restore(*, database: Database, path: Path) -> BackupFile:
    """Replace the database's content with the backup's. The caller decides whether a non-empty database may be
    overwritten; the server should be stopped first."""
    backup = backup_describe(path)
    if backup.kind != database.engine:
        kind_da = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(f"Filen {backup.path} er en {kind_da[backup.kind]}-sikkerhedskopi; databasen er "
                          f"{kind_da.get(database.engine, database.engine)}. Gendan i en database af samme slags.",
                          message_en="the backup is of another database engine")
    if database.engine == "sqlite":
        _sqlite_check(backup.path)
        _sqlite_copy(source=str(backup.path), target=Path(database.name))
    else:
        _run(["pg_restore", "--list", str(backup.path)], database, tool="pg_restore", database_arg=False)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={database.name}", str(backup.path)], database, tool="pg_restore", database_arg=False)
    return backup


def _private_file(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    path.chmod(0o600)


def _sqlite_copy(*, source: str, target: Path) -> None:
    if not Path(source).is_file():
        raise BackupError(f"SQLite-filen {source} findes ikke.", message_en="no such SQLite file")
    source_db = sqlite3.connect(source)
    target_db = sqlite3.connect(target)
    try:
        source_db.backup(target_db)  # one step: a consistent snapshot, written under one lock on the target
    except sqlite3.Error as error:
        raise BackupError(f"SQLite-kopien mislykkedes: {error}.", message_en=str(error)) from error
    finally:
        target_db.close()
        source_db.close()


def _sqlite_check(path: Path) -> None:
    try:
        db = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
        try:
            ok = db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            migrated = db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'django_migrations'").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error as error:
        raise BackupError(f"Filen {path} kan ikke læses som SQLite-database: {error}.",
                          message_en=str(error)) from error
    if not ok:
        raise BackupError(f"Filen {path} er beskadiget (SQLite quick_check fejlede).", message_en="corrupt file")
    if not migrated:
        raise BackupError(f"Filen {path} er ikke en Rammeaftale-database (ingen django_migrations-tabel).",
                          message_en="not a rammeaftale database")


def _run(command: list[str], database: Database, *, tool: str, database_arg: bool = True) -> None:
    """Run a PostgreSQL client tool with the connection in its environment (the password never in argv)."""
    env = {**os.environ, "PGHOST": database.host, "PGPORT": database.port, "PGUSER": database.user,
           "PGDATABASE": database.name}
    env = {key: value for key, value in env.items() if value}
    if database.password:
        env["PGPASSWORD"] = database.password
    if database_arg:
        command = [*command, database.name]
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S,
                                check=False)
    except FileNotFoundError as error:
        raise BackupError(f"Programmet {tool} findes ikke; installer PostgreSQL-klienten (Debian: "
                          "postgresql-client) i samme eller nyere version end serveren.",
                          message_en=f"{tool} not found") from error
    if result.returncode != 0:
        detail = " ".join(result.stderr.strip().splitlines()[-3:])
        raise BackupError(f"{tool} mislykkedes for {database} (afslutningskode {result.returncode}); intet er "
                          f"ændret. {tool} skrev: {detail}", message_en=f"{tool} failed")
