"""Per-day reference for the occupancy engine: counts every day of every period by hand, obviously right and slow."""
from collections.abc import Iterable
from datetime import timedelta

from rammeaftale.engine.occupancy import Capacity, FreePlaces, OccupancyFigure, Period, Span, Stay


def occupancy_reference(stays: Iterable[Stay], capacities: Iterable[Capacity],
                        periods: Iterable[Period]) -> list[OccupancyFigure]:
    stays, capacities, periods = list(stays), list(capacities), list(periods)
    offers = sorted({s.offer_id for s in stays} | {c.offer_id for c in capacities})
    figures = []
    for offer_id in offers:
        own_stays = [s for s in stays if s.offer_id == offer_id]
        rows = {}
        for row in capacities:
            if row.offer_id == offer_id:
                rows[row.valid_from] = row.places  # the last row of a day wins
        steps = sorted(rows.items())
        for period in periods:
            occupied = capacity = 0
            day = period.start
            while day < period.end:
                occupied += sum(1 for s in own_stays if s.start <= day and (s.end is None or day < s.end))
                capacity += next((places for valid_from, places in reversed(steps) if valid_from <= day), 0)
                day += timedelta(days=1)
            figures.append(OccupancyFigure(offer_id=offer_id, period=period.name, occupied_days=occupied,
                                           capacity_days=capacity))
    return figures


def free_places_reference(holds: Iterable[Stay], capacities: Iterable[Capacity], spans: Iterable[Span], *,
                          need: int = 1) -> list[FreePlaces]:
    """Every day of every span counted by hand; an open span up to the last day anything changes."""
    holds, capacities = list(holds), list(capacities)
    last = max([h.start for h in holds] + [h.end for h in holds if h.end] + [c.valid_from for c in capacities],
               default=None)
    result = []
    for span in spans:
        rows = {}
        for row in capacities:
            if row.offer_id == span.offer_id:
                rows[row.valid_from] = row.places
        steps = sorted(rows.items())
        end = span.end if span.end is not None else max(span.start, last or span.start) + timedelta(days=1)
        fewest, short, first = None, None, None
        day = span.start
        while day < end:
            places = next((p for valid_from, p in reversed(steps) if valid_from <= day), 0)
            held = sum(getattr(h, "count", 1) for h in holds if h.offer_id == span.offer_id and h.start <= day
                       and (h.end is None or day < h.end) and (h.end is None or h.end > h.start))
            free = places - held
            first = first or (places, held)
            fewest = free if fewest is None else min(fewest, free)
            if short is None and free < need:
                short = (day, places, held)
            day += timedelta(days=1)
        result.append(FreePlaces(span.offer_id, span.start, span.end, *first, fewest,
                                 *(short if short else (None, None, None))))
    return result
