"""Spending against P/L (issue 14, part 1): purchases and sales by year from the invoices, growth against the year's
P/L, cases and especially expensive cases, the splits, the region's total, the page and its XLSX."""
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import Role
from rammeaftale.billing.settlement import settlement_issue
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.economy.refusion import refusion_thresholds_enter
from rammeaftale.economy.spend import chart_rows, spend_overview
from rammeaftale.registry.models import Offer
from rammeaftale.tariffs.models import PriceIndex, Tariff, TariffBudget, TariffCalculation
from tests.services.test_refusion_claim import BANDS_2026, YEAR
from tests.services.test_refusion_claim import world as claim_world  # noqa: F401 (the fixture)

AFTER = date(YEAR + 1, 1, 15)  # the year is over: its growth is compared


@pytest.fixture
def world(claim_world, odense, esbjerg):  # noqa: F811
    """The claim's world (three citizens bought by Esbjerg from Odense in 2026, January–November invoiced) plus a
    2025 December for Ida, so that 2026 has a year before, and the P/L of 2026."""
    basis = Tariff.objects.get(year=YEAR).service
    Tariff.objects.create(service=basis, year=YEAR - 1, amount_ore=500_000, origin="published")
    placement = claim_world["placements"]["Ida Holm"]
    placement.start_date = date(YEAR - 1, 12, 1)
    placement.save(update_fields=["start_date"])
    placement.services.update(valid_from=date(YEAR - 1, 12, 1))
    settlement_issue(actor=claim_world["seller"], seller=odense, year=YEAR - 1, month=12, issue_date=date(YEAR, 12, 1))
    PriceIndex.objects.update_or_create(year=YEAR, defaults={"rate_pct": Decimal("2.8"), "source": "KL (test)"})
    return claim_world


def test_purchases_and_sales_by_year_with_growth_against_pl_and_the_cases(world, odense, esbjerg, make_user,
                                                                          actor_of):
    economist = world["economist"]
    overview = spend_overview(actor=economist, municipality_id=esbjerg.pk, first_year=YEAR - 1, last_year=YEAR,
                              today=AFTER)
    before, this = overview.years
    assert (before.year, before.purchases_ore, before.cases) == (YEAR - 1, 31 * 500_000, 1)  # December 2025
    # 2026: Ida and Mads 334 days, Emil 91 days, at 6,000 kr.
    assert this.purchases_ore == (334 + 334 + 91) * 600_000 and this.cases == 3 and this.sales_ore == 0
    assert this.growth_pct == Decimal("2838.06")  # (455,400,000 − 15,500,000) × 100 / 15,500,000 = 2,838.0645…
    assert this.over_pl is True and this.pl_pct == Decimal("2.80")
    assert this.expensive_cases is None  # no § 176 thresholds for 2026 yet
    running = spend_overview(actor=economist, municipality_id=esbjerg.pk, first_year=YEAR - 1, last_year=YEAR,
                             today=date(YEAR, 12, 6)).years[1]
    assert running.running and running.growth_pct is None and running.over_pl is None  # not a whole year yet
    refusion_thresholds_enter(actor=world["secretariat"], year=YEAR, bands=BANDS_2026, source="Testens tal")
    this = spend_overview(actor=economist, municipality_id=esbjerg.pk, first_year=YEAR, last_year=YEAR,
                          today=AFTER).years[0]
    assert (this.expensive_cases, this.threshold_kr) == (2, Decimal("900000"))  # Ida and Mads: 2,004,000 kr.
    seller = spend_overview(actor=actor_of(make_user(odense, Role.ECONOMIST)), municipality_id=odense.pk,
                            first_year=YEAR, last_year=YEAR, today=AFTER).years[0]
    assert (seller.sales_ore, seller.purchases_ore) == ((334 + 334 + 91) * 600_000, 0)
    assert [row[0] for row in overview.paragraph_rows] == ["SEL § 108"]
    assert chart_rows(overview)[-1] == ("Køb det første år fremskrevet med P/L", YEAR, Decimal("155000.00") * Decimal(
        "1.028"))


def test_the_secretariat_sees_the_regions_total_and_others_see_nothing(world, esbjerg, odense, copenhagen,
                                                                      secretariat_syd, region_syd, make_user,
                                                                      actor_of):
    total = spend_overview(actor=world["secretariat"], region_id=region_syd.pk, first_year=YEAR, last_year=YEAR,
                           today=AFTER)
    assert total.label == "Region Syddanmark i alt" and total.years[0].purchases_ore == (334 + 334 + 91) * 600_000
    for actor in (world["caseworker"], actor_of(make_user(copenhagen, Role.ECONOMIST))):
        with pytest.raises(NotAllowed):
            spend_overview(actor=actor, municipality_id=esbjerg.pk, first_year=YEAR, last_year=YEAR,
                           today=AFTER)
    with pytest.raises(DomainError, match="op til 10 år"):
        spend_overview(actor=world["economist"], municipality_id=esbjerg.pk, first_year=YEAR, last_year=YEAR - 1,
                       today=AFTER)


def test_the_page_and_its_xlsx(world, esbjerg, make_user, client):
    client.force_login(make_user(esbjerg, Role.ECONOMIST))
    page = client.get("/oekonomi/forbrug/", {"fra": YEAR - 1, "til": YEAR})
    html = page.content.decode()
    assert page.status_code == 200 and "Esbjerg Kommune" in html and 'role="img"' in html and "(indtil nu)" in html
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/oekonomi/forbrug/eksport.xlsx",
                                                            {"fra": YEAR - 1, "til": YEAR}).content))
    sheet = workbook["Forbrug"]
    assert [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)] == [YEAR - 1, YEAR]
    assert sheet.cell(row=5, column=2).value == (334 + 334 + 91) * 6000
    assert workbook["Efter lovgrundlag"].cell(row=4, column=1).value == "SEL § 108"
    pdf = client.get("/oekonomi/forbrug/eksport.pdf", {"fra": YEAR - 1, "til": YEAR})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/oekonomi/forbrug/eksport.csv").status_code == 404


def test_the_api_answers_as_the_page(world, esbjerg, make_user, client):
    client.force_login(make_user(esbjerg, Role.ECONOMIST))
    body = client.get("/api/economy/spend", {"first_year": YEAR, "last_year": YEAR}).json()
    assert body["label"] == "Esbjerg Kommune" and body["years"][0]["purchases_kr"] == "4554000.00"
    assert body["by_paragraph"] == {"SEL § 108": ["4554000.00"]}
    assert client.get("/api/economy/spend", {"municipality": world["caseworker"].organisation_id + 10_000}
                      ).status_code in (403, 404)


def test_the_own_offers_budgeted_costs_are_the_basis_of_their_newest_calculation(world, odense, esbjerg):
    offer = Offer.objects.get(name="Døgninstitutionen Søen")
    budget = TariffBudget.objects.create(offer=offer, year=YEAR, rulebook=offer.municipality.region.agreements
                                         .first().rulebook)
    TariffCalculation.objects.create(budget=budget, result={"services": [{"basis": "1000000.00"}]})
    TariffCalculation.objects.create(budget=budget, result={"services": [{"basis": "1234567.895"},
                                                                          {"basis": "100.00"}]})  # the newest
    economist = world["economist"]
    seller = spend_overview(actor=Actor.system(), municipality_id=odense.pk, first_year=YEAR, last_year=YEAR,
                            today=AFTER).years[0]
    assert seller.own_costs_ore == 123_466_790  # 1,234,667.895 kr. half up to the øre
    buyer = spend_overview(actor=economist, municipality_id=esbjerg.pk, first_year=YEAR, last_year=YEAR,
                           today=AFTER).years[0]
    assert buyer.own_costs_ore is None  # Esbjerg runs no offer here


def test_the_own_offers_accounts_are_their_true_ups_cost_based_accounts(world, odense, esbjerg):
    from rammeaftale.engine.true_up import TariffIncome, TrueUpInput
    from rammeaftale.tariffs.services import true_up_record

    offer = Offer.objects.get(name="Døgninstitutionen Søen")
    true_up_record(actor=Actor.system(), offer=offer, data=TrueUpInput(
        year=YEAR, cost_based_budget_kr=Decimal("2000000"), cost_based_accounts_kr=Decimal("2100000.555"),
        income=(TariffIncome(occupied_days=Decimal(334), tariff_kr=Decimal(6000)),)))
    seller = spend_overview(actor=Actor.system(), municipality_id=odense.pk, first_year=YEAR, last_year=YEAR,
                            today=AFTER).years[0]
    assert seller.own_accounts_ore == 210_000_056  # 2,100,000.555 kr. half up to the øre
    buyer = spend_overview(actor=world["economist"], municipality_id=esbjerg.pk, first_year=YEAR, last_year=YEAR,
                           today=AFTER).years[0]
    assert buyer.own_accounts_ore is None


def test_the_year_selects_start_with_the_first_invoice(world, esbjerg, make_user, client):
    """Issue 16: the selects listed the last ten years, most before any invoice; now from the first invoiced year
    (December 2025 here) to this year, and the default span starts there too."""
    from rammeaftale.core import clock

    client.force_login(make_user(esbjerg, Role.ECONOMIST))
    this_year = clock.today().year
    page = client.get("/oekonomi/forbrug/")
    assert list(page.context["years"]) == list(range(YEAR - 1, this_year + 1))
    assert page.context["overview"].first_year == max(YEAR - 1, this_year - 3)
    asked = client.get("/oekonomi/forbrug/", {"fra": YEAR - 4, "til": YEAR})
    assert list(asked.context["years"])[0] == YEAR - 4  # a year asked for stays selectable
