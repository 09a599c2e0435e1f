"""All sellers at once (`settlement_issue_all`, the console's path): exactly what each seller's own run writes —
the same invoices, numbers, lines to the øre, credit notes and audit events — from one extraction; a rerun writes
nothing; a plan read before another run of the seller committed is read again under the seller's lock."""
import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import AuditEvent
from rammeaftale.billing import settlement
from rammeaftale.billing.models import Invoice, InvoiceKind, InvoiceLine, SettlementRun
from rammeaftale.billing.settlement import (
    _issue_planned,
    settlement_issue,
    settlement_issue_all,
    settlement_plan,
    settlement_plans,
)
from rammeaftale.core.errors import DomainError
from rammeaftale.parties.models import Organisation
from rammeaftale.placements.models import Placement
from tests.conftest import TODAY
from tests.services.test_settlement_fault import _snapshot, world  # noqa: F401 - world is a fixture

YEAR, MONTH = TODAY.year, TODAY.month - 2  # a month the demo's placements fill, issued on the tests' day


@pytest.fixture
def demo(db):
    """The demo region as `make run` builds it, with its placements since last year."""
    call_command("demo", region="syddanmark", seed=1, year_from=TODAY.year - 1, stdout=io.StringIO())
    operators = Placement.objects.filter(is_internal=False).values_list("offer__operator_id", flat=True)
    return list(Organisation.objects.filter(pk__in=operators.distinct()).order_by("name"))


def _plan_rows(plan) -> tuple:
    """What a plan shows and writes, field by field."""
    return (
        plan.seller.pk, plan.due_date, plan.payment_terms, plan.existing_run, plan.problems, plan.warnings,
        [(item.service.pk, item.year, item.first_day, item.reason_da) for item in plan.missing_tariffs],
        [p.pk for p in plan.awaiting_consent],
        [(held.buyer.pk, held.reasons, held.total_ore) for held in plan.held],
        [(invoice.buyer.pk, [(p.line, p.placement.pk, p.placement.reference, p.is_correction, p.late_days,
                              p.late_amount_ore, p.account_code, p.description, p.provisional)
                             for p in invoice.lines]) for invoice in plan.invoices],
        [(credit.invoice.pk, [line.pk for line in credit.lines]) for credit in plan.credits],
    )


def test_on_the_demo_region_all_sellers_at_once_write_exactly_what_each_seller_alone_writes(demo):
    actor = Actor.system(username="settlement")
    plans = settlement_plans(actor=actor, sellers=demo, year=YEAR, month=MONTH, issue_date=TODAY)
    assert [_plan_rows(plan) for plan in plans] == [
        _plan_rows(settlement_plan(actor=actor, seller=seller, year=YEAR, month=MONTH, issue_date=TODAY))
        for seller in demo]

    with transaction.atomic():  # each seller's own run, as before the batch, then rolled back
        for seller in demo:
            settlement_issue(actor=actor, seller=seller, year=YEAR, month=MONTH, issue_date=TODAY)
        alone = _snapshot()
        transaction.set_rollback(True)
    assert not SettlementRun.objects.exists()
    postgresql = connection.vendor == "postgresql"
    if postgresql:  # as on a new installation: the invoice table analyzed while empty
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE billing_invoice")
    results = settlement_issue_all(actor=actor, sellers=demo, year=YEAR, month=MONTH, issue_date=TODAY)
    assert all(result.created for result in results)
    assert _snapshot() == alone
    invoices = Invoice.objects.count()
    assert invoices > 100  # enough for the run to analyze the table at least once
    if postgresql:  # analyzed again while the run filled it, so each line's foreign-key check is planned on rows:
        with connection.cursor() as cursor:  # the statistics lag at most a factor 2 (+ 100 rows) behind
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'billing_invoice'")
            analyzed = cursor.fetchone()[0]
        assert 0 < analyzed <= invoices <= 2 * analyzed + 100
    assert alone["line_count"] > 1000 and len(alone["runs"]) == len(demo) > 20

    # Each seller's numbers run 001…n with no gap; one audit event per run names them and the total.
    for seller, result in zip(demo, results, strict=True):
        numbers = sorted(invoice.number for invoice in result.invoices)
        assert numbers == [f"{seller.code or f'O{seller.pk}'}-{YEAR}{MONTH:02d}-{n:03d}"
                           for n in range(1, len(numbers) + 1)]
        [event] = AuditEvent.objects.filter(event_type="settlement.issued", organisation_id=seller.pk)
        assert event.after["invoices"] == [invoice.number for invoice in result.invoices]
        assert event.after["total_ore"] == sum(invoice.total_ore for invoice in result.invoices)
        assert event.object_id == str(result.run.pk) and event.actor_username == "settlement"

    # A rerun writes nothing and names the same runs and invoices.
    again = settlement_issue_all(actor=actor, sellers=demo, year=YEAR, month=MONTH, issue_date=TODAY)
    assert _snapshot() == alone
    assert [(r.created, r.run, sorted(i.number for i in r.invoices)) for r in again] == [
        (False, r.run, sorted(i.number for i in r.invoices)) for r in results]


def test_corrections_and_credit_notes_for_three_sellers_at_once_equal_each_sellers_own_run(world, monkeypatch):
    """The fault test's world (three sellers invoicing each other, January and February issued, a place of each
    seller ended back in January): March by all sellers at once = March seller by seller. Outside a transaction
    on PostgreSQL the runs are written by the writer threads, two connections at once; on SQLite one after the
    other on this connection."""
    sellers = world["sellers"]
    with transaction.atomic():
        for seller in sellers:
            settlement_issue(actor=Actor.system(), seller=seller, year=2026, month=3, issue_date=TODAY)
        alone = _snapshot()
        transaction.set_rollback(True)
    writers = []
    write = settlement._plan_write_alone

    def write_noting_the_thread(*args):
        writers.append(threading.current_thread().name)
        return write(*args)

    monkeypatch.setattr(settlement, "_plan_write_alone", write_noting_the_thread)
    results = settlement_issue_all(actor=Actor.system(), sellers=sellers, year=2026, month=3, issue_date=TODAY)
    assert all(result.created and result.credit_notes for result in results)
    assert _snapshot() == alone
    assert len(writers) == 3
    if connection.vendor == "postgresql":
        assert all(name.startswith("settlement-writer") for name in writers)
    else:
        assert set(writers) == {threading.current_thread().name}


def test_a_preview_sums_up_its_invoices_without_the_lines_texts_which_come_when_a_line_is_shown(world):
    """The preview's summary (each invoice's total and counts) reads nothing once the plan is made: the service
    names, account codes and texts are read when a line is shown (for that invoice alone, or for all the plan's
    lines at once where all are shown or written), and are what the run writes."""
    odense = world["sellers"][1]
    plan = settlement_plan(actor=Actor.system(), seller=odense, year=2026, month=3, issue_date=TODAY)
    with CaptureQueriesContext(connection) as summing:
        summary = [(invoice.total_ore, invoice.line_count, invoice.corrections) for invoice in plan.invoices]
    assert len(summing) == 0
    assert len(summary) == 2 and all(total > 0 and count > 0 for total, count, _ in summary)
    assert sum(corrections for *_, corrections in summary) > 0  # a place ended back in January
    first, second = plan.invoices
    with CaptureQueriesContext(connection) as one:  # a preview showing one invoice's lines: its texts alone
        first_lines = first.lines
    with CaptureQueriesContext(connection) as every:  # a page or answer with all the lines: read once for all
        plan.texts_read()
        shown = first_lines + second.lines
    assert len(one) == 4 and len(every) == 4  # names, account mappings (shared, the buyers'), paragraphs
    assert first.lines is first_lines and [line.description for line in first_lines] == [
        description for description in first.texts.frame.slice(first.offset, first.line_count)
        .get_column("description").to_list()]
    with transaction.atomic():
        settlement_issue(actor=Actor.system(), seller=odense, year=2026, month=3, issue_date=TODAY)
        written = [(line.description, line.account_code, line.amount_ore) for line in InvoiceLine.objects.filter(
            invoice__run__seller=odense, invoice__run__month=3, invoice__kind=InvoiceKind.INVOICE).order_by(
            "invoice__number", "pk")]
        transaction.set_rollback(True)
    assert [(line.description, line.account_code, line.line.amount_ore) for line in shown] == written
    assert all(line.description.startswith("Placering ") for line in shown)


def test_a_seller_whose_run_fails_stops_only_itself(world, system):
    """One seller lacks its EAN: its run is refused with the Danish message, the others are issued."""
    esbjerg, odense, vejle = world["sellers"]
    odense.ean = ""
    odense.save()
    results = settlement_issue_all(actor=system, sellers=[esbjerg, odense, vejle], year=2026, month=3,
                                   issue_date=TODAY)
    assert isinstance(results[1], DomainError) and "intet EAN-nummer" in results[1].message_da
    assert results[0].created and results[2].created
    assert set(SettlementRun.objects.filter(month=3).values_list("seller__code", flat=True)) == {
        esbjerg.code, vejle.code}


def test_a_plan_read_before_another_run_of_the_seller_committed_is_read_again_under_its_lock(world):
    odense, actor = world["sellers"][1], Actor.system()
    stale_march = settlement_plan(actor=actor, seller=odense, year=2026, month=3, issue_date=TODAY)
    stale_april = settlement_plan(actor=actor, seller=odense, year=2026, month=4, issue_date=TODAY)
    assert stale_april.credits  # read before March's run: April would credit January and February itself
    march = settlement_issue(actor=actor, seller=odense, year=2026, month=3, issue_date=TODAY)
    assert march.created and march.credit_notes

    with transaction.atomic():  # March committed since its plan was read: nothing is written twice
        result = _issue_planned(actor, odense, stale_march)
    assert (result.created, result.run) == (False, march.run)
    assert SettlementRun.objects.filter(seller=odense, month=3).count() == 1

    with transaction.atomic():  # April is planned again under the lock: March has credited what was to credit
        april = _issue_planned(actor, odense, stale_april)
    assert april.created and april.credit_notes == []
    assert Invoice.objects.filter(seller=odense, kind=InvoiceKind.CREDIT_NOTE).count() == len(march.credit_notes)


def test_an_unexpected_error_stops_the_command_and_the_rerun_issues_every_seller(world, monkeypatch):
    """An error that is not a seller's own (a DomainError) — the disk full, a lost connection — rolls back the run in
    hand and comes out of the command; on PostgreSQL no writer then takes another seller. The rerun issues every
    seller whose run did not commit, and the months already committed stay as they are."""
    esbjerg = world["sellers"][0]
    write = settlement._issue_planned

    def failing_for_esbjerg(actor, seller, plan):
        if seller.pk == esbjerg.pk:
            raise RuntimeError("disken er fuld")
        return write(actor, seller, plan)

    monkeypatch.setattr(settlement, "_issue_planned", failing_for_esbjerg)
    with pytest.raises(RuntimeError, match="disken er fuld"):
        settlement_issue_all(actor=Actor.system(), sellers=world["sellers"], year=2026, month=3, issue_date=TODAY)
    assert not SettlementRun.objects.filter(seller=esbjerg, year=2026, month=3).exists()
    monkeypatch.undo()
    results = settlement_issue_all(actor=Actor.system(), sellers=world["sellers"], year=2026, month=3,
                                   issue_date=TODAY)
    assert not any(isinstance(result, DomainError) for result in results)
    assert results[0].created
    assert SettlementRun.objects.filter(year=2026, month=3).count() == 3
