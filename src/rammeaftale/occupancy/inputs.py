"""What the occupancy engine reads from the database: stays from the placements, dated capacities, budgeted
occupancy; narrow queries, no model objects. The charged stays and the dated capacities live in
`placements.stays`, shared with the economy's demand analysis."""
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import polars as pl

from rammeaftale.engine.occupancy import (
    STAY_SCHEMA,
    OccupancyFigure,
    Period,
    occupancy_frame,
    periods_frame,
)
from rammeaftale.placements.stays import by_offers, charged_stays, first_stay_year, occupancy_capacities_frame
from rammeaftale.tariffs.models import ServiceBudget

__all__ = ["budgeted_occupancy", "charged_stays", "first_stay_year", "occupancy_capacities_frame",
           "occupancy_stays_frame", "offer_occupancy"]


def occupancy_stays_frame(*, first_day: date, last_day: date, offer_ids: Iterable[int] | None = None) -> pl.DataFrame:
    """The stays of `charged_stays` as the occupancy engine reads them."""
    offers, starts, ends = [], [], []
    for offer_id, start, end in charged_stays(first_day=first_day, last_day=last_day, offer_ids=offer_ids):
        offers.append(offer_id)
        starts.append(start)
        ends.append(end)
    return pl.DataFrame({"offer_id": offers, "start": starts, "end": ends}, schema=STAY_SCHEMA)


def offer_occupancy(*, periods: list[Period], offer_ids: Iterable[int] | None = None
                    ) -> dict[tuple[int, str], OccupancyFigure]:
    """Occupancy of the offers (None: all) in each period, keyed by (offer id, period name)."""
    if not periods:
        return {}
    ids = None if offer_ids is None else sorted(set(offer_ids))
    if ids == []:
        return {}
    stays = occupancy_stays_frame(first_day=min(p.start for p in periods), last_day=max(p.end for p in periods),
                                  offer_ids=ids)
    frame = occupancy_frame(stays, occupancy_capacities_frame(offer_ids=ids), periods_frame(periods))
    return {(offer_id, period): OccupancyFigure(offer_id, period, occupied, capacity)
            for offer_id, period, occupied, capacity in frame.iter_rows()}


def budgeted_occupancy(*, year: int, offer_ids: Iterable[int] | None = None) -> dict[int, Decimal]:
    """Each offer's budgeted occupancy for the year: its basis day service's line in the tariff budget (the first
    by service if it has several)."""
    lines = (ServiceBudget.objects.filter(budget__year=year, budgeted_occupancy_pct__isnull=False,
                                          service__kind="basis", service__unit="day")
             .order_by("budget__offer_id", "service_id"))
    result: dict[int, Decimal] = {}
    for queryset in by_offers(lines, offer_ids, field="budget__offer_id"):
        for offer_id, pct in queryset.values_list("budget__offer_id", "budgeted_occupancy_pct"):
            result.setdefault(offer_id, pct)
    return result
