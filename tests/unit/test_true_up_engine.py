"""True-up: the surplus example of domain_rules.md § 7, both rulebook modes, and the t+2 balance property."""
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rammeaftale.engine.tariff import ServiceBudget, TariffInputError, service_tariff_calculate
from rammeaftale.engine.true_up import TariffIncome, TrueUpInput, true_up_calculate

SURPLUS_EXAMPLE = TrueUpInput(
    year=2023,
    cost_based_budget_kr=Decimal(6_500_000 + 675_000 + 825_000),
    cost_based_accounts_kr=Decimal(6_236_000 + 611_000 + 801_000),
    other_tariff_income_kr=Decimal(8_418_000),
)


def test_surplus_example_carry_over():
    """Budget 8,000,000; costs 7,648,000; income 8,418,000 → surplus 770,000; 400,000 kept; 370,000 into t+2."""
    result = true_up_calculate(data=SURPLUS_EXAMPLE, mode="carry_over", limit_pct=Decimal(5), year_offset=2)
    assert result.result_kr == Decimal(770_000)
    assert result.limit_kr == Decimal(400_000)
    assert result.kept_kr == Decimal(400_000) and result.kept_as == "operating_budget"
    assert result.to_tariff_kr == Decimal(-370_000)
    assert result.enters_tariff_year == 2025


def test_surplus_example_reserve_with_five_year_expiry():
    result = true_up_calculate(data=SURPLUS_EXAMPLE, mode="reserve", limit_pct=Decimal(5), year_offset=2,
                               reserve_use_within_years=5)
    assert (result.kept_kr, result.to_tariff_kr, result.reserve_expires_year) == (
        Decimal(400_000), Decimal(-370_000), 2028)


def test_keeping_nothing_puts_everything_into_the_tariff():
    data = TrueUpInput(**{**SURPLUS_EXAMPLE.__dict__, "keep_kr": Decimal(0)})
    result = true_up_calculate(data=data, mode="reserve", limit_pct=Decimal(5), year_offset=2,
                               reserve_use_within_years=5)
    assert result.to_tariff_kr == Decimal(-770_000) and result.kept_as == "none"


def test_a_deficit_is_carried_in_syddanmark_but_not_reserved_in_hovedstaden():
    deficit = TrueUpInput(year=2023, cost_based_budget_kr=Decimal(8_000_000), cost_based_accounts_kr=Decimal(8_500_000),
                          income=(TariffIncome(occupied_days=Decimal(3000), tariff_kr=Decimal("2600")),))
    syd = true_up_calculate(data=deficit, mode="carry_over", limit_pct=Decimal(5), year_offset=2)
    assert (syd.result_kr, syd.kept_kr, syd.to_tariff_kr) == (Decimal(-700_000), Decimal(-400_000), Decimal(300_000))
    hovedstaden = true_up_calculate(data=deficit, mode="reserve", limit_pct=Decimal(5), year_offset=2,
                                    reserve_use_within_years=5)
    assert (hovedstaden.kept_kr, hovedstaden.to_tariff_kr) == (Decimal(0), Decimal(700_000))


def test_keeping_more_than_the_limit_is_refused():
    data = TrueUpInput(**{**SURPLUS_EXAMPLE.__dict__, "keep_kr": Decimal(400_001)})
    with pytest.raises(TariffInputError) as error:
        true_up_calculate(data=data, mode="carry_over", limit_pct=Decimal(5), year_offset=2)
    assert error.value.field == "keep_kr"


@given(
    costs=st.integers(min_value=1_000_000, max_value=20_000_000),
    places=st.integers(min_value=2, max_value=60),
    budget_occupancy=st.integers(min_value=90, max_value=100),
    actual_occupancy=st.integers(min_value=60, max_value=100),
)
def test_true_up_in_t_plus_2_restores_the_balance(costs, places, budget_occupancy, actual_occupancy):
    """Year t charges a tariff, occupancy differs; whatever is not kept is returned through the t+2 tariff."""
    monthly = Fraction(365, 12)
    budget = ServiceBudget(name="Basis", salaries_kr=Decimal(costs), places=places,
                           budgeted_occupancy_pct=Decimal(budget_occupancy))
    tariff_t = service_tariff_calculate(budget=budget, year=2023, monthly_conversion=monthly)
    days = Decimal(places * 365 * actual_occupancy) / 100
    result = true_up_calculate(
        data=TrueUpInput(year=2023, cost_based_budget_kr=Decimal(costs), cost_based_accounts_kr=Decimal(costs),
                         income=(TariffIncome(occupied_days=days, tariff_kr=tariff_t.unit_tariff_kr),)),
        mode="carry_over", limit_pct=Decimal(5), year_offset=2,
    )
    # income(t) − costs(t) − kept + the t+2 basis change = 0: the balance is restored to the øre.
    assert result.result_kr - result.kept_kr + result.to_tariff_kr == 0
    later = ServiceBudget(name="Basis", salaries_kr=Decimal(costs), true_up_kr=result.to_tariff_kr, places=places,
                          budgeted_occupancy_pct=Decimal(budget_occupancy))
    if Decimal(costs) + result.to_tariff_kr > 0:
        tariff_t2 = service_tariff_calculate(budget=later, year=2025, monthly_conversion=monthly)
        assert tariff_t2.basis_kr == Decimal(costs) + result.to_tariff_kr
