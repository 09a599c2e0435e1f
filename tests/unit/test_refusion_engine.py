"""State refusion for especially expensive single cases (SEL § 176): hand-computed cases per band, the thresholds
exactly, households summed, rounding at the øre, the sourced years, and properties against a plain reference."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rammeaftale.economy.refusion_thresholds import refusion_thresholds, refusion_thresholds_parse
from rammeaftale.engine.refusion import (
    RefusionBand,
    RefusionCase,
    RefusionInputError,
    RefusionThresholds,
    refusion_bands_apply,
    refusion_calculate,
)

YEARS = refusion_thresholds()
Y2020, Y2022 = YEARS[2020], YEARS[2022]


def _refusion(expenses: str, thresholds: RefusionThresholds = Y2022) -> Decimal:
    result = refusion_calculate(cases=[RefusionCase(case_id="A", expenses_kr=Decimal(expenses))],
                                thresholds=thresholds)
    return result.lines[0].refusion_kr


def _reference(expenses: Decimal, bands) -> Decimal:
    """The same rule written the other way: each threshold adds its rise in percentage to all above it,
    Σ (pct_i − pct_{i−1}) × (E − threshold_i)⁺ (a plain reference, not the engine's min(E, next) form)."""
    total, previous_pct = Decimal(0), Decimal(0)
    for band in bands:
        total += (band.rate_pct - previous_pct) * max(expenses - band.threshold_kr, Decimal(0)) / 100
        previous_pct = band.rate_pct
    return total


def test_the_sourced_years_are_2020_old_scheme_and_2022_level_and_no_other():
    """shared/data/README.md: "until 2020, 25 % … above 950,000 kr and 50 % above 1,770,000 kr; from 2021, 25 % /
    50 % / 75 % above 830,000 / 1,630,000 / 2,050,000 kr at 2020 level (860,000 / 1,680,000 / 2,120,000 at 2022
    level)". 2021's adjusted amounts are not in the source, and the 2020 level is the law's base, not a year."""
    assert sorted(YEARS) == [2020, 2022]
    assert [(band.threshold_kr, band.rate_pct) for band in Y2020.bands] == [
        (Decimal(950_000), Decimal(25)), (Decimal(1_770_000), Decimal(50))]
    assert [(band.threshold_kr, band.rate_pct) for band in Y2022.bands] == [
        (Decimal(860_000), Decimal(25)), (Decimal(1_680_000), Decimal(50)), (Decimal(2_120_000), Decimal(75))]
    for year in YEARS.values():
        assert "Serviceloven § 176" in year.source and "L 197" in year.source
        assert year.source_url == "https://danskelove.dk/serviceloven/176"


@pytest.mark.parametrize(("expenses", "refusion"), [
    ("0", "0.00"),
    ("750000", "0.00"),
    ("860000", "0.00"),                 # exactly at the first threshold: nothing above it
    ("860000.01", "0.00"),              # 25 % × 0.01 = 0.0025 → 0.00
    ("860000.02", "0.01"),              # 25 % × 0.02 = 0.005 → half up to 0.01
    ("900000", "10000.00"),             # 25 % × 40,000
    ("900000.02", "10000.01"),          # 25 % × 40,000.02 = 10,000.005 → 10,000.01
    ("1680000", "205000.00"),           # exactly at the second: 25 % × 820,000
    ("2000000", "365000.00"),           # 205,000 + 50 % × 320,000
    ("2120000", "425000.00"),           # exactly at the third: 205,000 + 50 % × 440,000
    ("2500000", "710000.00"),           # 205,000 + 220,000 + 75 % × 380,000 = 285,000
    ("3000000", "1085000.00"),          # 425,000 + 75 % × 880,000 = 660,000
])
def test_2022_hand_computed_per_band_and_exactly_at_the_thresholds(expenses, refusion):
    assert _refusion(expenses) == Decimal(refusion)


@pytest.mark.parametrize(("expenses", "refusion"), [
    ("950000", "0.00"),
    ("1000000", "12500.00"),            # 25 % × 50,000
    ("1770000", "205000.00"),           # 25 % × 820,000
    ("2500000", "570000.00"),           # 205,000 + 50 % × 730,000 = 365,000; no 75 % band before 2021
])
def test_2020_old_scheme_has_two_bands(expenses, refusion):
    assert _refusion(expenses, Y2020) == Decimal(refusion)


def test_the_bands_of_one_case_show_each_part_exactly():
    shares = refusion_bands_apply(expenses_kr=Decimal("2500000"), bands=Y2022.bands)
    assert [(share.amount_kr, share.refusion_kr) for share in shares] == [
        (Decimal(820_000), Decimal(205_000)), (Decimal(440_000), Decimal(220_000)),
        (Decimal(380_000), Decimal(285_000))]


def test_children_of_one_household_are_summed_as_one_case_reported_once():
    """D and E alone are under the threshold (no refusion); together 1,100,000: 25 % × 240,000 = 60,000."""
    cases = [
        RefusionCase(case_id="A", expenses_kr=Decimal("900000")),
        RefusionCase(case_id="D", expenses_kr=Decimal("600000"), household="H1", age=12),
        RefusionCase(case_id="B", expenses_kr=Decimal("100000"), household="H2"),
        RefusionCase(case_id="E", expenses_kr=Decimal("500000"), household="H1"),  # no age given: allowed
    ]
    result = refusion_calculate(cases=cases, thresholds=Y2022)
    assert [(line.household, line.case_ids, line.expenses_kr, line.refusion_kr) for line in result.lines] == [
        (None, ("A",), Decimal(900_000), Decimal("10000.00")),
        ("H1", ("D", "E"), Decimal(1_100_000), Decimal("60000.00")),
        ("H2", ("B",), Decimal(100_000), Decimal("0.00")),
    ]
    assert result.total_kr == Decimal("70000.00") and result.year == 2022


def test_the_total_is_the_sum_of_the_rounded_cases():
    """Each 25 % × 0.02 = 0.005 → 0.01 on its own; the exact sum 0.015 would round to 0.02, not 0.03."""
    cases = [RefusionCase(case_id=name, expenses_kr=Decimal("860000.02")) for name in "XYZ"]
    result = refusion_calculate(cases=cases, thresholds=Y2022)
    assert [line.refusion_exact_kr for line in result.lines] == [Decimal("0.005")] * 3
    assert result.total_kr == Decimal("0.03")


@pytest.mark.parametrize(("cases", "field", "message"), [
    ([RefusionCase(case_id="A", expenses_kr=Decimal("-0.01"))], "cases[0].expenses", "udgiften kan ikke være negativ"),
    ([RefusionCase(case_id="A", expenses_kr=Decimal(1)), RefusionCase(case_id="A", expenses_kr=Decimal(2))],
     "cases[1].id", "id «A» findes to gange"),
    ([RefusionCase(case_id=" ", expenses_kr=Decimal(1))], "cases[0].id", "sagen mangler et id"),
    ([RefusionCase(case_id="D", expenses_kr=Decimal(1), household="H1", age=12),
      RefusionCase(case_id="M", expenses_kr=Decimal(1), household="H1", age=18)], "cases[1].age",
     "husstanden «H1» blander voksne og børn: «M» er 18 år"),
    ([RefusionCase(case_id="A", expenses_kr=Decimal(1), age=-1)], "cases[0].age", "alderen kan ikke være negativ"),
])
def test_bad_cases_are_refused_naming_the_field(cases, field, message):
    with pytest.raises(RefusionInputError) as error:
        refusion_calculate(cases=cases, thresholds=Y2022)
    assert error.value.field == field and str(error.value).startswith(message) and str(error.value).endswith(")")


def test_an_adult_alone_and_anyone_over_67_are_single_cases_the_engine_does_not_judge():
    """Over 67 stays covered when covered just before: whether a case belongs in the file is the caller's."""
    result = refusion_calculate(cases=[RefusionCase(case_id="A", expenses_kr=Decimal(900_000), age=70)],
                                thresholds=Y2022)
    assert result.lines[0].refusion_kr == Decimal("10000.00")


@pytest.mark.parametrize(("bands", "message"), [
    ((), "mindst én tærskel"),
    ((RefusionBand(Decimal(10), Decimal(50)), RefusionBand(Decimal(20), Decimal(25))), "skal stige"),
    ((RefusionBand(Decimal(20), Decimal(25)), RefusionBand(Decimal(10), Decimal(50))), "skal stige"),
    ((RefusionBand(Decimal(10), Decimal(101)),), "uden for"),
    ((RefusionBand(Decimal(-1), Decimal(25)),), "uden for"),
])
def test_thresholds_that_do_not_rise_or_lack_a_source_are_refused(bands, message):
    with pytest.raises(ValueError, match=message):
        RefusionThresholds(year=2023, bands=bands, level="2023-niveau", source="x")
    with pytest.raises(ValueError, match="skal have en kilde"):
        RefusionThresholds(year=2023, bands=Y2022.bands, level="2023-niveau", source=" ")


def test_the_data_file_refuses_a_year_twice():
    header = "year,level,band_1_kr,band_1_pct,band_2_kr,band_2_pct,band_3_kr,band_3_pct,source,source_url\n"
    row = "2023,2023-niveau,1,25,,,,,kilde,\n"
    assert refusion_thresholds_parse(header + row)[2023].bands == (RefusionBand(Decimal(1), Decimal(25)),)
    with pytest.raises(ValueError, match="to gange"):
        refusion_thresholds_parse(header + row + row)


EXPENSES = st.decimals(min_value=0, max_value=10**11, places=2, allow_nan=False, allow_infinity=False)


@given(expenses=EXPENSES, more=EXPENSES, year=st.sampled_from([Y2020, Y2022]))
def test_refusion_equals_the_reference_is_monotone_and_below_the_top_rate(expenses, more, year):
    exact = refusion_calculate(cases=[RefusionCase(case_id="A", expenses_kr=expenses)],
                               thresholds=year).lines[0].refusion_exact_kr
    assert exact == _reference(expenses, year.bands)
    assert Decimal(0) <= exact <= expenses * year.bands[-1].rate_pct / 100
    if expenses > year.bands[0].threshold_kr:
        assert exact < expenses * year.bands[-1].rate_pct / 100
    assert _refusion(str(expenses + more), year) >= _refusion(str(expenses), year)


@given(amounts=st.lists(EXPENSES, min_size=1, max_size=6))
def test_a_household_is_the_case_of_its_summed_expenses_and_never_less_than_its_members_apart(amounts):
    children = [RefusionCase(case_id=str(n), expenses_kr=amount, household="H", age=n % 18)
                for n, amount in enumerate(amounts)]
    apart = [RefusionCase(case_id=str(n), expenses_kr=amount) for n, amount in enumerate(amounts)]
    together = refusion_calculate(cases=children, thresholds=Y2022)
    assert len(together.lines) == 1 and together.lines[0].expenses_kr == sum(amounts)
    assert together.lines[0].refusion_exact_kr == _reference(sum(amounts), Y2022.bands)
    # the bands are convex (rates rise), so summing never lowers the exact refusion
    separate = refusion_calculate(cases=apart, thresholds=Y2022)
    assert together.lines[0].refusion_exact_kr >= sum(line.refusion_exact_kr for line in separate.lines)
