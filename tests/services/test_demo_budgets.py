"""`rammeaftale demo` calculates this year's and last year's tariffs from demo budgets, with breakdowns and flags."""
import io
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.management import call_command
from django.db import transaction

from rammeaftale.accounts.actor import Actor
from rammeaftale.engine.tariff import days_in_year
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.registry.models import Offer
from rammeaftale.registry.rules import rules_in_force
from rammeaftale.tariffs.models import (
    ActualOccupancy,
    OccupancyApproval,
    PriceIndex,
    ServiceBudget,
    Tariff,
    TariffBudget,
    TariffCalculation,
)
from rammeaftale.tariffs.selectors import tariff_list
from rammeaftale.tariffs.services import tariff_budget_calculate
from tests.conftest import TODAY, built_once_per_module

THIS_YEAR = TODAY.year
YEARS = (THIS_YEAR - 3, THIS_YEAR)  # the command's own default years end in 2026; these follow the clock


pytestmark = pytest.mark.xdist_group("demo_budgets")


@pytest.fixture(scope="module")
def built_demo(django_db_setup, django_db_blocker):
    """The demo, built once for this module's tests (each test's writes are undone after it)."""
    with built_once_per_module(django_db_blocker):
        out = io.StringIO()
        call_command("demo", region="syddanmark", seed=1, year_from=YEARS[0], year_to=YEARS[1], stdout=out)
        region = Organisation.objects.get(kind=OrganisationKind.REGION, code="1083")
        yield {"output": out.getvalue(), "region": region}


@pytest.fixture
def demo(built_demo, db):
    return {**built_demo, "offers": Offer.objects.filter(municipality__region=built_demo["region"])}


class _Undo(Exception):
    pass


def _stored(budget_or_calculation_filter) -> dict:
    return {t.service_id: (t.amount_ore, t.monthly_ore, t.origin, t.calculation.result)
            for t in Tariff.objects.filter(**budget_or_calculation_filter).select_related("calculation")}


def test_this_year_and_last_are_calculated_with_a_breakdown_per_tariff(demo):
    offers = demo["offers"]
    assert f"Takster for {THIS_YEAR - 1} og {THIS_YEAR} er beregnet" in demo["output"]
    for year in (THIS_YEAR - 1, THIS_YEAR):
        tariffs = Tariff.objects.filter(service__offer__in=offers, year=year).select_related("calculation", "service")
        assert tariffs.count() == ServiceBudget.objects.filter(budget__year=year).count() > 300
        assert TariffBudget.objects.filter(year=year).count() == offers.count()
        for tariff in tariffs:
            assert tariff.origin == "calculated" and tariff.calculation.budget.offer_id == tariff.service.offer_id
            (service,) = [s for s in tariff.calculation.result["services"] if s["service_id"] == tariff.service_id]
            assert {"salaries", "property", "other_direct", "overhead", "depreciation"} <= {
                line["element"] for line in service["breakdown"]}
            unit_tariff = Decimal(service["tariff"])
            # The breakdown adds up to the tariff, and the tariff times the budgeted units gives the basis.
            assert sum(Decimal(line["per_unit"]) for line in service["breakdown"]) + Decimal(
                service["rounding"]) == unit_tariff
            units = Decimal(service["units"])
            assert abs(unit_tariff * units - Decimal(service["basis"])) <= units / 100
            expected = service["monthly_tariff"] if tariff.service.unit == "month" else service["tariff"]
            assert tariff.amount_ore == int(Decimal(expected) * 100)
    assert not Tariff.objects.filter(year__lt=THIS_YEAR - 1).exclude(origin="demo").exists()


def test_budgeted_occupancy_is_the_two_year_average_and_outside_the_bounds_needs_an_approval(demo):
    lines = ServiceBudget.objects.filter(budget__year=THIS_YEAR).select_related("budget", "service")
    day_lines = [line for line in lines if line.service.unit != "hour"]
    for line in day_lines[:80]:
        actual = dict(ActualOccupancy.objects.filter(offer_id=line.budget.offer_id)
                      .values_list("year", "occupancy_pct"))
        average = (actual[THIS_YEAR - 2] + actual[THIS_YEAR - 1]) / 2
        assert line.occupancy_from_actuals and line.budgeted_occupancy_pct == average.quantize(Decimal("0.01"))
        assert line.places > 0
    assert all(line.budgeted_occupancy_pct is None and line.budgeted_hours > 0
               for line in lines if line.service.unit == "hour")
    approvals = OccupancyApproval.objects.filter(line__budget__year=THIS_YEAR).select_related("line__budget__offer")
    assert 3 <= approvals.count() < len(day_lines) / 5
    for approval in approvals:
        offer = approval.line.budget.offer
        assert approval.value_pct == approval.line.budgeted_occupancy_pct
        assert approval.value_pct < (90 if offer.is_short_stay else 95)
        assert approval.reason and approval.approved_by and approval.approved_on.year == THIS_YEAR - 1
        (check,) = [c for c in approval.line.budget.calculations.get().result["checks"]
                    if c["check"] == "budgeted_occupancy" and c["service"] == approval.line.service.name]
        assert check["approved"] and check["approval"]["reason"] == approval.reason


def test_a_few_tariffs_rise_above_pl_but_syddanmark_flags_none_its_cap_is_on_the_total(demo):
    """The demo draws rises above P/L (and explanations) in every region; Syddanmark's rulebook caps the
    municipalities' total expenses, not the single tariff, so its list shows the growth and flags no row."""
    region = demo["region"]
    assert PriceIndex.objects.get(year=THIS_YEAR).is_example
    assert "syntetisk" in PriceIndex.objects.get(year=THIS_YEAR).source
    agreement = rules_in_force(region=region, on=date(THIS_YEAR, 1, 1)).agreement
    listing = tariff_list(actor=Actor.system(), agreement=agreement, year=THIS_YEAR)
    pl = Fraction(listing.price_index.rate_pct)
    above = [row for row in listing.rows if row.growth and row.growth.growth is not None and row.growth.growth > pl]
    assert 0.03 * len(listing.rows) < len(above) < 0.3 * len(listing.rows)
    assert any(row.explained for row in above)
    assert "samlede udgifter" in listing.rule_da
    assert not any(row.over_cap or row.explanation_required or row.may_explain for row in listing.rows)
    # The planned years before never rise above their P/L.
    earlier = tariff_list(actor=Actor.system(), agreement=rules_in_force(region=region, on=date(THIS_YEAR - 2, 1, 1)).agreement,
                          year=THIS_YEAR - 2)
    earlier_pl = Fraction(earlier.price_index.rate_pct)
    grown = [row for row in earlier.rows if row.growth and row.growth.growth is not None]
    assert grown and all(row.growth.growth <= earlier_pl for row in grown)


def test_the_bulk_build_stores_what_the_service_would(demo):
    """Recalculating demo budgets through tariff_budget_calculate gives the same tariffs and results."""
    budgets = TariffBudget.objects.filter(year__in=(THIS_YEAR - 1, THIS_YEAR)).select_related("offer")
    sample = {
        *budgets.filter(lines__occupancy_approval__isnull=False)[:5], *budgets.filter(lines__service__unit="hour")[:5],
        *budgets.filter(lines__service__unit="month")[:5], *budgets.filter(lines__pension_ore__gt=0)[:5],
        *budgets.filter(lines__overhead_ore__isnull=False)[:5], *budgets.order_by("pk")[:10],
    }
    assert len(sample) > 20
    for budget in sample:
        before = _stored({"calculation__budget": budget})
        try:
            with transaction.atomic():
                calculation = tariff_budget_calculate(actor=Actor.system(), budget=budget)
                raise _Undo(_stored({"calculation": calculation}))
        except _Undo as undo:
            assert undo.args[0] == before, budget.offer.name
    assert TariffCalculation.objects.count() == budgets.count()


def test_days_in_the_year_and_places_are_the_denominator(demo):
    line = ServiceBudget.objects.filter(budget__year=THIS_YEAR, service__unit="day").select_related("budget").first()
    result = line.budget.calculations.get().result
    (service,) = [s for s in result["services"] if s["service_id"] == line.service_id]
    assert service["inputs"]["days"] == days_in_year(THIS_YEAR) and service["inputs"]["places"] == line.places
    assert Decimal(service["units"]) == line.places * days_in_year(THIS_YEAR) * line.budgeted_occupancy_pct / 100
