"""Free places (the occupancy engine's levels): hand-computed cases and, on random inputs, the per-day reference."""
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rammeaftale.engine.occupancy import Capacity, FreePlaces, Hold, Span, Stay, free_places
from rammeaftale.engine.occupancy_reference import free_places_reference

BOTH = pytest.mark.parametrize("calculate", [free_places, free_places_reference], ids=["engine", "reference"])


@BOTH
def test_a_place_freed_by_notice_is_free_from_the_day_the_notice_ends(calculate):
    holds = [Stay(1, date(2026, 1, 1), None), Stay(1, date(2026, 1, 1), date(2026, 3, 1))]  # notice ends 1 March
    capacities = [Capacity(1, date(2020, 1, 1), 2)]
    before, after, across = calculate(holds, capacities, [
        Span(1, date(2026, 2, 1), date(2026, 2, 2)), Span(1, date(2026, 3, 1), None),
        Span(1, date(2026, 2, 20), date(2026, 3, 10))])
    assert before == FreePlaces(1, date(2026, 2, 1), date(2026, 2, 2), 2, 2, 0, date(2026, 2, 1), 2, 2)
    assert after == FreePlaces(1, date(2026, 3, 1), None, 2, 1, 1, None, None, None)
    assert across.free == 0 and across.short_on == date(2026, 2, 20)  # a stay from 20 February finds no room


@BOTH
def test_a_capacity_change_inside_the_span_and_places_wanted(calculate):
    holds = [Stay(1, date(2026, 1, 1), None)]
    capacities = [Capacity(1, date(2025, 1, 1), 4), Capacity(1, date(2026, 6, 1), 2)]  # 4 places, 2 from June
    [span] = calculate(holds, capacities, [Span(1, date(2026, 5, 1), date(2026, 7, 1))], need=2)
    assert (span.places, span.held, span.free) == (4, 1, 1)
    assert (span.short_on, span.short_places, span.short_held) == (date(2026, 6, 1), 2, 1)
    [other] = calculate(holds, capacities, [Span(2, date(2026, 5, 1), None)])  # an offer without rows: no places
    assert (other.free, other.short_on, other.short_places, other.short_held) == (0, date(2026, 5, 1), 0, 0)


def _day(offset: int) -> date:
    return date(2026, 1, 1) + timedelta(days=offset)


@st.composite
def _inputs(draw):
    holds = [Stay(draw(st.integers(1, 2)), _day(start), None if length is None else _day(start + length))
             for start, length in draw(st.lists(st.tuples(st.integers(0, 60), st.none() | st.integers(-3, 40)),
                                                max_size=12))]
    capacities = [Capacity(draw(st.integers(1, 2)), _day(day), places)
                  for day, places in draw(st.lists(st.tuples(st.integers(-5, 60), st.integers(0, 6)), max_size=5))]
    spans = [Span(offer, _day(start), None if length is None else _day(start + length))
             for offer, start, length in draw(st.lists(
                 st.tuples(st.integers(1, 3), st.integers(-5, 70), st.none() | st.integers(1, 30)),
                 min_size=1, max_size=6))]
    return holds, capacities, spans, draw(st.integers(1, 3))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_inputs())
def test_the_engine_agrees_with_counting_every_day(inputs):
    holds, capacities, spans, need = inputs
    assert free_places(holds, capacities, spans, need=need) == free_places_reference(holds, capacities, spans,
                                                                                      need=need)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_inputs())
def test_holds_grouped_by_their_days_count_as_the_placements_one_by_one(inputs):
    holds, capacities, spans, need = inputs
    grouped: dict[tuple, int] = {}
    for stay in holds:
        key = (stay.offer_id, stay.start, stay.end)
        grouped[key] = grouped.get(key, 0) + 1
    as_holds = [Hold(*key, count) for key, count in grouped.items()]
    assert free_places(as_holds, capacities, spans, need=need) == free_places(holds, capacities, spans, need=need)
    assert free_places_reference(as_holds, capacities, spans, need=need) == free_places(as_holds, capacities, spans,
                                                                                        need=need)
