"""The stays that hold a place in an offer and the offers' dated capacities, as narrow rows: what the occupancy engine
(`engine/occupancy.py`) integrates into place-days, read once here for the occupancy reports and analysis and for
the economy's demand analysis alike."""
from collections.abc import Iterable, Iterator
from datetime import date

import polars as pl
from django.db.models import Min

from rammeaftale.bulk import id_lists
from rammeaftale.engine.notice import charge_end
from rammeaftale.engine.occupancy import CAPACITY_SCHEMA
from rammeaftale.placements.models import CHARGED_STATUSES, Placement, ends_on
from rammeaftale.registry.models import OfferCapacity


def by_offers(queryset, offer_ids: Iterable[int] | None, field: str = "offer_id"):
    """The queryset once (all offers), or once per chunk of offer ids."""
    if offer_ids is None:
        yield queryset
        return
    for chunk in id_lists(offer_ids):
        yield queryset.filter(**{f"{field}__in": chunk})


def charged_stays(*, first_day: date, last_day: date, offer_ids: Iterable[int] | None = None,
                  fields: tuple[str, ...] = ()) -> Iterator[tuple]:
    """Every placement that holds a place (reserved, active, notice given, ended; the operator's own citizens
    included) and meets [first_day, last_day): (offer_id, start, end, *fields) from its start to the first day not
    charged, so paid notice days count exactly where they are paid: by the rules in force the day notice was given,
    recorded on the placement (`Placement.notice_full_tariff`), the same answer the settlement reads. `fields` are
    further Placement columns the caller needs (who pays, the operator's own)."""
    placements = (Placement.objects.filter(status__in=CHARGED_STATUSES, start_date__lt=last_day)
                  .alias(ends_on=ends_on()).filter(ends_on__gt=first_day)
                  .order_by())  # the engine sums stays in any order: no sort of the model's default ordering
    for queryset in by_offers(placements, offer_ids):
        rows = queryset.values_list("offer_id", "start_date", "end_date", "planned_end", "notice_end", "moved_out_on",
                                    "notice_full_tariff", *fields)
        # The listed offers (`bulk.id_lists`: one query on PostgreSQL, chunks on SQLite) are read in one fetch;
        # only every offer at once streams through a server-side cursor, which PostgreSQL in autocommit first
        # materialises (WITH HOLD): four to five times the time for a region's stays.
        for (offer_id, start, end_date, planned_end, notice_end, moved_out_on, notice_full_tariff,
             *extra) in (rows.iterator(chunk_size=5000) if offer_ids is None else rows):
            end = charge_end(end_date=end_date, planned_end=planned_end, notice_end=notice_end,
                             moved_out_on=moved_out_on, notice_full_tariff=notice_full_tariff)
            if end is not None and (end <= first_day or end <= start):
                continue
            yield (offer_id, start, end, *extra)


def first_stay_year(*, region_id: int) -> int | None:
    """The year the first place was held in the region's offers (None: none yet): where the occupancy figures
    begin."""
    first = (Placement.objects.filter(status__in=CHARGED_STATUSES, offer__municipality__region_id=region_id)
             .order_by().aggregate(first=Min("start_date"))["first"])
    return first.year if first else None


def occupancy_capacities_frame(*, offer_ids: Iterable[int] | None = None) -> pl.DataFrame:
    rows = []
    # By the columns, not the model's ordering by offer (by the offer's name: a join and a sort).
    for queryset in by_offers(OfferCapacity.objects.order_by("offer_id", "valid_from"), offer_ids):
        rows.extend(queryset.values_list("offer_id", "valid_from", "places"))
    return pl.DataFrame(rows, schema=CAPACITY_SCHEMA, orient="row")
