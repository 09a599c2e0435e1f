"""Tariff growth against P/L per rulebook: hand-computed cases from the agreements and properties of the exact rules."""
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rammeaftale.engine.indexation import GrowthInputError, GrowthRules, growth_rules_of, tariff_growth_series
from rammeaftale.rulebooks import rulebook_load

HOVEDSTADEN = growth_rules_of(rulebook_load(key="hovedstaden-2021-2022"))
SYDDANMARK = growth_rules_of(rulebook_load(key="syddanmark-2019-2020"))
SJAELLAND = growth_rules_of(rulebook_load(key="sjaelland-2025-2026"))
YEAR_ON_YEAR = GrowthRules(cap="pl", applies_to="per_tariff", explanation_required=True)


def _series(rules, tariffs, pl=None, offer_type="residential"):
    return {row.year: row for row in tariff_growth_series(
        tariffs_kr={year: Decimal(amount) for year, amount in tariffs.items()},
        pl_pct={year: Decimal(rate) for year, rate in (pl or {}).items()}, rules=rules, offer_type=offer_type)}


def test_the_rulebooks_say_what_the_cap_is_on():
    assert (HOVEDSTADEN.applies_to, HOVEDSTADEN.base_year, HOVEDSTADEN.explanation_required) == (
        "per_tariff", 2019, True)
    assert (SYDDANMARK.applies_to, SYDDANMARK.explanation_required) == ("total_expenses", False)
    assert growth_rules_of(rulebook_load(key="syddanmark-2017")).applies_to == "total_expenses"
    assert (SJAELLAND.applies_to, SJAELLAND.explanation_required, SJAELLAND.report_above_pct,
            SJAELLAND.report_offer_types) == ("per_tariff", False, Decimal(5), ("residential",))


def test_hovedstaden_cumulates_pl_from_the_2019_level():
    """2019: 2,400 kr. Caps: 2,400 × 1.028 = 2,467.20; × 1.019 = 2,514.0768; × 1.029 = 2,586.9850272."""
    years = _series(HOVEDSTADEN, {2019: "2400.00", 2020: "2420.00", 2021: "2500.00", 2022: "2600.00"},
                    {2020: "2.8", 2021: "1.9", 2022: "2.9"})
    assert years[2019].cap_kr is None and years[2019].notes == ("basisår for loftet (2019)",)
    assert [years[y].cap_kr for y in (2020, 2021, 2022)] == [
        Decimal("2467.2"), Decimal("2514.0768"), Decimal("2586.9850272")]
    assert years[2022].cap_kr_display == Decimal("2586.99")
    # 2021 rose 3.31 % against a P/L of 1.9 %, but stays under the cap: 2020 rose less than its P/L.
    assert years[2021].growth_pct_display == Decimal("3.31") and not years[2021].over_cap
    assert years[2022].over_cap and years[2022].needs_explanation
    assert (years[2022].cap_basis, years[2022].cap_from_year, years[2022].cap_pl_years) == (
        "cumulative", 2019, (2020, 2021, 2022))
    assert years[2022].basis_da() == "takst 2019 × P/L 2020–2022"
    assert not any(row.report_required for row in years.values())  # Hovedstaden has no report threshold


def test_hovedstaden_without_the_base_year_cumulates_from_the_earliest_tariff_after_it_and_says_so():
    """2023: 3,000 kr. Caps: × 1.03 = 3,090 (3,100 is over); × 1.02 = 3,151.80 (3,150 is under)."""
    years = _series(HOVEDSTADEN, {2023: "3000", 2024: "3100", 2025: "3150"}, {2024: "3", 2025: "2"})
    assert (years[2024].cap_kr, years[2024].over_cap) == (Decimal("3090"), True)
    assert (years[2025].cap_kr, years[2025].over_cap) == (Decimal("3151.8"), False)
    assert all(row.notes == ("loft fra 2023; basisåret 2019 findes ikke",) for row in years.values())


def test_a_cumulative_cap_needs_no_tariff_between_but_every_years_pl():
    years = _series(HOVEDSTADEN, {2019: "2400", 2022: "2500"}, {2020: "2.8", 2021: "1.9", 2022: "2.9"})
    assert years[2022].growth is None and years[2022].cap_kr == Decimal("2586.9850272")
    missing = _series(HOVEDSTADEN, {2019: "2400", 2020: "2500", 2021: "2600"}, {2021: "1.9"})
    assert missing[2021].cap_kr is None and not missing[2021].over_cap and missing[2021].pl_missing_years == (2020,)
    assert "P/L mangler for 2020; intet loft" in missing[2021].notes
    assert missing[2021].pl_pct == Decimal("1.9") and missing[2020].pl_pct is None


def test_syddanmark_caps_the_total_expenses_so_no_tariff_is_flagged():
    years = _series(SYDDANMARK, {2018: "2000", 2019: "2200"}, {2019: "2"})
    row = years[2019]
    assert row.growth_pct_display == Decimal("10.00") and row.pl_pct == Decimal(2)
    assert (row.cap_basis, row.cap_kr, row.over_cap, row.needs_explanation) == ("total_expenses", None, False, False)
    assert row.basis_da() == "loftet gælder de samlede udgifter, ikke den enkelte takst"
    assert "samlede udgifter" in SYDDANMARK.description_da() and "ingen takst markeres" in SYDDANMARK.description_da()


@pytest.mark.parametrize(("previous", "current", "reported"), [
    ("2000.00", "2100.00", False),   # exactly 5.00 %: "overstiger 5 pct." is strictly above
    ("2000.00", "2100.02", True),    # 5.001 %
    ("2100.00", "2205.01", True),    # 5.000476… %, shown as 5.00 %: compared unrounded
    ("2100.00", "2205.00", False),
])
def test_sjaelland_reports_increases_strictly_above_5_pct_compared_unrounded(previous, current, reported):
    row = _series(SJAELLAND, {2024: previous, 2025: current}, {2025: "2.9"})[2025]
    assert row.report_required is reported
    assert _series(SJAELLAND, {2024: previous, 2025: current}, offer_type="day")[2025].report_required is False


def test_sjaelland_shows_a_rise_over_its_assumed_cap_without_asking_for_an_explanation():
    row = _series(SJAELLAND, {2024: "2000", 2025: "2100"}, {2025: "2.9"})[2025]
    assert row.over_cap and not row.needs_explanation and row.cap_basis == "year_on_year"


def test_growth_is_compared_unrounded_and_rounded_half_up_only_for_display():
    """3,000 → 3,075.14 is 2.504666… %: shown as 2.50 %, yet above a P/L of 2.50 % (cap 3,075.00)."""
    row = _series(YEAR_ON_YEAR, {2024: "3000.00", 2025: "3075.14"}, {2025: "2.50"})[2025]
    assert row.growth_pct_display == Decimal("2.50") and row.cap_kr == Decimal("3075.00") and row.over_cap
    assert row.growth == Fraction(7514, 3000)
    at_cap = _series(YEAR_ON_YEAR, {2024: "3000.00", 2025: "3075.00"}, {2025: "2.50"})[2025]
    assert not at_cap.over_cap
    assert _series(YEAR_ON_YEAR, {2024: "2000", 2025: "2000.10"})[2025].growth_pct_display == Decimal("0.01")
    assert _series(YEAR_ON_YEAR, {2024: "2000", 2025: "1999.90"})[2025].growth_pct_display == Decimal("-0.01")


def test_year_on_year_without_last_years_tariff_has_no_cap():
    row = _series(YEAR_ON_YEAR, {2023: "2000", 2025: "2500"}, {2025: "2"})[2025]
    assert row.growth is None and row.cap_kr is None and not row.over_cap


@pytest.mark.parametrize("amount", [Decimal(0), Decimal("-1"), 2400.0])
def test_a_tariff_that_is_not_a_positive_decimal_is_refused(amount):
    with pytest.raises(GrowthInputError) as error:
        tariff_growth_series(tariffs_kr={2020: amount}, pl_pct={}, rules=HOVEDSTADEN, offer_type="day")
    assert error.value.year == 2020


kroner = st.integers(min_value=100, max_value=2_000_000).map(lambda ore: Decimal(ore) / 100)
rates = st.integers(min_value=-500, max_value=1500).map(lambda hundredths: Decimal(hundredths) / 100)


@given(previous=kroner, current=kroner, pl=rates)
def test_year_on_year_over_cap_is_exactly_growth_above_pl(previous, current, pl):
    row = _series(YEAR_ON_YEAR, {2024: previous, 2025: current}, {2025: pl})[2025]
    growth = (Fraction(current) - Fraction(previous)) * 100 / Fraction(previous)
    assert row.growth == growth
    assert row.over_cap is (growth > Fraction(pl)) and row.needs_explanation is row.over_cap
    assert abs(Fraction(row.growth_pct_display) - growth) <= Fraction(1, 200)


@given(tariffs=st.lists(kroner, min_size=2, max_size=12), pls=st.lists(rates, min_size=11, max_size=11))
def test_the_cumulative_cap_indexes_the_base_tariff_with_every_years_pl(tariffs, pls):
    series = {2019 + index: amount for index, amount in enumerate(tariffs)}
    pl = {2020 + index: rate for index, rate in enumerate(pls)}
    years = _series(HOVEDSTADEN, series, pl)
    cap = Fraction(series[2019])
    for year in range(2020, 2019 + len(tariffs)):
        cap *= 1 + Fraction(pl[year]) / 100
        row = years[year]
        assert Fraction(row.cap_kr) == cap and row.over_cap is (Fraction(series[year]) > cap)
        assert row.needs_explanation is row.over_cap
    # The tariffs between do not move the cap.
    last = 2018 + len(tariffs)
    flat = _series(HOVEDSTADEN, {**{year: series[2019] for year in series}, last: series[last]}, pl)
    assert flat[last].cap_kr == years[last].cap_kr


@given(previous=kroner, current=kroner, offer_type=st.sampled_from(["residential", "day", "outpatient", "education"]))
def test_sjaelland_report_is_growth_strictly_above_the_threshold_in_its_offer_types(previous, current, offer_type):
    row = _series(SJAELLAND, {2024: previous, 2025: current}, {}, offer_type=offer_type)[2025]
    expected = offer_type == "residential" and (Fraction(current) - Fraction(previous)) * 100 / Fraction(previous) > 5
    assert row.report_required is expected


@given(tariffs=st.lists(kroner, min_size=1, max_size=8), pls=st.lists(rates, min_size=8, max_size=8))
def test_a_cap_on_total_expenses_never_flags_a_tariff(tariffs, pls):
    years = _series(SYDDANMARK, {2018 + i: t for i, t in enumerate(tariffs)}, {2019 + i: r for i, r in enumerate(pls)})
    assert not any(row.over_cap or row.needs_explanation or row.cap_kr is not None for row in years.values())
