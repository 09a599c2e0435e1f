"""The occupancy engine against hand-computed cases and, on random inputs, against the per-day reference."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rammeaftale.engine.occupancy import (
    Capacity,
    OccupancyFigure,
    Period,
    Stay,
    occupancy,
    occupancy_pct,
    year_periods,
)
from rammeaftale.engine.occupancy_reference import occupancy_reference

BOTH = pytest.mark.parametrize("calculate", [occupancy, occupancy_reference], ids=["engine", "reference"])


def _by_period(figures: list[OccupancyFigure], offer_id: int = 1) -> dict[str, OccupancyFigure]:
    return {figure.period: figure for figure in figures if figure.offer_id == offer_id}


def test_periods_of_a_year_and_year_to_date():
    periods = year_periods(2025, until=date(2025, 5, 15))
    names = [period.name for period in periods]
    assert names[:5] == ["2025", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert names[5:17] == [f"2025-{month:02d}" for month in range(1, 13)] and names[-1] == "2025-YTD"
    assert periods[-1] == Period("2025-YTD", date(2025, 1, 1), date(2025, 5, 15))
    assert "2025-YTD" not in [period.name for period in year_periods(2025, until=date(2026, 1, 1))]


@BOTH
def test_a_stay_across_a_quarter_boundary_and_a_leap_year(calculate):
    figures = _by_period(calculate(
        [Stay(1, date(2024, 3, 1), date(2024, 4, 11))],  # 31 days of March, 10 of April
        [Capacity(1, date(2020, 1, 1), 2)],
        year_periods(2024),
    ))
    assert (figures["2024-Q1"].occupied_days, figures["2024-Q1"].capacity_days) == (31, 2 * 91)  # 2024 is leap
    assert (figures["2024-Q2"].occupied_days, figures["2024-Q2"].capacity_days) == (10, 2 * 91)
    assert figures["2024"].capacity_days == 2 * 366 and figures["2024"].occupied_days == 41
    assert figures["2024-Q1"].pct == Decimal("17.03")  # 31 / 182 = 17.032…


@BOTH
def test_open_ended_stays_capacity_changes_and_over_occupancy(calculate):
    figures = _by_period(calculate(
        [Stay(1, date(2025, 1, 1), None), Stay(1, date(2025, 1, 1), None), Stay(1, date(2025, 2, 15), None)],
        [Capacity(1, date(2024, 1, 1), 4), Capacity(1, date(2025, 2, 1), 2)],  # 4 places, then 2 from February
        year_periods(2025),
    ))
    january, february = figures["2025-01"], figures["2025-02"]
    assert (january.occupied_days, january.capacity_days) == (62, 124) and january.pct == Decimal("50.00")
    assert (february.occupied_days, february.capacity_days) == (56 + 14, 56) and february.pct == Decimal("125.00")
    # The change falls inside Q1: 4 places × 31 days, then 2 × 59; two stays all 90 days, the third 45.
    q1 = figures["2025-Q1"]
    assert (q1.occupied_days, q1.capacity_days) == (2 * 90 + 45, 4 * 31 + 2 * 59) and q1.pct == Decimal("92.98")


@BOTH
def test_a_stay_ending_on_its_start_holds_no_day(calculate):
    figures = _by_period(calculate([Stay(5, date(2025, 3, 1), date(2025, 3, 1)),
                                    Stay(5, date(2025, 3, 10), date(2025, 3, 2))], [],
                                   [Period("mar", date(2025, 3, 1), date(2025, 4, 1))]), 5)
    assert figures["mar"] == OccupancyFigure(5, "mar", 0, 0)


@BOTH
def test_an_offer_with_places_and_no_stays_has_zero_occupancy(calculate):
    figures = _by_period(calculate([], [Capacity(7, date(2025, 1, 1), 3)], [Period("Q", date(2025, 1, 1),
                                                                                        date(2025, 4, 1))]), 7)
    assert figures["Q"] == OccupancyFigure(7, "Q", 0, 270) and figures["Q"].pct == Decimal("0.00")


@BOTH
def test_no_capacity_has_no_percentage(calculate):
    figures = _by_period(calculate([Stay(3, date(2025, 1, 1), date(2025, 1, 3))], [],
                                   [Period("jan", date(2025, 1, 1), date(2025, 2, 1))]), 3)
    assert figures["jan"].occupied_days == 2 and figures["jan"].pct is None


def test_percentage_rounds_half_up_to_two_decimals():
    assert occupancy_pct(1, 3) == Decimal("33.33")
    assert occupancy_pct(2, 3) == Decimal("66.67")
    assert occupancy_pct(1, 8) == Decimal("12.50")
    assert occupancy_pct(1, 80000) == Decimal("0.00")  # 0.00125 %
    assert occupancy_pct(1, 8000) == Decimal("0.01")  # 0.0125 % rounds half up


FIRST = date(2023, 1, 1)
days = st.integers(min_value=0, max_value=3 * 366)
stays = st.lists(
    st.tuples(st.integers(1, 4), days, st.one_of(st.none(), st.integers(1, 500))).map(
        lambda t: Stay(t[0], FIRST + timedelta(days=t[1]),
                       None if t[2] is None else FIRST + timedelta(days=t[1] + t[2]))
    ),
    max_size=25,
)
capacities = st.lists(
    st.tuples(st.integers(1, 4), days, st.integers(0, 15)).map(
        lambda t: Capacity(t[0], FIRST + timedelta(days=t[1]), t[2])),
    max_size=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stays=stays, capacities=capacities, year=st.sampled_from([2023, 2024, 2025]))
def test_the_engine_equals_the_per_day_reference(stays, capacities, year):
    periods = year_periods(year, until=date(year, 8, 17))
    assert occupancy(stays, capacities, periods) == occupancy_reference(stays, capacities, periods)


@settings(max_examples=60, deadline=None)
@given(stays=stays, capacities=capacities, year=st.sampled_from([2023, 2024, 2025]))
def test_quarters_and_months_add_up_to_the_year(stays, capacities, year):
    figures = occupancy(stays, capacities, year_periods(year))
    for offer_id in {figure.offer_id for figure in figures}:
        own = _by_period(figures, offer_id)
        whole = own[str(year)]
        for parts in ([f"{year}-Q{q}" for q in range(1, 5)], [f"{year}-{m:02d}" for m in range(1, 13)]):
            assert sum(own[name].occupied_days for name in parts) == whole.occupied_days
            assert sum(own[name].capacity_days for name in parts) == whole.capacity_days
