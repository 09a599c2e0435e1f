"""Monthly settlement (månedsafregning): what each placement's services cost in one calendar month, line by line.

A charge is one placement's service from `charge_from` to `charge_to` (excluded; it already holds any paid notice
period). Its days in the month are split at every tariff change and each piece becomes one line:
- daily rule: days × daily tariff, exact;
- monthly pro rata: a whole calendar month at one tariff is the monthly tariff; part of a month is
  monthly tariff × days / days in the month, rounded half up to øre per line;
- hour-based services: registered minutes in the piece × hourly tariff / 60, rounded half up to øre per line.
Those two divisions are the only rounding points, done in integer arithmetic; an invoice total is the sum of its
rounded lines. The batch runs on polars columns in Int64 øre (never float); `settlement_reference` walks the same
month day by day in plain Python and checks this module in the tests.
"""
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Literal

import polars as pl

ChargeUnit = Literal["day", "month", "hour"]
BillingRule = Literal["daily", "monthly_pro_rata"]
UNITS = ("day", "month", "hour")
RULES = ("daily", "monthly_pro_rata")
RATE_LABELS_DA = {"daily_ore": "døgntakst", "monthly_ore": "månedstakst", "hourly_ore": "timetakst"}

CHARGE_SCHEMA = {
    "placement_id": pl.Int64, "service_id": pl.Int64, "seller_id": pl.Int64, "buyer_id": pl.Int64,
    "unit": pl.String, "charge_from": pl.Date, "charge_to": pl.Date, "rule": pl.String,
}
TARIFF_SCHEMA = {
    "service_id": pl.Int64, "valid_from": pl.Date, "valid_to": pl.Date,
    "daily_ore": pl.Int64, "monthly_ore": pl.Int64, "hourly_ore": pl.Int64,
}
HOURS_SCHEMA = {"placement_id": pl.Int64, "service_id": pl.Int64, "day": pl.Date, "minutes": pl.Int64}
LINE_SCHEMA = {
    "placement_id": pl.Int64, "service_id": pl.Int64, "seller_id": pl.Int64, "buyer_id": pl.Int64,
    "period_from": pl.Date, "period_to": pl.Date, "unit": pl.String, "quantity": pl.Int64,
    "rate_ore": pl.Int64, "amount_ore": pl.Int64, "basis": pl.String,
}
# Columns that may be null: an open end, or a rate the service does not have (checked where a line needs it).
NULLABLE = {"charge_to", "valid_to", "daily_ore", "monthly_ore", "hourly_ore"}
LINE_ORDER = ["seller_id", "buyer_id", "placement_id", "service_id", "period_from"]


class SettlementInputError(ValueError):
    """Bad settlement input; `field` names it, the message is Danish."""

    def __init__(self, message: str, *, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Charge:
    """One placement's service to charge; `seller_id` is the operator, `buyer_id` the paying municipality."""

    placement_id: int
    service_id: int
    seller_id: int
    buyer_id: int
    unit: ChargeUnit
    charge_from: date
    charge_to: date | None  # excluded; includes any paid notice period; None = open-ended
    rule: BillingRule  # the rulebook's choice how day and month units are billed; hour units are billed by the hour


@dataclass(frozen=True)
class TariffPeriod:
    """A service's tariffs from `valid_from` to `valid_to` (excluded), in øre."""

    service_id: int
    valid_from: date
    valid_to: date | None
    daily_ore: int | None  # None only for a service billed by the hour
    monthly_ore: int | None = None
    hourly_ore: int | None = None


@dataclass(frozen=True)
class HoursRecord:
    """Minutes registered on one day for an hour-based service; several records on a day add up."""

    placement_id: int
    service_id: int
    day: date
    minutes: int


@dataclass(frozen=True)
class SettlementLine:
    """One charge at one tariff within the month; `quantity` is days, or minutes when `basis` is "hours"."""

    placement_id: int
    service_id: int
    seller_id: int
    buyer_id: int
    period_from: date
    period_to: date  # excluded
    unit: ChargeUnit
    quantity: int
    rate_ore: int
    amount_ore: int
    basis: Literal["days", "month", "pro_rata", "hours"]


def date_da(day: date) -> str:
    return f"{day:%d.%m.%Y}"


def month_bounds(*, year: int, month: int) -> tuple[date, date]:
    """The month as a half-open range: its first day and the first day of the next month."""
    if not isinstance(month, int) or not 1 <= month <= 12:
        raise SettlementInputError(f"måneden skal være et tal fra 1 til 12, ikke {month!r}", field="month")
    if not isinstance(year, int) or not 1 <= year <= 9998:
        raise SettlementInputError(f"året skal være et tal fra 1 til 9998, ikke {year!r}", field="year")
    return date(year, month, 1), date(year + month // 12, month % 12 + 1, 1)


def _half_up(numerator: pl.Expr, denominator: pl.Expr | int) -> pl.Expr:
    """numerator / denominator rounded half up, for numerator ≥ 0 and denominator > 0, in integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def _days(start: str, end: str) -> pl.Expr:
    return pl.col(end).cast(pl.Int32).cast(pl.Int64) - pl.col(start).cast(pl.Int32).cast(pl.Int64)


def _frame_checked(frame: pl.DataFrame, schema: dict, name: str) -> pl.DataFrame:
    """The columns of `schema`, in its order and types; money and counts must already be integers, dates dates."""
    if not isinstance(frame, pl.DataFrame):
        raise SettlementInputError(f"{name}: forventede en polars DataFrame", field=name)
    columns = []
    for column, dtype in schema.items():
        if column not in frame.columns:
            raise SettlementInputError(f"{name}: kolonnen «{column}» mangler", field=f"{name}.{column}")
        series = frame.get_column(column)
        source = series.dtype
        if source != pl.Null and (
            (dtype == pl.Int64 and not source.is_integer())
            or (dtype == pl.Date and source != pl.Date)
            or (dtype == pl.String and source not in (pl.String, pl.Categorical) and not isinstance(source, pl.Enum))
        ):
            raise SettlementInputError(
                f"{name}: kolonnen «{column}» skal have typen {dtype}, ikke {source}", field=f"{name}.{column}"
            )
        if column not in NULLABLE and series.null_count():
            row = series.is_null().arg_true()[0]
            raise SettlementInputError(f"{name}[{row}]: «{column}» mangler", field=f"{name}[{row}].{column}")
        columns.append(series.cast(dtype))
    return pl.DataFrame(columns)


def _first(frame: pl.DataFrame, condition: pl.Expr) -> dict | None:
    bad = frame.filter(condition)
    return bad.row(0, named=True) if bad.height else None


def _charges_validate(charges: pl.DataFrame) -> None:
    if bad := _first(charges, ~pl.col("unit").is_in(UNITS)):
        raise SettlementInputError(
            f"placering {bad['placement_id']}, ydelse {bad['service_id']}: ukendt enhed «{bad['unit']}» "
            f"(day, month eller hour)", field=f"charges[{bad['_row']}].unit",
        )
    if bad := _first(charges, ~pl.col("rule").is_in(RULES)):
        raise SettlementInputError(
            f"placering {bad['placement_id']}, ydelse {bad['service_id']}: ukendt afregningsregel «{bad['rule']}» "
            f"(daily eller monthly_pro_rata)", field=f"charges[{bad['_row']}].rule",
        )
    if bad := _first(charges, pl.col("charge_to") <= pl.col("charge_from")):
        raise SettlementInputError(
            f"placering {bad['placement_id']}, ydelse {bad['service_id']}: slutdatoen {date_da(bad['charge_to'])} "
            f"skal ligge efter startdatoen {date_da(bad['charge_from'])}", field=f"charges[{bad['_row']}].charge_to",
        )


def _tariffs_validate(tariffs: pl.DataFrame) -> None:
    if bad := _first(tariffs, pl.col("valid_to") <= pl.col("valid_from")):
        raise SettlementInputError(
            f"ydelse {bad['service_id']}: takstperioden fra {date_da(bad['valid_from'])} skal slutte efter "
            f"sin startdato, ikke {date_da(bad['valid_to'])}", field=f"tariffs[{bad['_row']}].valid_to",
        )
    for column, label in RATE_LABELS_DA.items():
        if bad := _first(tariffs, pl.col(column) < 0):
            raise SettlementInputError(
                f"ydelse {bad['service_id']}: {label}en fra {date_da(bad['valid_from'])} må ikke være negativ "
                f"({bad[column]} øre)", field=f"tariffs[{bad['_row']}].{column}",
            )
    ordered = tariffs.sort("service_id", "valid_from", "_row").with_columns(
        previous_from=pl.col("valid_from").shift(1), previous_to=pl.col("valid_to").shift(1),
    )
    same_service = pl.col("service_id") == pl.col("service_id").shift(1)
    overlap = same_service & (pl.col("previous_to").is_null() | (pl.col("previous_to") > pl.col("valid_from")))
    if bad := _first(ordered, overlap):
        raise SettlementInputError(
            f"ydelse {bad['service_id']}: takstperioderne fra {date_da(bad['previous_from'])} og fra "
            f"{date_da(bad['valid_from'])} overlapper", field=f"tariffs[{bad['_row']}].valid_from",
        )


def _hours_validate(hours: pl.DataFrame) -> None:
    if bad := _first(hours, pl.col("minutes") < 0):
        raise SettlementInputError(
            f"placering {bad['placement_id']}, ydelse {bad['service_id']}: minutterne den {date_da(bad['day'])} "
            f"må ikke være negative ({bad['minutes']})", field=f"hours[{bad['_row']}].minutes",
        )


def _overlapping_charges_refuse(clipped: pl.DataFrame) -> None:
    """Two charges of the same service for the same placement on one day would bill that day twice."""
    ordered = clipped.sort("placement_id", "service_id", "period_from", "_row")
    same = (pl.col("placement_id") == pl.col("placement_id").shift(1)) & (
        pl.col("service_id") == pl.col("service_id").shift(1))
    if bad := _first(ordered, same & (pl.col("period_from") < pl.col("period_to").shift(1))):
        raise SettlementInputError(
            f"placering {bad['placement_id']}: ydelse {bad['service_id']} afregnes to gange den "
            f"{date_da(bad['period_from'])} (to perioder overlapper)", field=f"charges[{bad['_row']}].charge_from",
        )


def _missing_tariff_raise(clipped: pl.DataFrame, pieces: pl.DataFrame) -> None:
    """Name the first placement (in line order) and the first day that no tariff covers."""
    covered = pieces.group_by("_row").agg(covered=_days("period_from", "period_to").sum())
    gaps = (
        clipped.join(covered, on="_row", how="left")
        .filter(pl.col("covered").fill_null(0) < _days("period_from", "period_to"))
        .sort("placement_id", "service_id", "period_from", "_row")
    )
    charge = gaps.row(0, named=True)
    day = charge["period_from"]
    for piece in pieces.filter(pl.col("_row") == charge["_row"]).sort("period_from").iter_rows(named=True):
        if piece["period_from"] > day:
            break
        day = piece["period_to"]
    raise SettlementInputError(
        f"placering {charge['placement_id']}: ydelse {charge['service_id']} har ingen takst den {date_da(day)}",
        field="tariffs",
    )


def settlement_month_frame(*, charges: pl.DataFrame, tariffs: pl.DataFrame, hours: pl.DataFrame | None,
                           year: int, month: int) -> pl.DataFrame:
    """The month's settlement lines as a frame, for batch callers that already hold columns.

    Input columns (other columns are ignored; integer columns of any integer type are widened to Int64):
    - charges: placement_id, service_id, seller_id, buyer_id: Int64; unit: String ("day", "month", "hour");
      charge_from: Date; charge_to: Date, null = open-ended (excluded end); rule: String ("daily",
      "monthly_pro_rata").
    - tariffs: service_id: Int64; valid_from: Date; valid_to: Date, null = open-ended (excluded end);
      daily_ore, monthly_ore, hourly_ore: Int64, null where the service has no such tariff.
    - hours (or None): placement_id, service_id: Int64; day: Date; minutes: Int64.
    Output, sorted by seller_id, buyer_id, placement_id, service_id, period_from: placement_id, service_id,
    seller_id, buyer_id: Int64; period_from, period_to (excluded): Date; unit: String; quantity: Int64 (days, or
    minutes for hour units); rate_ore, amount_ore: Int64; basis: String ("days", "month", "pro_rata", "hours").
    Raises SettlementInputError on the first bad input, with the row index of the input frame in `field`.
    """
    month_start, month_end = month_bounds(year=year, month=month)
    days_in_month = (month_end - month_start).days
    charges = _frame_checked(charges, CHARGE_SCHEMA, "charges").with_row_index("_row")
    tariffs = _frame_checked(tariffs, TARIFF_SCHEMA, "tariffs").with_row_index("_row")
    if hours is None:
        hours = pl.DataFrame(schema=HOURS_SCHEMA)
    hours = _frame_checked(hours, HOURS_SCHEMA, "hours").with_row_index("_row")
    _charges_validate(charges)
    _tariffs_validate(tariffs)
    _hours_validate(hours)

    clipped = charges.with_columns(
        period_from=pl.max_horizontal("charge_from", pl.lit(month_start)),
        period_to=pl.min_horizontal(pl.col("charge_to").fill_null(month_end), pl.lit(month_end)),
    ).filter(pl.col("period_from") < pl.col("period_to"))
    _overlapping_charges_refuse(clipped)

    month_tariffs = tariffs.drop("_row").filter(
        (pl.col("valid_from") < month_end) & (pl.col("valid_to").is_null() | (pl.col("valid_to") > month_start))
    )
    pieces = (
        clipped.join(month_tariffs, on="service_id", how="inner")
        .filter((pl.col("valid_from") < pl.col("period_to"))
                & (pl.col("valid_to").is_null() | (pl.col("valid_to") > pl.col("period_from"))))
        .with_columns(
            period_from=pl.max_horizontal("period_from", "valid_from"),
            period_to=pl.min_horizontal("period_to", pl.col("valid_to").fill_null(month_end)),
        )
    )
    # Tariff periods of a service never overlap (checked above), so each charge is covered at most once and
    # equal totals mean every charged day has a tariff.
    needed, covered = (frame.select(_days("period_from", "period_to").sum()).item() for frame in (clipped, pieces))
    if needed != covered:
        _missing_tariff_raise(clipped, pieces)

    pieces = pieces.with_row_index("_piece")
    is_hour = pl.col("unit") == "hour"
    hour_pieces = pieces.filter(is_hour).select("_piece", "placement_id", "service_id", "period_from", "period_to")
    minutes = (
        hour_pieces.join(hours.select("placement_id", "service_id", "day", "minutes"),
                         on=["placement_id", "service_id"], how="inner")
        .filter((pl.col("day") >= pl.col("period_from")) & (pl.col("day") < pl.col("period_to")))
        .group_by("_piece").agg(pl.col("minutes").sum())
    )
    daily = pl.col("rule") == "daily"
    pieces = pieces.join(minutes, on="_piece", how="left").with_columns(
        days=_days("period_from", "period_to"),
        rate_ore=pl.when(is_hour).then("hourly_ore").when(daily).then("daily_ore").otherwise("monthly_ore"),
    )
    if bad := _first(pieces.sort("placement_id", "service_id", "period_from", "_row"),
                     pl.col("rate_ore").is_null()):
        rate = "hourly_ore" if bad["unit"] == "hour" else "daily_ore" if bad["rule"] == "daily" else "monthly_ore"
        raise SettlementInputError(
            f"placering {bad['placement_id']}: ydelse {bad['service_id']} har ingen {RATE_LABELS_DA[rate]} den "
            f"{date_da(bad['period_from'])}", field="tariffs",
        )

    whole_month = pl.col("days") == days_in_month
    quantity = pl.when(is_hour).then(pl.col("minutes").fill_null(0)).otherwise(pl.col("days"))
    lines = pieces.with_columns(quantity=quantity).with_columns(
        amount_ore=pl.when(is_hour).then(_half_up(pl.col("quantity") * pl.col("rate_ore"), 60))
        .when(daily).then(pl.col("quantity") * pl.col("rate_ore"))
        .when(whole_month).then(pl.col("rate_ore"))
        .otherwise(_half_up(pl.col("rate_ore") * pl.col("quantity"), days_in_month)),
        basis=pl.when(is_hour).then(pl.lit("hours")).when(daily).then(pl.lit("days"))
        .when(whole_month).then(pl.lit("month")).otherwise(pl.lit("pro_rata")),
    )
    return lines.sort(LINE_ORDER).select(pl.col(name).cast(dtype) for name, dtype in LINE_SCHEMA.items())


def _exact_type(value, expected: type, *, nullable: bool) -> bool:
    # bool is an int and datetime is a date: polars would take both silently (True as 1, a time cut off).
    if value is None:
        return nullable
    return isinstance(value, str) if expected is str else type(value) is expected


def _records_check(records: Sequence, types: dict, name: str, *, record_type: type) -> None:
    """Raise, in Danish, on the first record (and its first column) that is not of the type the schema wants."""
    for index, record in enumerate(records):
        if not isinstance(record, record_type):
            raise SettlementInputError(f"{name}[{index}]: forventede {record_type.__name__}", field=f"{name}[{index}]")
        for column, expected in types.items():
            value = getattr(record, column)
            if not _exact_type(value, expected, nullable=column in NULLABLE):
                what = {int: "et heltal (øre, minutter eller id)", date: "en dato", str: "en tekst"}[expected]
                raise SettlementInputError(
                    f"{name}[{index}].{column}: skal være {what}, ikke {value!r}", field=f"{name}[{index}].{column}"
                )


def _frame_from(records: Sequence, schema: dict, name: str, *, record_type: type) -> pl.DataFrame:
    """The records as columns, each value of exactly its column's type. The types are checked a column at a time
    (a national month has 100,000 charges); only when a column holds another type are the records read one by one,
    to name the first bad one as before."""
    types = {column: (date if dtype == pl.Date else int if dtype == pl.Int64 else str)
             for column, dtype in schema.items()}
    if set(map(type, records)) - {record_type}:
        _records_check(records, types, name, record_type=record_type)
    columns = {column: list(map(attrgetter(column), records)) for column in schema}
    for column, values in columns.items():
        allowed = {types[column], type(None)} if column in NULLABLE else {types[column]}
        if set(map(type, values)) - allowed:
            _records_check(records, types, name, record_type=record_type)
            break
    return pl.DataFrame(columns, schema=schema)


def settlement_month(*, charges: Iterable[Charge], tariffs: Iterable[TariffPeriod],
                     hours: Iterable[HoursRecord] = (), year: int, month: int) -> list[SettlementLine]:
    """The month's settlement lines: one per charge per tariff period it meets in the month, sorted for invoices."""
    frame = settlement_month_frame(
        charges=_frame_from(list(charges), CHARGE_SCHEMA, "charges", record_type=Charge),
        tariffs=_frame_from(list(tariffs), TARIFF_SCHEMA, "tariffs", record_type=TariffPeriod),
        hours=_frame_from(list(hours), HOURS_SCHEMA, "hours", record_type=HoursRecord),
        year=year, month=month,
    )
    return [SettlementLine(*row) for row in frame.iter_rows()]


def line_late_part(*, line: SettlementLine, claim_limit: date, late_minutes: int = 0) -> tuple[int, int]:
    """The days of a line before `claim_limit` and their share of the amount, in øre (SEL § 174 stk. 2: a claim
    must be made "senest 12 måneder efter at hjælpen er ydet"; it applies day by day, not to a whole line).

    Days: the line's calendar days before the limit. Amount: the whole line's amount when every day is late;
    otherwise rounded as such a line would be: days × daily tariff; monthly tariff × days / days in the month,
    half up; for an hour line `late_minutes` (registered before the limit) × hourly tariff / 60, half up.
    """
    late_to = min(line.period_to, claim_limit)
    days = max((late_to - line.period_from).days, 0)
    if days == 0:
        return 0, 0
    if line.period_to <= claim_limit:
        return days, line.amount_ore  # the whole line is late: its own amount, whatever its rounding
    if line.basis == "hours":
        return days, (2 * late_minutes * line.rate_ore + 60) // 120
    if line.basis == "days":
        return days, days * line.rate_ore
    month_first, month_end = month_bounds(year=line.period_from.year, month=line.period_from.month)
    days_in_month = (month_end - month_first).days
    return days, (2 * line.rate_ore * days + days_in_month) // (2 * days_in_month)
