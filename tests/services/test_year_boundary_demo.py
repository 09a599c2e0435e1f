"""The issue's "done when", on the demo as `make run` builds it, on 6 December: a caseworker buys a place starting
1 January, the seller previews and issues January, the approved tariff then replaces the provisional one, and the
next run credits and re-invoices January."""
import html
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from rammeaftale.accounts.actor import actor_from_user
from rammeaftale.accounts.models import User
from rammeaftale.billing.models import Invoice, InvoiceKind, InvoiceLine
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements.models import Placement
from rammeaftale.placements.selectors import offer_vacancy
from rammeaftale.registry.models import Offer
from rammeaftale.tariffs import services as tariff_services
from rammeaftale.tariffs.models import Tariff, TariffBudget, TariffOrigin
from tests.conftest import TODAY

NEW_YEAR = date(TODAY.year + 1, 1, 1)
DEMO_PASSWORD = "demo1234"


@pytest.fixture
def demo(db):
    out = io.StringIO()
    call_command("demo", region="syddanmark", seed=1, year_from=TODAY.year - 1, stdout=out)
    assert "Foreløbige takster for 2027" in out.getvalue()
    return out.getvalue()


def _login(client, username):
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def test_on_6_december_january_is_bought_invoiced_and_corrected_when_the_tariff_is_approved(demo, client):
    odense = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, code="461")
    esbjerg = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, code="561")
    approved_outside_bounds = TariffBudget.objects.filter(year=TODAY.year, lines__occupancy_approval__isnull=False)
    offer = next(o for o in Offer.objects.filter(operator=odense, offer_type="residential").exclude(
        tariff_budgets__in=approved_outside_bounds).order_by("pk")
        if offer_vacancy(offer=o, on=NEW_YEAR).free and o.services.filter(kind="basis", unit="day").exists())
    basis = offer.services.get(kind="basis", unit="day")
    provisional = Tariff.objects.get(service=basis, year=NEW_YEAR.year)
    assert provisional.origin == TariffOrigin.PROVISIONAL

    # The caseworker sees the provisional tariff on 1 January and buys the place.
    caseworker = _login(client, "sagsbehandler")
    vacancy = caseworker.get(f"/placeringer/ny/ledighed/?offer={offer.pk}&start_date={NEW_YEAR.isoformat()}")
    assert vacancy.status_code == 200 and "foreløbig" in vacancy.content.decode()
    bought = caseworker.post(f"/placeringer/ny/?offer={offer.pk}", {
        "offer": offer.pk, "paying_municipality": esbjerg.pk, "citizen_name": "Nytårs Borger", "cpr": "0101901234",
        "start_date": NEW_YEAR.isoformat(), "reserve": "on", "services": [basis.pk]})
    assert bought.status_code == 302
    placement = Placement.objects.get(citizen_name="Nytårs Borger")
    caseworker.logout()

    # The seller's economist previews and issues January.
    seller = _login(client, "oekonomi-odense")
    preview = seller.get(f"/afregning/forhaandsvisning/?month={NEW_YEAR:%Y-%m}", HTTP_HX_REQUEST="true")
    text = preview.content.decode()
    assert preview.status_code == 200 and "Kørslen kan ikke udstedes" not in text
    # Odense's month is over the preview's inline limit: Esbjerg's invoice is a summary whose lines the economist
    # opens (htmx loads them from the address in its hx-get).
    summary = re.search(r'<section class="invoice-preview" id="faktura-(\d+)">\s*<h3>Faktura til Esbjerg Kommune'
                        r'.*?<summary>(.*?)</summary>', text, re.S)
    assert summary and int(summary[1]) == esbjerg.pk and "med foreløbig takst" in summary[2]
    assert f"Placering {placement.reference}" not in text
    lines_url = re.search(rf'hx-get="([^"]*&amp;buyer={esbjerg.pk})" hx-trigger="toggle once"', text)[1]
    lines = seller.get(html.unescape(lines_url), HTTP_HX_REQUEST="true").content.decode()
    assert f"Placering {placement.reference}" in lines and "foreløbig takst" in lines
    assert _issue(seller, f"{NEW_YEAR:%Y-%m}").status_code == 302
    [january] = InvoiceLine.objects.filter(placement=placement, invoice__kind=InvoiceKind.INVOICE)
    assert (january.rate_ore, january.amount_ore) == (provisional.amount_ore, 31 * provisional.amount_ore)

    # The operator approves 2027: next year's budget from this year's, calculated through the engine.
    operator_economist = actor_from_user(User.objects.get(username="oekonomi-odense"))
    this_year = TariffBudget.objects.get(offer=offer, year=TODAY.year)
    lines = [tariff_services.ServiceBudgetInput(
        service=line.service, salaries_kr=Decimal(line.salaries_ore) / 100 * Decimal("1.04"),
        property_kr=Decimal(line.property_ore) / 100, other_direct_kr=Decimal(line.other_direct_ore) / 100,
        places=line.places, budgeted_occupancy_pct=line.budgeted_occupancy_pct, budgeted_hours=line.budgeted_hours)
        for line in this_year.lines.select_related("service")]
    saved = tariff_services.tariff_budget_save(actor=operator_economist, offer=offer, year=NEW_YEAR.year, lines=lines)
    tariff_services.tariff_budget_calculate(actor=operator_economist, budget=saved.budget)
    approved = Tariff.objects.get(service=basis, year=NEW_YEAR.year)
    assert approved.origin == TariffOrigin.CALCULATED and approved.amount_ore != provisional.amount_ore

    # February's run credits January's line and invoices January again at the approved tariff.
    february = f"{NEW_YEAR.year}-02"
    preview = seller.get(f"/afregning/forhaandsvisning/?month={february}").content.decode()
    assert "Kreditnota til Esbjerg Kommune" in preview
    assert _issue(seller, february).status_code == 302
    credited = InvoiceLine.objects.get(credited_line=january)
    assert credited.invoice.kind == InvoiceKind.CREDIT_NOTE and credited.amount_ore == january.amount_ore
    again = InvoiceLine.objects.get(placement=placement, invoice__kind=InvoiceKind.INVOICE,
                                    invoice__run__month=2, period_from=NEW_YEAR)
    assert (again.rate_ore, again.amount_ore) == (approved.amount_ore, 31 * approved.amount_ore)
    net = sum(line.amount_ore if line.invoice.kind == InvoiceKind.INVOICE else -line.amount_ore
              for line in InvoiceLine.objects.filter(placement=placement, period_from__month=1).select_related(
                  "invoice"))
    assert net == 31 * approved.amount_ore
    assert re.search(r"Kreditering: Placering", credited.description)
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE, run__month=2).exists()


def _issue(seller, month: str):
    """The settlement page's two steps: the summary (nothing issued yet), then its confirmation with the figures."""
    asked = seller.post("/afregning/", {"month": month})
    expected = re.search(r'name="expected" value="([^"]+)"', asked.content.decode())[1]
    return seller.post("/afregning/", {"month": month, "confirm": "1", "expected": expected})
