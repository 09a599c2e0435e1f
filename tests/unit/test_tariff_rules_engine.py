"""Budgeted occupancy and the overhead share: the rules issue 3 names, as pure functions.

Tariff growth against P/L (test_growth_engine.py) and categorisation (test_categorisation_engine.py) have their own
files."""
from decimal import Decimal

import pytest

from rammeaftale.engine.budgeted_occupancy import budgeted_occupancy_check, budgeted_occupancy_default
from rammeaftale.engine.indexation import overhead_share_pct
from rammeaftale.engine.tariff import TariffInputError
from rammeaftale.rulebooks import rulebook_load

SYD_2017 = rulebook_load(key="syddanmark-2017")


def test_default_budgeted_occupancy_is_the_average_of_two_years():
    assert budgeted_occupancy_default(actual_pcts=(Decimal("96"), Decimal("94"))) == Decimal("95.00")
    with pytest.raises(TariffInputError):
        budgeted_occupancy_default(actual_pcts=(Decimal("0"), Decimal("94")))


def test_bounds_from_the_rulebook():
    low, high = SYD_2017.budgeted_occupancy_bounds(short_stay=False)
    check = budgeted_occupancy_check(value_pct=Decimal("93"), min_pct=low, max_pct=high,
                                     recommended_max_pct=Decimal("98"))
    assert not check.within_bounds and "godkendelse" in check.message_da()
    assert budgeted_occupancy_check(value_pct=Decimal("99"), min_pct=low, max_pct=high,
                                    recommended_max_pct=Decimal("98")).above_recommended
    short_low, _ = SYD_2017.budgeted_occupancy_bounds(short_stay=True)
    assert budgeted_occupancy_check(value_pct=Decimal("91"), min_pct=short_low, max_pct=high).within_bounds
    with pytest.raises(TariffInputError):
        budgeted_occupancy_check(value_pct=Decimal("101"), min_pct=low, max_pct=high)


def test_overhead_share_against_the_hovedstaden_norm():
    norm = rulebook_load(key="hovedstaden-2021-2022").tariffs.overhead_norm_pct.value
    assert overhead_share_pct(overhead_kr=Decimal(720_000), direct_costs_kr=Decimal(10_000_000)) > norm
