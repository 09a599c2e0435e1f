"""The category suggestion against seed 002 (footnotes 2–3, «Lokale tilbud») and the thresholds-free 2019–20 text:
hand-computed cases at the edges (39.96 % against 40 %, 2000.00 kr. and 1999.99 kr., 4 municipalities against 3),
an integer reference on random sales, and every bad figure named by its field."""
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rammeaftale.engine.categorisation import CategoryInputError, Sales, category_suggest, shown
from rammeaftale.rulebooks import rulebook_load

SYD_2017 = rulebook_load(key="syddanmark-2017")


def suggest(tariff: str | None, buyers: int, places, sold, rulebook=SYD_2017):
    places = Decimal(places) if isinstance(places, str) else places
    sold = Decimal(sold) if isinstance(sold, str) else sold
    return category_suggest(sales=Sales(daily_tariff_kr=None if tariff is None else Decimal(tariff),
                                        other_buying_municipalities=buyers, places=places,
                                        places_sold_to_others=sold), rulebook=rulebook)


def test_a_share_of_39_96_pct_is_not_40_pct():
    # 3.996 of 10 places = 39.96 %: rounded to one decimal it would read 40.0 % and pass; unrounded it does not.
    below = suggest("2500", 1, "10", "3.996")
    assert (below.category, below.needs_assessment) == (None, True)
    assert below.tests.share_met is False and below.tests.tariff_met is True and below.tests.buyers_met is False
    assert "(39,96 %)" in below.reason_da
    at = suggest("2500", 1, "10", "4")
    assert (at.category, at.needs_assessment, at.tests.share_met) == ("hoejt_specialiseret", False, True)
    assert "mindst 40 % af pladserne" in at.reason_da and "(40,00 %)" in at.reason_da


def test_the_share_from_place_days_is_exact():
    # 366 days × 10 places = 3,660 place-days. 1,464 sold place-days is 40 % exactly; 1,463 is 39.9726… %. Averages
    # as 28-digit decimals could tip either way; the engine compares the fractions.
    days = 366
    exactly = suggest("2500", 2, Fraction(3660, days), Fraction(1464, days))
    assert exactly.tests.share_met and exactly.category == "hoejt_specialiseret"
    under = suggest("2500", 2, Fraction(3660, days), Fraction(1463, days))
    assert not under.tests.share_met and under.category is None
    assert "(39,97 %)" in under.reason_da  # 39.9726… cut, not rounded
    # 5 place-days over 3 days and 2 sold: 2/3 ÷ 5/3 = 40 % exactly (as 28-digit decimals, 66.67 < 66.68).
    assert suggest("2500", 1, Fraction(5, 3), Fraction(2, 3)).tests.share_met


def test_a_shown_share_is_cut_so_it_never_reads_as_reaching_a_threshold():
    sales = Sales(daily_tariff_kr=Decimal(2500), other_buying_municipalities=1, places=Fraction(1000),
                  places_sold_to_others=Fraction(39996, 100))
    assert sales.share_sold_pct_shown == Decimal("39.99")
    assert shown(Fraction(2, 3)) == Decimal("0.66") and shown(Decimal("3.996")) == Decimal("3.996")
    assert Sales(daily_tariff_kr=None, other_buying_municipalities=0, places=Decimal(0),
                 places_sold_to_others=Decimal(0)).share_sold_pct_shown is None


def test_a_tariff_of_exactly_2000_kr_meets_the_tariff_threshold_and_1999_99_does_not():
    high = suggest("2000.00", 4, "10", "1")
    assert (high.category, high.tests.tariff_met, high.tests.buyers_met) == ("hoejt_specialiseret", True, True)
    assert "sælger til mindst 4 andre kommuner" in high.reason_da
    cluster = suggest("1999.99", 4, "10", "1")
    assert (cluster.category, cluster.needs_assessment, cluster.tests.tariff_met) == ("klynge", False, False)
    assert "takst under 2.000,00 kr. (seed-002, fodnote 3)" in cluster.reason_da
    assert "døgntakst 1.999,99 kr." in cluster.reason_da


def test_four_other_municipalities_meet_the_spread_threshold_and_three_do_not():
    assert suggest("2000", 4, "10", "1").category == "hoejt_specialiseret"
    three = suggest("2000", 3, "10", "1")
    assert (three.category, three.needs_assessment, three.tests.buyers_met) == (None, True, False)


def test_a_seller_at_2000_kr_meeting_neither_threshold_needs_an_assessment_not_klynge():
    result = suggest("3000", 1, "10", "1")
    assert (result.category, result.needs_assessment) == (None, True)
    reason = result.reason_da
    assert reason.startswith("Kræver vurdering: taksten er 2.000,00 kr. eller derover")
    assert "Et klyngetilbud har en takst under 2.000,00 kr. (seed-002, fodnote 3)" in reason
    assert "et lokalt tilbud kan sælge enkelte pladser til andre kommuner (seed-002, «Lokale tilbud»)" in reason
    assert "regelbogen giver derfor intet forslag" in reason


def test_under_the_tariff_line_any_seller_is_klynge_and_a_non_seller_is_lokal():
    assert suggest("1999.99", 9, "10", "9").category == "klynge"  # both spread thresholds met, but under 2000 kr.
    assert suggest("1500", 1, "10", "0.5").category == "klynge"
    local = suggest("3000", 0, "10", "0")
    assert (local.category, local.needs_assessment) == ("lokal", False)
    assert local.reason_da.startswith("Lokalt tilbud: sælger ingen pladser til andre kommuner.")
    assert suggest("100", 0, "0", "0").category == "lokal"  # no places at all


def test_without_a_daily_tariff_a_seller_needs_an_assessment():
    seller = suggest(None, 5, "10", "5")
    assert (seller.category, seller.needs_assessment, seller.tests.tariff_met) == (None, True, None)
    assert "har ingen døgntakst" in seller.reason_da
    assert suggest(None, 0, "10", "0").category == "lokal"


@pytest.mark.parametrize("key", ["syddanmark-2019-2020", "hovedstaden-2021-2022", "sjaelland-2025-2026"])
def test_rulebooks_without_thresholds_leave_every_offer_to_an_assessment(key):
    rulebook = rulebook_load(key=key)
    for tariff, buyers, sold in (("3000", 9, "9"), ("1000", 1, "1"), ("3000", 0, "0")):
        result = suggest(tariff, buyers, "10", sold, rulebook=rulebook)
        assert (result.category, result.needs_assessment, result.tests) == (None, True, None)
        assert "har ingen tærskler for kategorisering" in result.reason_da
    assert "seed-000: «Tilbud, som af kommunerne i Syddanmark vurderes" in suggest(
        "3000", 9, "10", "9", rulebook=rulebook_load(key="syddanmark-2019-2020")).reason_da


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"places_sold_to_others": Decimal("10.01")}, "places_sold_to_others",
     "flere pladser solgt til andre kommuner (10,01) end tilbuddet har (10)"),
    ({"places": Decimal(-1), "places_sold_to_others": Decimal(0), "other_buying_municipalities": 0}, "places",
     "pladserne kan ikke være negative"),
    ({"places_sold_to_others": Decimal("-0.5")}, "places_sold_to_others", "kan ikke være negative"),
    ({"places": 10.0}, "places", "skal være et decimaltal, ikke 10.0"),
    ({"places_sold_to_others": 2.5}, "places_sold_to_others", "skal være et decimaltal"),
    ({"daily_tariff_kr": 2500.0}, "daily_tariff", "døgntaksten skal være et decimaltal"),
    ({"daily_tariff_kr": Decimal(-1)}, "daily_tariff", "døgntaksten kan ikke være negativ"),
    ({"daily_tariff_kr": Decimal("NaN")}, "daily_tariff", "døgntaksten skal være et decimaltal"),
    ({"other_buying_municipalities": 2.0}, "other_buying_municipalities", "skal være et helt tal"),
    ({"other_buying_municipalities": True}, "other_buying_municipalities", "skal være et helt tal"),
    ({"other_buying_municipalities": -1}, "other_buying_municipalities", "kan ikke være negativt"),
    ({"places_sold_to_others": Decimal(0)}, "places_sold_to_others", "men ingen pladser er solgt"),
    ({"other_buying_municipalities": 0}, "other_buying_municipalities", "men ingen andre kommuner køber"),
])
def test_bad_figures_are_refused_naming_the_field(kwargs, field, message):
    figures = {"daily_tariff_kr": Decimal(2500), "other_buying_municipalities": 2, "places": Decimal(10),
               "places_sold_to_others": Decimal(3), **kwargs}
    with pytest.raises(CategoryInputError) as error:
        Sales(**figures)
    assert error.value.field == field and message in str(error.value)


def _reference(tariff_ore: int, buyers: int, capacity_days: int, sold_days: int) -> str | None:
    """Footnotes 2–3 and «Lokale tilbud» in whole numbers: øre against 200,000; 100 × sold against 40 × capacity."""
    if buyers == 0:
        return "lokal"
    if tariff_ore < 200_000:
        return "klynge"
    if buyers >= 4 or 100 * sold_days >= 40 * capacity_days:
        return "hoejt_specialiseret"
    return None


@given(tariff_ore=st.integers(0, 500_000), buyers=st.integers(0, 30), capacity_days=st.integers(0, 40 * 366),
       sold_share=st.fractions(0, 1), days=st.sampled_from([365, 366]))
def test_the_suggestion_agrees_with_an_integer_reference(tariff_ore, buyers, capacity_days, sold_share, days):
    sold_days = int(capacity_days * sold_share)
    if buyers == 0:
        sold_days = 0
    elif sold_days == 0:
        buyers = 0
    sales = Sales(daily_tariff_kr=Decimal(tariff_ore) / 100, other_buying_municipalities=buyers,
                  places=Fraction(capacity_days, days), places_sold_to_others=Fraction(sold_days, days))
    result = category_suggest(sales=sales, rulebook=SYD_2017)
    assert result.category == _reference(tariff_ore, buyers, capacity_days, sold_days)
    assert result.needs_assessment == (result.category is None)
