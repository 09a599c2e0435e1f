"""The monthly settlement run: invoices to the øre, idempotent, all or nothing, credit notes for retroactive changes."""
from datetime import date

import pytest
from stdnum import ean

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.billing.models import AccountMapping, Invoice, InvoiceKind, InvoiceLine, SettlementRun, TariffChange
from rammeaftale.billing.settlement import settlement_issue, settlement_plan
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.placements import services as placement_services
from rammeaftale.placements.services import PlacementRequest, placement_request
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import LegalParagraph
from rammeaftale.tariffs.models import Tariff, TariffOrigin

YEAR = 2026


def gln(body: str) -> str:
    return body + ean.calc_check_digit(body)


@pytest.fixture
def world(agreements, odense, esbjerg, copenhagen, make_offer, make_user, actor_of, system):
    for organisation, body in ((odense, "579800000461"), (esbjerg, "579800000561")):
        organisation.ean = gln(body)
        organisation.save()
    offer = make_offer(odense, name="Bostedet Æblehaven", paragraphs=("sel-108",), places=5)
    basis = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
    Tariff.objects.create(service=basis, year=YEAR - 1, amount_ore=230_000, origin=TariffOrigin.PUBLISHED)
    Tariff.objects.create(service=basis, year=YEAR, amount_ore=234_567, origin=TariffOrigin.PUBLISHED)
    AccountMapping.objects.create(paragraph=LegalParagraph.objects.get(code="sel-108"), account_code="5.38.50")
    caseworker = actor_of(make_user(esbjerg, Role.CASEWORKER))
    placement = placement_request(actor=caseworker, request=PlacementRequest(
        offer=offer, paying_municipality=esbjerg, citizen_name="Anna Andersen", cpr="0101901234",
        start_date=date(YEAR - 1, 12, 10)))
    return {
        "offer": offer, "basis": basis, "placement": placement, "caseworker": caseworker,
        "seller": actor_of(make_user(odense, Role.ECONOMIST)), "odense": odense, "esbjerg": esbjerg,
        "buyer_economist": actor_of(make_user(esbjerg, Role.ECONOMIST)),
    }


def test_a_month_is_days_times_tariff_to_the_ore(world):
    result = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1,
                              issue_date=date(YEAR, 1, 2))
    [invoice] = result.invoices
    assert (invoice.seller, invoice.buyer, invoice.kind) == (world["odense"], world["esbjerg"], InvoiceKind.INVOICE)
    [line] = invoice.lines.all()
    assert (line.period_from, line.period_to, line.quantity, line.rate_ore) == (
        date(YEAR, 1, 1), date(YEAR, 2, 1), 31, 234_567)
    assert line.amount_ore == invoice.total_ore == 31 * 234_567 == 7_271_577
    assert line.account_code == "5.38.50"
    assert invoice.due_date == date(YEAR, 2, 1)  # at most 30 days (rentelovens § 3b, rulebook payment.due_days_max)
    assert "0101901234" not in line.description and world["placement"].reference in line.description
    assert AuditEvent.objects.filter(event_type="settlement.issued").count() == 1


def test_the_same_month_twice_creates_nothing(world):
    first = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1)
    second = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1)
    assert (first.created, second.created, second.run) == (True, False, first.run)
    assert Invoice.objects.count() == 1 and SettlementRun.objects.count() == 1


def test_a_changed_end_date_gives_a_credit_note_and_a_new_invoice_next_month(world):
    settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1)
    february = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=2)
    assert february.credit_notes == []
    # The citizen's place ended on 20 January (first day without the place), registered in March.
    placement_services.placement_end_date_set(actor=world["caseworker"], placement=world["placement"],
                                              end_date=date(YEAR, 1, 20), reason="Borgeren døde 19. januar")
    march = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=3)
    assert len(march.credit_notes) == 2  # January's and February's invoices are credited
    credited = {note.credits.number: note.total_ore for note in march.credit_notes}
    assert credited == {inv.number: inv.total_ore for inv in Invoice.objects.filter(kind=InvoiceKind.INVOICE,
                                                                                    run__month__in=[1, 2])}
    [invoice] = march.invoices
    [line] = invoice.lines.all()
    assert (line.period_from, line.period_to, line.quantity, line.amount_ore) == (
        date(YEAR, 1, 1), date(YEAR, 1, 20), 19, 19 * 234_567)
    # Net, the buyer pays exactly the 19 days of January.
    net = sum(i.total_ore if i.kind == InvoiceKind.INVOICE else -i.total_ore for i in Invoice.objects.all())
    assert net == 19 * 234_567
    # The issued January invoice itself is unchanged.
    january = Invoice.objects.get(run__month=1)
    assert january.lines.get().quantity == 31
    # April: nothing more to correct.
    april = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=4)
    assert (april.invoices, april.credit_notes) == ([], [])


def test_a_mid_month_tariff_change_splits_the_line(world):
    TariffChange.objects.create(service=world["basis"], valid_from=date(YEAR, 1, 16), amount_ore=240_000,
                                reason="Rettet takst")
    result = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1)
    lines = list(result.invoices[0].lines.order_by("period_from"))
    assert [(line.quantity, line.rate_ore) for line in lines] == [(15, 234_567), (16, 240_000)]
    assert result.invoices[0].total_ore == 15 * 234_567 + 16 * 240_000


def test_december_to_january_uses_each_years_tariff_and_old_help_is_flagged(world):
    december = settlement_plan(actor=world["seller"], seller=world["odense"], year=YEAR - 1, month=12,
                               issue_date=date(YEAR + 1, 1, 5))
    [planned] = december.invoices
    [line] = planned.lines
    assert (line.line.quantity, line.line.rate_ore) == (22, 230_000)
    assert line.late_claim  # help from December the year before last: more than 12 months (SEL § 174 stk. 2)
    assert not Invoice.objects.exists()  # a plan writes nothing


def test_a_buyer_without_ean_stops_the_whole_run(world):
    world["esbjerg"].ean = ""
    world["esbjerg"].save()
    with pytest.raises(DomainError, match="Esbjerg Kommune har intet EAN-nummer") as error:
        settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1)
    assert error.value.code == "missing_ean"
    assert not SettlementRun.objects.exists() and not InvoiceLine.objects.exists()


def test_a_day_without_tariff_stops_the_run(world):
    Tariff.objects.filter(year=YEAR).delete()
    with pytest.raises(DomainError):
        settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1)
    assert not SettlementRun.objects.exists()


def test_only_the_sellers_economists_run_it(world):
    with pytest.raises(NotAllowed):
        settlement_issue(actor=world["buyer_economist"], seller=world["odense"], year=YEAR, month=1)
    with pytest.raises(NotAllowed):
        settlement_issue(actor=world["caseworker"], seller=world["odense"], year=YEAR, month=1)
    assert settlement_issue(actor=Actor.system(), seller=world["odense"], year=YEAR, month=1).created
