"""Occupancy (belægning) per offer and period: occupied place-days against capacity place-days.

occupancy % = occupied place-days ÷ capacity place-days × 100, rounded half-up to two decimals (`occupancy_pct`).

Both place-day counts are integrals of step functions over days: the number of stays running on a day (+1 at a
stay's start, −1 at its end) and the offer's places (a change at each capacity row). The engine turns each into a
running integral F(t) = place-days before day t, evaluated at the periods' boundaries with one as-of join per offer,
so a period [a, b) costs F(b) − F(a) however many stays it has. A per-day reference lives in
`occupancy_reference.py`; they agree on random inputs (tests/unit/test_occupancy_engine.py).

Free places (`free_places_frame`) read the same two step functions as levels instead of integrals: the places
minus the placements holding one, on the first day of a span and on each day inside it where either level changes.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

STAY_SCHEMA = {"offer_id": pl.Int64, "start": pl.Date, "end": pl.Date}  # end exclusive; null = open-ended
# Free places read holds grouped: `count` placements of an offer holding a place over the same days.
HOLD_SCHEMA = {**STAY_SCHEMA, "count": pl.Int64}
CAPACITY_SCHEMA = {"offer_id": pl.Int64, "valid_from": pl.Date, "places": pl.Int64}  # until the offer's next row
PERIOD_SCHEMA = {"period": pl.Utf8, "start": pl.Date, "end": pl.Date}  # half-open [start, end)
RESULT_SCHEMA = {"offer_id": pl.Int64, "period": pl.Utf8, "occupied_days": pl.Int64, "capacity_days": pl.Int64}
SPAN_SCHEMA = {"offer_id": pl.Int64, "start": pl.Date, "end": pl.Date}  # end exclusive; null = from start on
# Per span, in the spans' order: the places and the placements holding one on its first day, the fewest free places
# on any of its days (negative: over-occupied), and the first day with fewer free than `need` (null: none) with the
# places and holding placements on that day.
FREE_SCHEMA = {"offer_id": pl.Int64, "start": pl.Date, "end": pl.Date, "places": pl.Int64, "held": pl.Int64,
               "free": pl.Int64, "short_on": pl.Date, "short_places": pl.Int64, "short_held": pl.Int64}

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Stay:
    offer_id: int
    start: date
    end: date | None


@dataclass(frozen=True)
class Hold:
    """`count` placements of an offer holding a place from `start` up to `end` (None: open-ended): free places
    read the placements grouped, so an offer's many long stays cost one row."""

    offer_id: int
    start: date
    end: date | None
    count: int = 1


@dataclass(frozen=True)
class Capacity:
    offer_id: int
    valid_from: date
    places: int


@dataclass(frozen=True)
class Period:
    name: str
    start: date
    end: date  # the first day after the period


def occupancy_pct(occupied_days: int, capacity_days: int) -> Decimal | None:
    """The rounding point: occupied ÷ capacity × 100, half-up to two decimals; None without capacity."""
    if not capacity_days:
        return None
    return (Decimal(occupied_days) * 100 / Decimal(capacity_days)).quantize(CENT, rounding=ROUND_HALF_UP)


def pct_text(value: Decimal | None) -> str | None:
    """A percentage as the JSON answers carry it: text with two decimals ("95.00"), never a float."""
    return None if value is None else f"{value:.2f}"


@dataclass(frozen=True)
class OccupancyFigure:
    offer_id: int
    period: str
    occupied_days: int
    capacity_days: int

    @property
    def pct(self) -> Decimal | None:
        return occupancy_pct(self.occupied_days, self.capacity_days)


def year_periods(year: int, *, until: date | None = None) -> list[Period]:
    """The year ("2025"), its quarters ("2025-Q1"…), its months ("2025-01"…) and, if `until` (exclusive) falls
    inside the year, the year to date ("2025-YTD")."""
    first, after = date(year, 1, 1), date(year + 1, 1, 1)
    periods = [Period(str(year), first, after)]
    for quarter in range(1, 5):
        start = date(year, 3 * quarter - 2, 1)
        end = date(year, 3 * quarter + 1, 1) if quarter < 4 else after
        periods.append(Period(f"{year}-Q{quarter}", start, end))
    for month in range(1, 13):
        periods.append(Period(f"{year}-{month:02d}", date(year, month, 1),
                              date(year, month + 1, 1) if month < 12 else after))
    if until is not None and first < until < after:
        periods.append(Period(f"{year}-YTD", first, until))
    return periods


def _running_integral(events: pl.DataFrame) -> pl.DataFrame:
    """events (offer_id, day: Int32 days, delta) → per offer and event day: the level from that day on and the
    integral of the level before it (place-days before the day)."""
    return (
        events.group_by("offer_id", "day").agg(pl.col("delta").sum())
        .sort("offer_id", "day")
        .with_columns(level=pl.col("delta").cum_sum().over("offer_id"))
        .with_columns(
            segment=(pl.col("level") * (pl.col("day").shift(-1).over("offer_id") - pl.col("day"))).fill_null(0)
        )
        .with_columns(before=(pl.col("segment").cum_sum().over("offer_id") - pl.col("segment")))
        .select("offer_id", "day", "level", "before")
    )


def _at(integral: pl.DataFrame, boundaries: pl.DataFrame, name: str) -> pl.DataFrame:
    """F(t) for every (offer_id, t): place-days before day t."""
    joined = boundaries.sort("t").join_asof(
        integral.sort("day"), left_on="t", right_on="day", by="offer_id", strategy="backward",
        check_sortedness=False,  # both sides are sorted on the key above; polars cannot check it within groups
    )
    return joined.select(
        "offer_id", "t",
        (pl.col("before") + pl.col("level") * (pl.col("t") - pl.col("day"))).fill_null(0).alias(name),
    )


def occupancy_frame(stays: pl.DataFrame, capacities: pl.DataFrame, periods: pl.DataFrame) -> pl.DataFrame:
    """Columns offer_id, period, occupied_days, capacity_days: one row per (offer, period) for every offer in stays
    or capacities, for every period (zeros where nothing); sorted by offer, then the periods' order."""
    day = pl.Int64
    stays = stays.select(pl.col("offer_id").cast(pl.Int64), pl.col("start").cast(pl.Date).cast(day),
                         pl.col("end").cast(pl.Date).cast(day))
    capacities = capacities.select(pl.col("offer_id").cast(pl.Int64), pl.col("valid_from").cast(pl.Date).cast(day),
                                   pl.col("places").cast(pl.Int64))
    periods = periods.select(pl.col("period").cast(pl.Utf8), pl.col("start").cast(pl.Date).cast(day),
                             pl.col("end").cast(pl.Date).cast(day)).with_row_index("order")
    offers = pl.concat([stays.select("offer_id"), capacities.select("offer_id")]).unique()
    if offers.is_empty() or periods.is_empty():
        return pl.DataFrame(schema=RESULT_SCHEMA)

    # A stay ending on or before its start holds no day (its offer is still listed); left in, its −1 before its +1
    # would count negative days.
    stays = stays.filter(pl.col("end").is_null() | (pl.col("end") > pl.col("start")))
    stay_events = pl.concat([
        stays.select("offer_id", pl.col("start").alias("day"), pl.lit(1, dtype=pl.Int64).alias("delta")),
        stays.filter(pl.col("end").is_not_null())
        .select("offer_id", pl.col("end").alias("day"), pl.lit(-1, dtype=pl.Int64).alias("delta")),
    ])
    capacity_events = (
        capacities.group_by("offer_id", "valid_from").agg(pl.col("places").last())
        .sort("offer_id", "valid_from")
        .select("offer_id", pl.col("valid_from").alias("day"),
                (pl.col("places") - pl.col("places").shift(1).over("offer_id").fill_null(0)).alias("delta"))
    )
    boundaries = offers.join(
        pl.concat([periods.select(pl.col("start").alias("t")), periods.select(pl.col("end").alias("t"))]).unique(),
        how="cross",
    )
    occupied = _at(_running_integral(stay_events), boundaries, "occupied")
    capacity = _at(_running_integral(capacity_events), boundaries, "capacity")
    values = occupied.join(capacity, on=["offer_id", "t"])
    grid = offers.join(periods, how="cross")
    at_start = values.rename({"t": "start", "occupied": "occupied_a", "capacity": "capacity_a"})
    at_end = values.rename({"t": "end", "occupied": "occupied_b", "capacity": "capacity_b"})
    return (
        grid.join(at_start, on=["offer_id", "start"]).join(at_end, on=["offer_id", "end"])
        .sort("offer_id", "order")
        .select(
            "offer_id", "period",
            (pl.col("occupied_b") - pl.col("occupied_a")).alias("occupied_days"),
            (pl.col("capacity_b") - pl.col("capacity_a")).alias("capacity_days"),
        )
    )


@dataclass(frozen=True)
class Span:
    offer_id: int
    start: date
    end: date | None  # the first day after the span; None: from start on


@dataclass(frozen=True)
class FreePlaces:
    offer_id: int
    start: date
    end: date | None
    places: int  # on the first day: the offer's places
    held: int  # on the first day: the placements holding one
    free: int  # the fewest free places on any day of the span (negative where more hold a place than it has)
    short_on: date | None  # the first day with fewer free places than needed; None: room all the span
    short_places: int | None  # on short_on: the offer's places
    short_held: int | None  # on short_on: the placements holding one


def _levels(events: pl.DataFrame) -> pl.DataFrame:
    """events (offer_id, day, delta) → per offer and event day the level from that day on, sorted by day."""
    return (events.group_by("offer_id", "day").agg(pl.col("delta").sum()).sort("offer_id", "day")
            .with_columns(level=pl.col("delta").cum_sum().over("offer_id")).select("offer_id", "day", "level")
            .sort("day"))


def free_places_frame(holds: pl.DataFrame, capacities: pl.DataFrame, spans: pl.DataFrame, *,
                      need: int = 1) -> pl.DataFrame:
    """FREE_SCHEMA for each span (SPAN_SCHEMA) of `holds` (STAY_SCHEMA: the placements holding a place, from
    their start to the first day they no longer hold it; or HOLD_SCHEMA, `count` such placements a row) against
    `capacities` (CAPACITY_SCHEMA). The levels change only where a hold starts or ends or the capacity changes, so
    those days inside a span and its first day are the only ones read."""
    day = pl.Int64
    count = pl.col("count").cast(pl.Int64) if "count" in holds.columns else pl.lit(1, dtype=pl.Int64)
    holds = holds.select(pl.col("offer_id").cast(pl.Int64), pl.col("start").cast(pl.Date).cast(day),
                         pl.col("end").cast(pl.Date).cast(day), count.alias("count"))
    holds = holds.filter(pl.col("end").is_null() | (pl.col("end") > pl.col("start")))
    capacities = capacities.select(pl.col("offer_id").cast(pl.Int64), pl.col("valid_from").cast(pl.Date).cast(day),
                                   pl.col("places").cast(pl.Int64))
    spans = spans.select(pl.col("offer_id").cast(pl.Int64), pl.col("start").cast(pl.Date).cast(day),
                         pl.col("end").cast(pl.Date).cast(day)).with_row_index("span")
    if spans.is_empty():
        return pl.DataFrame(schema=FREE_SCHEMA)
    held = _levels(pl.concat([
        holds.select("offer_id", pl.col("start").alias("day"), pl.col("count").alias("delta")),
        holds.filter(pl.col("end").is_not_null())
        .select("offer_id", pl.col("end").alias("day"), (-pl.col("count")).alias("delta")),
    ]))
    places = _levels(
        capacities.group_by("offer_id", "valid_from").agg(pl.col("places").last()).sort("offer_id", "valid_from")
        .select("offer_id", pl.col("valid_from").alias("day"),
                (pl.col("places") - pl.col("places").shift(1).over("offer_id").fill_null(0)).alias("delta")))
    changes = pl.concat([held.select("offer_id", "day"), places.select("offer_id", "day")]).unique()
    days = pl.concat([
        spans.select("span", "offer_id", pl.col("start").alias("day")),
        spans.join(changes, on="offer_id").filter(
            (pl.col("day") > pl.col("start")) & (pl.col("end").is_null() | (pl.col("day") < pl.col("end"))))
        .select("span", "offer_id", "day"),
    ]).sort("day")
    read = (
        days.join_asof(held.rename({"level": "held"}), on="day", by="offer_id", strategy="backward",
                       check_sortedness=False)  # both sides sorted on the day above
        .join_asof(places.rename({"level": "places"}), on="day", by="offer_id", strategy="backward",
                   check_sortedness=False)
        .with_columns(pl.col("held").fill_null(0), pl.col("places").fill_null(0))
        .with_columns(free=pl.col("places") - pl.col("held"))
    )
    first = read.join(spans.select("span", pl.col("start").alias("day")), on=["span", "day"]).select(
        "span", "places", "held")
    fewest = read.group_by("span").agg(pl.col("free").min())
    short = (read.filter(pl.col("free") < need).sort("span", "day").group_by("span", maintain_order=True)
             .first().select("span", pl.col("day").alias("short_on"), pl.col("places").alias("short_places"),
                             pl.col("held").alias("short_held")))
    return (
        spans.join(first, on="span", how="left").join(fewest, on="span", how="left")
        .join(short, on="span", how="left").sort("span")
        .select("offer_id", pl.col("start").cast(pl.Date), pl.col("end").cast(pl.Date), "places", "held", "free",
                pl.col("short_on").cast(pl.Date), "short_places", "short_held")
    )


def stays_frame(stays: Iterable[Stay]) -> pl.DataFrame:
    rows = [(s.offer_id, s.start, s.end) for s in stays]
    return pl.DataFrame(rows, schema=STAY_SCHEMA, orient="row")


def holds_frame(holds: Iterable["Stay | Hold"]) -> pl.DataFrame:
    rows = [(h.offer_id, h.start, h.end, getattr(h, "count", 1)) for h in holds]
    return pl.DataFrame(rows, schema=HOLD_SCHEMA, orient="row")


def capacities_frame(capacities: Iterable[Capacity]) -> pl.DataFrame:
    rows = [(c.offer_id, c.valid_from, c.places) for c in capacities]
    return pl.DataFrame(rows, schema=CAPACITY_SCHEMA, orient="row")


def spans_frame(spans: Iterable[Span]) -> pl.DataFrame:
    rows = [(s.offer_id, s.start, s.end) for s in spans]
    return pl.DataFrame(rows, schema=SPAN_SCHEMA, orient="row")


def periods_frame(periods: Iterable[Period]) -> pl.DataFrame:
    rows = [(p.name, p.start, p.end) for p in periods]
    return pl.DataFrame(rows, schema=PERIOD_SCHEMA, orient="row")


def occupancy(stays: Iterable[Stay], capacities: Iterable[Capacity],
              periods: Iterable[Period]) -> list[OccupancyFigure]:
    """Records in, records out: sorted by offer, then the periods in the order given."""
    frame = occupancy_frame(stays_frame(stays), capacities_frame(capacities), periods_frame(periods))
    return [OccupancyFigure(*row) for row in frame.iter_rows()]


def free_places(holds: Iterable["Stay | Hold"], capacities: Iterable[Capacity], spans: Iterable[Span], *,
                need: int = 1) -> list[FreePlaces]:
    """Records in, records out, in the spans' order."""
    frame = free_places_frame(holds_frame(holds), capacities_frame(capacities), spans_frame(spans), need=need)
    return [FreePlaces(*row) for row in frame.iter_rows()]
