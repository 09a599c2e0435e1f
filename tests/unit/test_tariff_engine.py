"""The tariff engine: worked examples and properties (tariff × budgeted days gives back the basis within rounding)."""
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rammeaftale.engine.tariff import (
    Element,
    ServiceBudget,
    TariffInputError,
    Unit,
    days_per_month_text,
    service_tariff_calculate,
    tariff_calculate,
)

MONTHLY = Fraction(365, 12)


def test_illustrative_tariff_of_domain_rules_section_7():
    """domain_rules.md § 7.2: 10,630,000 kr over 12 places × 365 days × 95 % = 2,554.67 kr per day."""
    budget = ServiceBudget(
        name="Døgnophold", salaries_kr=Decimal("10000000"), overhead_pct=Decimal("6"),
        depreciation_kr=Decimal("250000"), capital_book_value_kr=Decimal("3000000"), interest_rate_pct=Decimal("5"),
        true_up_kr=Decimal("-370000"), places=12, budgeted_occupancy_pct=Decimal("95"),
    )
    tariff = service_tariff_calculate(budget=budget, year=2025, monthly_conversion=MONTHLY)
    assert tariff.basis_kr == Decimal("10630000")
    assert tariff.units == Decimal("4161")
    assert tariff.unit_tariff_kr == Decimal("2554.67")
    assert tariff.monthly_tariff_kr == Decimal("77704.55")
    per_day = {line.element: line.per_unit_kr for line in tariff.breakdown}
    assert per_day[Element.OVERHEAD] == Decimal("144.20")
    assert per_day[Element.TRUE_UP] == Decimal("-88.92")
    assert sum(per_day.values()) + tariff.rounding_kr == tariff.unit_tariff_kr


def test_hour_based_service_divides_by_budgeted_hours():
    budget = ServiceBudget(name="Socialpædagogisk støtte § 85", unit=Unit.HOUR, salaries_kr=Decimal("1800000"),
                           overhead_kr=Decimal("108000"), budgeted_hours=Decimal("4500"))
    tariff = service_tariff_calculate(budget=budget, year=2025, monthly_conversion=MONTHLY)
    assert tariff.unit_tariff_kr == Decimal("424.00") and tariff.monthly_tariff_kr is None


def test_basis_and_service_tariffs_are_calculated_side_by_side():
    result = tariff_calculate(
        services=[
            ServiceBudget(name="Basis", salaries_kr=Decimal("5000000"), places=10, budgeted_occupancy_pct=Decimal("97")),
            ServiceBudget(name="Ekstra støtte", kind="tillaeg", unit=Unit.HOUR, salaries_kr=Decimal("400000"),
                          budgeted_hours=Decimal("1000")),
        ],
        year=2024, monthly_conversion=MONTHLY,
    )
    assert [s.unit_tariff_kr for s in result.services] == [Decimal("1408.37"), Decimal("400.00")]
    assert result.services[0].units == Decimal("3550.20")  # 2024 has 366 days


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"salaries_kr": Decimal("-1")}, "service.salaries_kr"),
        ({"places": 0}, "service.places"),
        ({"budgeted_occupancy_pct": Decimal("0")}, "service.budgeted_occupancy_pct"),
        ({"budgeted_occupancy_pct": Decimal("100.5")}, "service.budgeted_occupancy_pct"),
        ({"overhead_kr": Decimal("1"), "overhead_pct": Decimal("6")}, "service.overhead_pct"),
    ],
)
def test_bad_budgets_name_the_field(changes, field):
    values = {"name": "Basis", "salaries_kr": Decimal("1000000"), "places": 5, "budgeted_occupancy_pct": Decimal("95")}
    values.update(changes)
    with pytest.raises(TariffInputError) as error:
        service_tariff_calculate(budget=ServiceBudget(**values), year=2025, monthly_conversion=MONTHLY)
    assert error.value.field == field


@given(
    salaries=st.integers(min_value=100_000, max_value=50_000_000),
    other=st.integers(min_value=0, max_value=5_000_000),
    overhead_pct=st.integers(min_value=0, max_value=15),
    places=st.integers(min_value=1, max_value=200),
    occupancy=st.decimals(min_value=Decimal("50"), max_value=Decimal("100"), places=1),
    year=st.integers(min_value=2015, max_value=2035),
)
def test_tariff_times_budgeted_days_reproduces_the_basis_within_rounding(salaries, other, overhead_pct, places,
                                                                         occupancy, year):
    budget = ServiceBudget(name="Basis", salaries_kr=Decimal(salaries), other_direct_kr=Decimal(other),
                           overhead_pct=Decimal(overhead_pct), places=places, budgeted_occupancy_pct=occupancy)
    tariff = service_tariff_calculate(budget=budget, year=year, monthly_conversion=MONTHLY)
    assert abs(tariff.unit_tariff_kr * tariff.units - tariff.basis_kr) <= Decimal("0.005") * tariff.units
    assert sum(line.per_unit_kr for line in tariff.breakdown) + tariff.rounding_kr == tariff.unit_tariff_kr


def test_monthly_tariff_of_a_leap_year_through_the_json_engine():
    """Issue 10 d: the same budget in 2024 (366 days) gets the rulebook's leap-year conversion, 366/12."""
    import json
    from pathlib import Path

    from rammeaftale.engine.tariff_json import tariff_calculate_json

    budget = json.loads((Path(__file__).resolve().parents[2] / "docs" / "examples" / "budget-hovedstaden-2022.json")
                        .read_text(encoding="utf-8"))
    normal = tariff_calculate_json(budget)
    leap = tariff_calculate_json({**budget, "year": 2024})
    assert (normal["monthly_conversion"], leap["monthly_conversion"]) == ("365/12", "366/12")
    assert normal["services"][0]["monthly_tariff"] == "77704.55"  # 2,554.67 × 365/12
    daily = Decimal(leap["services"][0]["tariff"])
    assert daily == Decimal("2547.69")  # 10,630,000 kr over 12 × 366 × 95 % = 4,172.4 days
    monthly = (daily * 366 / 12).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert leap["services"][0]["monthly_tariff"] == str(monthly)
    assert leap["services"][0]["monthly_tariff"] == "77704.55"  # a month costs the same: 1/12 of the year
    assert days_per_month_text(Fraction(366, 12)) == "366/12" and days_per_month_text(Fraction(365, 12)) == "365/12"
