"""Budgeted occupancy, categorisation and the overhead share: the rules issue 3 names, as pure functions.

Tariff growth against P/L has its own file: test_growth_engine.py."""
from decimal import Decimal

import pytest

from rammeaftale.engine.budgeted_occupancy import budgeted_occupancy_check, budgeted_occupancy_default
from rammeaftale.engine.categorisation import Sales, category_suggest
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


@pytest.mark.parametrize(
    ("tariff", "buyers", "sold", "expected"),
    [
        ("2000", 4, "1", "hoejt_specialiseret"),   # ≥ 2,000 kr and 4 other municipalities
        ("2500", 1, "4", "hoejt_specialiseret"),   # ≥ 2,000 kr and 40 % of 10 places sold
        ("1999.99", 6, "8", "klynge"),             # sells to others under 2,000 kr
        ("2500", 1, "1", "klynge"),                # sells, but below both spread thresholds
        ("3000", 0, "0", "lokal"),                 # sells to nobody
    ],
)
def test_syddanmark_category_suggestion(tariff, buyers, sold, expected):
    sales = Sales(daily_tariff_kr=Decimal(tariff), other_buying_municipalities=buyers, places=Decimal(10),
                  places_sold_to_others=Decimal(sold))
    assert category_suggest(sales=sales, rulebook=SYD_2017).category == expected


def test_overhead_share_against_the_hovedstaden_norm():
    norm = rulebook_load(key="hovedstaden-2021-2022").tariffs.overhead_norm_pct.value
    assert overhead_share_pct(overhead_kr=Decimal(720_000), direct_costs_kr=Decimal(10_000_000)) > norm


def test_agreements_without_thresholds_leave_the_category_to_manual_assessment():
    hovedstaden = rulebook_load(key="hovedstaden-2021-2022")
    sales = Sales(daily_tariff_kr=Decimal("3000"), other_buying_municipalities=9, places=Decimal(10),
                  places_sold_to_others=Decimal(9))
    assert category_suggest(sales=sales, rulebook=hovedstaden).category is None
