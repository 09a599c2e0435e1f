"""Per-day reference for the occupancy engine: counts every day of every period by hand, obviously right and slow."""
from collections.abc import Iterable
from datetime import timedelta

from rammeaftale.engine.occupancy import Capacity, OccupancyFigure, Period, Stay


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
