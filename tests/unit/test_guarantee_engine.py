"""The deficit guarantee for new places (Hovedstaden, seed-003 «Ny økonomimodel»): hand-computed cases of the year's
step, the rounding to øre and the largest remainder split, and properties of the split."""
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rammeaftale.engine.guarantee import (
    GuaranteeInputError,
    Municipality,
    guarantee_calculate,
    guarantee_pct,
    guarantee_split,
    guaranteed_ore,
)
from rammeaftale.rulebooks import rulebook_load

RULES = rulebook_load(key="hovedstaden-2021-2022").new_places_model
STEPS, MAX = RULES.guarantee_steps_pct.value, RULES.deficit_guarantee_max_pct.value
THREE = (Municipality(code="101", name="A", population=1), Municipality(code="147", name="B", population=1),
         Municipality(code="151", name="C", population=1))


def _split(amount_ore, municipalities=THREE):
    return [share.share_ore for share in guarantee_split(amount_ore=amount_ore, municipalities=municipalities)]


def _towns(*populations):
    """Municipalities coded 001, 002, … (three digits as the official codes, so text order is their order)."""
    return tuple(Municipality(code=f"{index:03d}", name=f"K{index}", population=population)
                 for index, population in enumerate(populations, start=1))


def test_hovedstaden_steps_are_75_50_25_by_year_of_operation():
    assert (STEPS, MAX) == ((Decimal(75), Decimal(50), Decimal(25)), Decimal(75))
    assert [guarantee_pct(year_of_operation=year, steps_pct=STEPS, max_pct=MAX) for year in (1, 2, 3)] == [
        Decimal(75), Decimal(50), Decimal(25)]


@pytest.mark.parametrize(("year", "message"), [
    (4, "regelbogen har garanti i 3 driftsår (75-50-25 %), ikke i driftsår 4 (a guarantee year beyond the "
        "rulebook's years)"),
    (0, "driftsåret skal være mindst 1 (det første driftsår), ikke 0 (the first year of operation is 1)"),
    (-1, "driftsåret skal være mindst 1"),
])
def test_a_year_outside_the_steps_is_refused(year, message):
    with pytest.raises(GuaranteeInputError) as error:
        guarantee_pct(year_of_operation=year, steps_pct=STEPS, max_pct=MAX)
    assert error.value.field == "year_of_operation" and str(error.value).startswith(message)


def test_a_step_above_the_maximum_is_refused():
    """The rulebook's validation already forbids it; the engine takes its inputs from anyone."""
    with pytest.raises(GuaranteeInputError, match="over den højeste garanti på 75 %"):
        guarantee_pct(year_of_operation=1, steps_pct=(Decimal(80),), max_pct=Decimal(75))


@pytest.mark.parametrize(("deficit", "pct", "ore"), [
    ("1000000", 75, 75_000_000),
    ("1000000", 25, 25_000_000),
    ("0.02", 25, 1),  # 0.5 øre: half up
    ("0.01", 25, 0),  # 0.25 øre
    ("0.06", 75, 5),  # 4.5 øre
    ("0.05", 50, 3),  # 2.5 øre
    ("123456.789", 50, 6_172_839),  # 6,172,839.45 øre
    ("0", 75, 0),
    ("999999999999.9999999999", 75, 75_000_000_000_000),  # 74,999,999,999,999.99999999925 øre
    ("999999999999.9933333333", 75, 74_999_999_999_999),  # 74,999,999,999,999.4999999975 øre: just under ½
])
def test_the_guaranteed_amount_is_the_deficit_times_the_step_half_up_to_ore(deficit, pct, ore):
    assert guaranteed_ore(deficit_kr=Decimal(deficit), pct=Decimal(pct)) == ore


def test_three_equal_municipalities_share_the_odd_ore_by_lowest_code():
    assert _split(1) == [1, 0, 0]
    assert _split(2) == [1, 1, 0]
    assert _split(100) == [34, 33, 33]
    assert _split(0) == [0, 0, 0]
    # The tie is broken by code, not by the order given: the answer keeps the order given.
    reordered = (THREE[2], THREE[0], THREE[1])
    shares = guarantee_split(amount_ore=1, municipalities=reordered)
    assert [(share.municipality_code, share.share_ore, share.extra_ore) for share in shares] == [
        ("151", 0, 0), ("101", 1, 1), ("147", 0, 0)]


def test_the_largest_remainders_get_the_ore_not_the_largest_populations():
    # 7 øre over 5:3:2 → exact 3.5, 2.1, 1.4; floors 3 + 2 + 1 = 6; the one left goes to the 0.5.
    assert _split(7, _towns(5, 3, 2)) == [4, 2, 1]
    # 7 øre over 1:2:7 → exact 0.7, 1.4, 4.9; floors 0 + 1 + 4 = 5; two left: 0.9 and 0.7, not 1.4's 0.4.
    assert _split(7, _towns(1, 2, 7)) == [1, 1, 5]
    # 5 øre over 6:3:1 → exact 3, 1.5, 0.5: equal remainders of different populations, the lower code wins.
    assert _split(5, _towns(6, 3, 1)) == [3, 2, 0]
    assert _split(5, _towns(1, 3, 6)) == [1, 1, 3]


def test_a_municipality_of_no_inhabitants_gets_nothing_and_bad_populations_are_refused():
    assert _split(100, _towns(0, 1, 1)) == [0, 50, 50]
    for towns, message in [(_towns(0, 0), "samlede befolkningstal er 0"), ((), "ingen kommuner"),
                           (_towns(1, -1), "negativt befolkningstal"), (THREE[:1] * 2, "kommunekoden 101")]:
        with pytest.raises(GuaranteeInputError, match=message) as error:
            guarantee_split(amount_ore=1, municipalities=towns)
        assert error.value.field == "population"


def test_a_deficit_of_0_guarantees_nothing_a_surplus_is_refused_and_floats_never_pass():
    nothing = guarantee_calculate(deficit_kr=Decimal(0), year_of_operation=2, steps_pct=STEPS, max_pct=MAX,
                                  municipalities=THREE)
    assert (nothing.guarantee_pct, nothing.guaranteed_ore, nothing.sum_ore) == (Decimal(50), 0, 0)
    assert all(share.share_ore == 0 for share in nothing.shares)
    with pytest.raises(GuaranteeInputError) as error:
        guarantee_calculate(deficit_kr=Decimal("-1000"), year_of_operation=1, steps_pct=STEPS, max_pct=MAX,
                            municipalities=THREE)
    assert error.value.field == "deficit"
    assert str(error.value).startswith("underskuddet er negativt (-1000), dvs. et overskud, som garantien ikke dækker")
    with pytest.raises(TypeError):
        guarantee_calculate(deficit_kr=1000.0, year_of_operation=1, steps_pct=STEPS, max_pct=MAX,
                            municipalities=THREE)


def test_a_year_s_guarantee_by_hand():
    """1,000,000 kr in year 3: 25 % = 250,000.00 kr = 25,000,000 øre over 1:1:1 → 8,333,334 + 8,333,333 × 2."""
    result = guarantee_calculate(deficit_kr=Decimal("1000000"), year_of_operation=3, steps_pct=STEPS, max_pct=MAX,
                                 municipalities=THREE)
    assert (result.guarantee_pct, result.guaranteed_kr, result.guaranteed_ore) == (
        Decimal(25), Decimal("250000.00"), 25_000_000)
    assert [share.share_ore for share in result.shares] == [8_333_334, 8_333_333, 8_333_333]
    assert (result.sum_ore, result.population_total) == (25_000_000, 3)


populations = st.lists(st.integers(min_value=0, max_value=2_000_000), min_size=1, max_size=40).filter(any)


@given(populations=populations, amount_ore=st.integers(min_value=0, max_value=10**14), data=st.data())
def test_the_shares_sum_exactly_each_within_an_ore_of_its_exact_share(populations, amount_ore, data):
    towns = _towns(*populations)
    shares = guarantee_split(amount_ore=amount_ore, municipalities=towns)
    assert sum(share.share_ore for share in shares) == amount_ore
    total = sum(populations)
    for share in shares:
        exact = Fraction(amount_ore * share.population, total)
        assert exact - 1 < share.share_ore < exact + 1
        assert share.share_ore - share.extra_ore == exact.numerator // exact.denominator
    assert sum(share.extra_ore for share in shares) < len(towns)
    # More inhabitants never pay less; the answer does not depend on the order the municipalities are given in.
    by_population = sorted(shares, key=lambda share: (share.population, share.share_ore))
    assert all(a.share_ore <= b.share_ore for a, b in zip(by_population, by_population[1:]))
    shuffled = data.draw(st.permutations(towns))
    again = {share.municipality_code: share.share_ore
             for share in guarantee_split(amount_ore=amount_ore, municipalities=shuffled)}
    assert again == {share.municipality_code: share.share_ore for share in shares}


@given(amount_ore=st.integers(min_value=0, max_value=10**6), count=st.integers(min_value=1, max_value=30))
def test_equal_populations_differ_by_at_most_one_ore_and_the_lowest_codes_get_it(amount_ore, count):
    shares = [share.share_ore for share in guarantee_split(amount_ore=amount_ore, municipalities=_towns(*[7] * count))]
    low = amount_ore // count
    assert shares == [low + 1] * (amount_ore % count) + [low] * (count - amount_ore % count)
