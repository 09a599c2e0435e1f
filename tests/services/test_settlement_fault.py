"""A settlement run killed part way (SIGKILL) and run again gives exactly the clean result.

A real `rammeaftale settlement run --month 2026-03 --issue` runs in a subprocess against the test database, over
three sellers, and is killed while the second seller's run is held and before it commits. On PostgreSQL the
command writes two sellers' runs at once (`settlement.WRITERS`), so by then the other writer has committed the
first and the third seller; one after the other (SQLite) only the first has. Where it stops is decided by a lock
or a pause, never by a timing guess:

- «waiting for the lock»: the test holds the lock the second seller's run needs next. PostgreSQL: the seller's
  Organisation row `FOR NO KEY UPDATE`, as settlement_issue locks it first, taken before the subprocess starts.
  SQLite has one write lock per file and does not queue waiting writers, so a lock taken when the first run
  appears is a race the subprocess wins; there the subprocess pauses before its second transaction begins, the
  test takes the write lock (`BEGIN IMMEDIATE`) and lets it go on into the lock.
- «inside the second run»: the subprocess pauses inside the second seller's open transaction, after its run,
  invoices and lines are written and before they commit (both databases): at its audit event, the run's last
  write (the lines go by COPY on PostgreSQL, which passes no query wrapper), on the connection that inserted
  that seller's run.

The subprocess runs the console command's own entry point (`rammeaftale.cli.main`); the pause is a Django query
wrapper that touches a file and waits, and is installed only where named above. The rerun is the plain command.
"""
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from stdnum import ean

from rammeaftale.accounts.actor import Actor, actor_from_user
from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.billing.models import (
    AccountMapping,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    PaymentAccount,
    SettlementRun,
)
from rammeaftale.billing.settlement import settlement_issue
from rammeaftale.parties.models import Organisation
from rammeaftale.placements.services import PlacementRequest, placement_end_date_set, placement_request
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import LegalParagraph
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from tests.conftest import TODAY

YEAR, MONTH = 2026, 3
WAIT_S = 60  # the longest the test waits for the subprocess to reach a point (it normally takes a second or two)

# Runs the console command in the subprocess, with a pause at the point FAULT_PAUSE names (or none).
DRIVER = r"""
import os, sys, threading, time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rammeaftale.config.settings")
import django
django.setup()
from django.db.backends.signals import connection_created

where, signals = os.environ.get("FAULT_PAUSE", ""), Path(os.environ.get("FAULT_DIR", "."))
second = int(os.environ.get("FAULT_SECOND_SELLER", "0"))
runs_written = 0
writing = threading.local()  # the seller whose run this connection's thread writes

def pause(execute, sql, params, many, context):
    global runs_written
    head = sql.lstrip()[:40].upper().replace('"', "")
    if where == "before_second_run" and runs_written == 1 and head.startswith("BEGIN"):
        (signals / "paused").touch()
        while not (signals / "go").exists():
            time.sleep(0.01)
        (signals / "resumed").touch()  # the next statement waits on the test's write lock
    result = execute(sql, params, many, context)
    if head.startswith("INSERT INTO BILLING_SETTLEMENTRUN"):
        runs_written += 1
        columns = [name.strip(' "') for name in sql[sql.index("(") + 1:sql.index(")")].split(",")]
        writing.seller = params[columns.index("seller_id")]
    if (where == "inside_second_run" and getattr(writing, "seller", None) == second
            and head.startswith("INSERT INTO ACCOUNTS_AUDITEVENT")):
        (signals / "paused").touch()
        time.sleep(3600)  # killed here, the second seller's transaction open and written
    return result

def install(sender, connection, **kwargs):
    if where and pause not in connection.execute_wrappers:
        connection.execute_wrappers.append(pause)

connection_created.connect(install)
from rammeaftale.cli import main
main(sys.argv[1:])
"""


def gln(body: str) -> str:
    return body + ean.calc_check_digit(body)


def _database_url() -> str:
    """The test database as DATABASE_URL, for the subprocess."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def _wait_for(condition, what: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"the settlement run ended (exit {process.returncode}) before {what}: "
                                 f"{process.stderr.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what} ({_committed_runs()} runs of the month committed)")
        time.sleep(0.02)


def _committed_runs() -> int:
    return SettlementRun.objects.filter(year=YEAR, month=MONTH).count()


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0] > 0


def _snapshot() -> dict:
    """Every run, invoice, line and settlement audit row, by what identifies it (not by id or time of writing)."""
    runs = {run.pk: (run.seller.code, run.year, run.month, run.issue_date, run.issued_by_id)
            for run in SettlementRun.objects.select_related("seller")}
    numbers = dict(Invoice.objects.values_list("pk", "number"))
    lines = {}
    for line in InvoiceLine.objects.order_by("pk"):
        lines[line.pk] = (numbers[line.invoice_id], line.placement_id, line.service_id, line.period_from,
                          line.period_to, line.unit, line.basis, line.quantity, line.rate_ore, line.amount_ore,
                          line.account_code, line.description, line.late_claim, line.late_days,
                          line.late_amount_ore)
    credited = {line.pk: lines[line.credited_line_id] for line in InvoiceLine.objects.exclude(credited_line=None)}
    invoices = sorted(
        (invoice.number, invoice.kind, runs[invoice.run_id], invoice.seller.code, invoice.buyer.code,
         invoice.issue_date, invoice.due_date, numbers.get(invoice.credits_id), invoice.total_ore,
         invoice.seller_ean, invoice.seller_cvr, invoice.buyer_ean, invoice.payment_terms, invoice.has_late_claims,
         sorted((lines[pk], credited.get(pk)) for pk in invoice.lines.values_list("pk", flat=True)))
        for invoice in Invoice.objects.select_related("seller", "buyer")
    )
    audit = sorted(
        (event.event_type, event.actor_username, event.actor_id, event.organisation_id, event.object_type,
         runs[int(event.object_id)] if event.object_type == "billing.settlementrun" else event.object_id,
         repr(event.before), repr(event.after), event.reason)
        for event in AuditEvent.objects.all()
    )
    return {"runs": sorted(runs.values()), "invoices": invoices, "audit": audit,
            "line_count": len(lines)}


@pytest.fixture
def world(transactional_db, agreements, odense, esbjerg, make_offer, make_user, system):
    """Three selling municipalities, each selling to the other two; January and February issued; then a place of
    each seller ended back in January, so March credits and re-invoices as well as invoicing March."""
    vejle = Organisation.objects.get(kind="municipality", code="630")
    sellers = [esbjerg, odense, vejle]  # the command settles them by name: Esbjerg, Odense, Vejle
    for organisation, body, cvr in ((odense, "579800000461", "35209115"), (esbjerg, "579800000561", "29189803"),
                                    (vejle, "579800000630", "29189900")):
        organisation.ean, organisation.cvr = gln(body), cvr
        organisation.address, organisation.postcode, organisation.city = "Rådhuset 1", "7100", organisation.name
        organisation.save()
        PaymentAccount.objects.create(organisation=organisation, reg_no="1234", account_no="0001234567")
    AccountMapping.objects.create(paragraph=LegalParagraph.objects.get(code="sel-108"), account_code="5.38.50")
    caseworkers = {org.pk: actor_from_user(make_user(org, Role.CASEWORKER)) for org in sellers}
    ended = []
    citizen = 0
    for seller in sellers:
        offer = make_offer(seller, name=f"Bostedet {seller.name}", places=10)
        basis = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
        Tariff.objects.create(service=basis, year=YEAR - 1, amount_ore=230_000 + seller.pk,
                              origin=TariffOrigin.PUBLISHED)
        Tariff.objects.create(service=basis, year=YEAR, amount_ore=234_567 + seller.pk, origin=TariffOrigin.PUBLISHED)
        for buyer in sellers:
            if buyer == seller:
                continue
            for start in (date(YEAR - 1, 12, 10), date(YEAR, 1, 5)):
                citizen += 1
                placement = placement_request(actor=caseworkers[buyer.pk], request=PlacementRequest(
                    offer=offer, paying_municipality=buyer, citizen_name=f"Borger {citizen}",
                    cpr=f"010190{1000 + citizen}", start_date=start))
                last = (caseworkers[buyer.pk], placement)
        ended.append(last)
    for month in (1, 2):
        for seller in sellers:
            settlement_issue(actor=system, seller=seller, year=YEAR, month=month, issue_date=TODAY)
    for caseworker, placement in ended:
        placement_end_date_set(actor=caseworker, placement=placement, end_date=date(YEAR, 1, 20),
                               reason="Fejlregistrering", today=date(YEAR, 3, 2),
                               operator_agreement="Aftalt med driftsherren 2.3.")
    return {"sellers": sellers}


def _clean_result() -> dict:
    """The command run in this process on the same world, then rolled back: the result a rerun must reproduce."""
    with transaction.atomic():
        call_command("settlement", "run", "--month", f"{YEAR}-{MONTH:02d}", "--issue", stdout=StringIO())
        clean = _snapshot()
        transaction.set_rollback(True)
    return clean


def _command(pause: str, signals: Path, second: Organisation | None = None) -> tuple[list[str], dict]:
    env = {**os.environ, "DATABASE_URL": _database_url(), "FAULT_PAUSE": pause, "FAULT_DIR": str(signals),
           "FAULT_SECOND_SELLER": str(second.pk if second else 0)}
    return ([sys.executable, "-c", DRIVER, "settlement", "run", "--month", f"{YEAR}-{MONTH:02d}", "--issue"], env)


@pytest.mark.parametrize("kill_point", ["before_second_run", "inside_second_run"])
def test_a_run_killed_part_way_reruns_to_exactly_the_clean_result(world, kill_point, tmp_path):
    before = _snapshot()
    clean = _clean_result()
    assert _snapshot() == before  # the clean run left nothing behind
    march = [invoice for invoice in clean["invoices"] if invoice[2][1:3] == (YEAR, MONTH)]
    kinds = {(invoice[3], invoice[1]) for invoice in march}
    assert {seller.code for seller in world["sellers"]} == {code for code, _ in kinds}
    assert all((seller.code, InvoiceKind.CREDIT_NOTE) in kinds for seller in world["sellers"])

    second = world["sellers"][1]
    # committed when the second seller's run is held: on PostgreSQL the other writer goes on to the third seller
    committed = ([seller.code for seller in world["sellers"] if seller != second]
                 if connection.vendor == "postgresql" else [world["sellers"][0].code])
    lock = connection.copy()  # a second connection, the test's, holding what the second seller's run needs
    command, env = _command(kill_point if (kill_point == "inside_second_run" or connection.vendor == "sqlite")
                            else "", tmp_path, second)
    locked = False
    try:
        if kill_point == "before_second_run" and connection.vendor == "postgresql":
            locked = True
            lock.set_autocommit(False)
            with lock.cursor() as cursor:
                table = connection.ops.quote_name(Organisation._meta.db_table)
                cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR NO KEY UPDATE", [second.pk])  # as the run
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            if kill_point == "before_second_run" and connection.vendor == "postgresql":
                _wait_for(lambda: _committed_runs() == len(committed) and _waiting_on_a_lock(),
                          "the other runs committed and the second waiting for its seller's lock", process)
            elif kill_point == "before_second_run":
                _wait_for(lambda: (tmp_path / "paused").exists(), "the pause before the second run", process)
                lock.cursor().execute("BEGIN IMMEDIATE")
                locked = True
                (tmp_path / "go").touch()
                _wait_for(lambda: (tmp_path / "resumed").exists(), "the second run's BEGIN", process)
            else:
                _wait_for(lambda: (tmp_path / "paused").exists() and _committed_runs() == len(committed),
                          "the pause inside the second run and the other runs committed", process)
            assert _committed_runs() == len(committed)  # part way: the second seller's run not committed
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=WAIT_S)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()
            process.stderr.close()
        assert process.returncode == -signal.SIGKILL
    finally:
        if locked:  # released only now: the killed run's PostgreSQL backend may still be waiting for it
            if lock.vendor == "sqlite":
                lock.cursor().execute("ROLLBACK")
            else:
                lock.rollback()
        lock.close()

    after_kill = _snapshot()
    assert sorted(run[0] for run in after_kill["runs"] if run[1:3] == (YEAR, MONTH)) == sorted(committed)
    assert not Invoice.objects.filter(run__month=MONTH, seller=second).exists()

    rerun_command, rerun_env = _command("", tmp_path)
    rerun = subprocess.run(rerun_command, env=rerun_env, capture_output=True, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stderr.decode()[-2000:]
    assert _snapshot() == clean

    # No duplicates and no gaps: each seller's March numbers run 001…n and K001…m.
    for seller in world["sellers"]:
        for kind, infix in ((InvoiceKind.INVOICE, ""), (InvoiceKind.CREDIT_NOTE, "K")):
            numbers = list(Invoice.objects.filter(seller=seller, run__year=YEAR, run__month=MONTH, kind=kind)
                           .order_by("number").values_list("number", flat=True))
            assert numbers == [f"{seller.code}-{YEAR}{MONTH:02d}-{infix}{n:03d}" for n in range(1, len(numbers) + 1)]
            assert numbers
    assert AuditEvent.objects.filter(event_type="settlement.issued", after__month=MONTH).count() == 3


def test_two_sellers_who_invoice_each_other_issue_at_the_same_time(world):
    """Esbjerg invoices Odense and Odense invoices Esbjerg. Each run locks its own seller's row; the invoices'
    foreign keys to the buyer are checked at commit with a key-share lock on the buyer's row. A seller lock that
    blocks key-share locks (FOR UPDATE) made the two commits wait on each other: PostgreSQL's deadlock detector
    then failed one run. On SQLite the file's write lock serialises the two runs, so only one is in flight."""
    esbjerg, odense = world["sellers"][:2]
    in_transaction = {seller.pk: threading.Event() for seller in (esbjerg, odense)}
    outcome, overlapped = {}, {}

    def run(seller, other):
        try:
            with transaction.atomic():
                result = settlement_issue(actor=Actor.system(), seller=seller, year=YEAR, month=MONTH,
                                          issue_date=TODAY)
                in_transaction[seller.pk].set()
                # PostgreSQL: both runs reach this point before either commits. SQLite: the other run waits for
                # this one's write lock, so the wait ends by its timeout and this run commits first.
                overlapped[seller.pk] = in_transaction[other.pk].wait(timeout=5)
            outcome[seller.pk] = result.created
        except Exception as error:  # noqa: BLE001 - the assertion below names it
            outcome[seller.pk] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in ((esbjerg, odense), (odense, esbjerg))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_S)
    assert outcome == {esbjerg.pk: True, odense.pk: True}
    assert all(overlapped.values()) == (connection.vendor == "postgresql")  # both in flight at once
    assert SettlementRun.objects.filter(year=YEAR, month=MONTH).count() == 2
