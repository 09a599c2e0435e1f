"""`rammeaftale backup` and `restore`: a round trip through a fresh database reproduces every row, column by column.

The commands run as subprocesses against the test database of the run (SQLite file or PostgreSQL test_ database);
the restore goes into a new SQLite file, or a new PostgreSQL database the test creates and drops.
"""
import hashlib
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import AuditEvent
from rammeaftale.billing.models import Invoice, InvoiceKind, InvoiceLine
from rammeaftale.billing.settlement import settlement_issue
from rammeaftale.core.backup import BackupError, Database, backup_restore
from tests.conftest import TODAY
from tests.services.test_settlement_fault import world  # noqa: F401 - the fixture: issued invoices, audit rows


def _url(name: str) -> str:
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))


def _rammeaftale(*args: str, database: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": _url(database)}
    return subprocess.run([sys.executable, "-m", "rammeaftale", *args], env=env, capture_output=True, text=True,
                          timeout=600, check=False)


def _rows(wrapper) -> dict[str, list[tuple]]:
    """Every row of every table, all columns, in primary-key order (the values as the driver returns them)."""
    tables = {}
    with wrapper.cursor() as cursor:
        for table in sorted(wrapper.introspection.table_names(cursor)):
            quoted = wrapper.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted} ORDER BY 1")
            tables[table] = [tuple(row) for row in cursor.fetchall()]
    return tables


@pytest.fixture
def restored_database():
    """The name of a database that does not exist yet (a SQLite file, or a PostgreSQL database dropped after)."""
    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"]).with_name(f"restored-{uuid.uuid4().hex[:8]}.sqlite3")
        yield str(path)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)")


def _connect(name: str):
    wrapper = connection.copy()
    wrapper.settings_dict["NAME"] = name
    return wrapper


def test_a_backup_restored_into_a_fresh_database_reproduces_every_row(world, restored_database, tmp_path):  # noqa: F811
    march = [settlement_issue(actor=Actor.system(), seller=seller, year=2026, month=3, issue_date=TODAY)
             for seller in world["sellers"]]
    assert all(result.credit_notes for result in march)  # invoices, credit notes and their audit rows exist
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).exists() and InvoiceLine.objects.count() > 20
    source_db = connection.settings_dict["NAME"]
    source = _rows(connection)
    audit_table = AuditEvent._meta.db_table
    assert {Invoice._meta.db_table, InvoiceLine._meta.db_table, audit_table} <= set(source)
    assert len(source[audit_table]) > 20

    backup = tmp_path / "rammeaftale.backup"
    made = _rammeaftale("backup", str(backup), database=source_db)
    assert made.returncode == 0, made.stderr
    assert "Sikkerhedskopi skrevet" in made.stdout and backup.stat().st_mode & 0o777 == 0o600
    sha256 = hashlib.sha256(backup.read_bytes()).hexdigest()
    event = AuditEvent.objects.get(event_type="database.backed_up")  # recorded in the database backed up
    assert (event.actor_username, event.after["sha256"], event.after["size_bytes"]) == (
        "backup", sha256, backup.stat().st_size)

    restored = _rammeaftale("restore", str(backup), database=restored_database)  # fresh: no --yes needed
    assert restored.returncode == 0, restored.stderr
    target = _connect(restored_database)
    try:
        copy = _rows(target)
        restore_event = copy[audit_table].pop()  # the restore's own event, the newest row
        assert copy == source  # every table, every row, every column: invoices, lines and audit rows included
        with target.cursor() as cursor:
            cursor.execute(f"SELECT event_type, actor_username FROM {target.ops.quote_name(audit_table)} "
                           "WHERE id = %s", [restore_event[0]])
            assert cursor.fetchone() == ("database.restored", "restore")
    finally:
        target.close()

    # Into a database that is not empty (now the restored one) only with --yes; without it nothing changes.
    refused = _rammeaftale("restore", str(backup), database=restored_database)
    assert refused.returncode == 2
    assert "er ikke tom" in refused.stderr and "--yes" in refused.stderr and "Traceback" not in refused.stderr
    target = _connect(restored_database)
    try:
        assert _rows(target)[audit_table][-1] == restore_event
    finally:
        target.close()
    again = _rammeaftale("restore", str(backup), "--yes", database=restored_database)
    assert again.returncode == 0, again.stderr
    target = _connect(restored_database)
    try:
        copy = _rows(target)
        assert copy[audit_table].pop()[0] == restore_event[0]  # the dump's rows replaced the first restore's
        assert copy == source
    finally:
        target.close()


def test_restore_refuses_a_file_that_is_no_backup_or_of_the_other_engine(transactional_db, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("ikke en sikkerhedskopi")
    refused = _rammeaftale("restore", str(text), "--yes", database=connection.settings_dict["NAME"])
    assert refused.returncode == 2 and "er ikke en sikkerhedskopi" in refused.stderr
    assert "Traceback" not in refused.stderr

    other = tmp_path / "other.backup"
    other.write_bytes(b"PGDMP" if connection.vendor == "sqlite" else b"SQLite format 3\x00")
    engine = "sqlite" if connection.vendor == "sqlite" else "postgresql"
    with pytest.raises(BackupError, match="Gendan i en database af samme slags"):
        backup_restore(database=Database(engine=engine, name="ikke-brugt"), path=other)
    assert not AuditEvent.objects.filter(event_type="database.restored").exists()

