"""The monthly settlement run of one seller: preview, then issue invoices and credit notes, all or nothing.

The lines come from the pure engine (engine/settlement.py) fed with narrow extracts of placements and tariffs, and
stay columns (polars) from the extraction to the COPY that writes them: a national month is some 100,000 lines.
Issued lines never change. Each run also recomputes the months already invoiced (since the seller's first run, at
most `CORRECTION_MONTHS` back): where a placement's lines for a month differ from what is invoiced and not credited,
the old lines are credited on a credit note to the buyer they were sent to, and the right lines are invoiced again
in this run. A run of a month that exists already creates nothing.

The same recomputation lets one buyer wait without stopping the others: a paying municipality that lacks what an
e-invoice needs (EAN, address) gets nothing in this run (`HeldInvoice`, named in the preview), and the first run after
its data are registered invoices the held days as corrections. The seller's own missing data stop the whole run.
Placements waiting for the paying municipality's accept are never charged (`CONSENTED`) and are named in the preview.
"""
import calendar
import json
from collections import defaultdict
from collections.abc import Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from queue import Empty, SimpleQueue
from threading import Event, Lock

import polars as pl
from django.db import connection, connections, transaction
from django.db.models import Q
from psycopg import ClientCursor

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.permissions import can_run_settlement
from rammeaftale.billing.models import (
    AccountMapping,
    FixedCharge,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    PaymentAccount,
    SettlementRun,
)
from rammeaftale.bulk import copy_statement, id_lists, rows_insert
from rammeaftale.core.chunks import CHUNK, chunks
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.money import format_kr
from rammeaftale.engine.settlement import (
    CHARGE_SCHEMA,
    HOURS_SCHEMA,
    LINE_SCHEMA,
    TARIFF_SCHEMA,
    Charge,
    HoursRecord,
    SettlementInputError,
    SettlementLine,
    line_late_part,
    settlement_month_frame,
)
from rammeaftale.parties.models import Organisation
from rammeaftale.placements.models import (
    CHARGED_STATUSES,
    CONSENTED,
    Placement,
    PlacementService,
    RegisteredHours,
    ends_on,
)
from rammeaftale.placements.selectors import placements_awaiting_consent
from rammeaftale.registry.history import operator_periods
from rammeaftale.registry.models import LegalParagraph, Offer, OfferOperatorPeriod, Service
from rammeaftale.registry.rules import RulesInForce, rules_in_force
from rammeaftale.rulebooks.display import MONTHS_DA
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from rammeaftale.tariffs.timeline import (
    MissingTariff,
    TariffSpan,
    tariff_spans,
    tariffs_missing,
    uncovered_from,
)

FEW_SELLERS = 10  # up to this many sellers (the page's, the API's, one seller's run) the extract reads by offer
WRITERS = 2  # connections writing sellers' runs at once on PostgreSQL (the machine measured has 2 cores)
LINE_BATCH = 1900  # invoice lines per INSERT (SQLite allows 32,766 parameters; a line has 17)
CORRECTION_MONTHS = 24  # how far back a run looks for changes to months already invoiced
RULE_OF_BASIS = {"days": "daily", "monthly_pro_rata": "monthly_pro_rata"}
INVOICING_DA = {"monthly": "månedlig"}  # the rulebook's payment.invoicing values


def month_add(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def month_parse(text: str) -> tuple[int, int]:
    """"2026-11" → (2026, 11), or a Danish message naming the field."""
    try:
        year, month = (int(part) for part in text.split("-"))
        date(year, month, 1)
    except ValueError as error:
        raise DomainError(f"Måneden «{text}» skal skrives ÅÅÅÅ-MM, fx 2026-11.", field="month",
                          message_en="month must be YYYY-MM") from error
    return year, month


def month_start(year: int, month: int) -> date:
    return date(year, month, 1)


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (clipped to the month's length): help given before it is a late claim."""
    year, month = month_add(day.year, day.month, -months)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# Inputs for the engine


@dataclass(frozen=True)
class PlacementRef:
    """What an invoice line needs of its placement: the reference printed on it and the offer whose legal
    paragraphs choose the account code. Read in the extraction's own query, never as model objects."""

    pk: int
    reference: str
    offer_id: int

    def __str__(self) -> str:
        return self.reference


# The extraction's columns: (lookup, column, type).
EXTRACT = (
    ("pk", "id", pl.Int64), ("placement_id", "placement_id", pl.Int64), ("service_id", "service_id", pl.Int64),
    ("valid_from", "valid_from", pl.Date), ("valid_to", "valid_to", pl.Date), ("service__unit", "unit", pl.String),
    ("placement__start_date", "start_date", pl.Date), ("placement__end_date", "end_date", pl.Date),
    ("placement__planned_end", "planned_end", pl.Date), ("placement__notice_end", "notice_end", pl.Date),
    ("placement__moved_out_on", "moved_out_on", pl.Date),
    ("placement__notice_full_tariff", "notice_full_tariff", pl.Boolean),
    ("placement__paying_municipality_id", "buyer_id", pl.Int64),
    ("placement__offer__operator_id", "seller_id", pl.Int64),
    ("placement__offer__municipality__region_id", "region_id", pl.Int64),
    ("placement__reference", "reference", pl.String), ("placement__offer_id", "offer_id", pl.Int64),
)
SPAN_SCHEMA = {"service_id": pl.Int64, "valid_from": pl.Date, "valid_to": pl.Date, "provisional": pl.Boolean,
               "tariff_id": pl.Int64}


@dataclass
class _Inputs:
    """The extract as columns: the engine's charges (plus each charge's region), tariffs and hours, the placements'
    references and offers, and the tariff timeline the periods come from."""

    charges: pl.DataFrame  # the engine's CHARGE_SCHEMA and region_id, in the extraction's order
    tariffs: pl.DataFrame  # the engine's TARIFF_SCHEMA
    spans: dict[int, list[TariffSpan]]  # the tariff timeline the periods come from, by service
    span_frame: pl.DataFrame  # the same spans as columns (SPAN_SCHEMA)
    hours: pl.DataFrame  # the engine's HOURS_SCHEMA
    placements: pl.DataFrame  # placement_id, reference, offer_id: every placement with a charge
    rules_on: date  # the day whose billing rule the charges carry (the first day of the extract)

    @property
    def placement_ids(self) -> set[int]:
        return set(self.placements.get_column("placement_id").to_list())

    def charge_records(self) -> list[Charge]:
        """The charges as the engine's records (for the per-day reference and the record API)."""
        return [Charge(*row) for row in self.charges.select(list(CHARGE_SCHEMA)).iter_rows()]


def _engine_periods(spans: dict[int, list[TariffSpan]], units: dict[int, str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The tariff timeline as the engine reads it (the unit's rate in its own column), and the spans as columns."""
    periods, spans_out = [], []
    for service_id, service_spans in spans.items():
        unit = units[service_id]
        for span in service_spans:
            periods.append((service_id, span.valid_from, span.valid_to,
                            span.amount_ore if unit == "day" else None,
                            span.amount_ore if unit == "month" else span.monthly_ore,
                            span.amount_ore if unit == "hour" else None))
            spans_out.append((service_id, span.valid_from, span.valid_to, span.provisional, span.tariff_id))
    return (pl.DataFrame(periods, schema=TARIFF_SCHEMA, orient="row"),
            pl.DataFrame(spans_out, schema=SPAN_SCHEMA, orient="row"))


def _billing_rule(region_id: int, on: date, memo: dict) -> str:
    """How day units are billed (the rulebook's billing basis), by the rules in force on the day of service."""
    key = (region_id, on.year)
    if key not in memo:
        memo[key] = RULE_OF_BASIS[rules_in_force(region=region_id, on=on).rulebook.payment.billing_basis.value]
    return memo[key]


def _rules_column(charges: pl.DataFrame, on: date, memo: dict) -> pl.Expr:
    """The billing rule of each charge on `on`: pro rata for month units, the region's rule for the others."""
    regions = charges.filter(pl.col("unit") != "month").get_column("region_id").unique().to_list()
    rule_of = {region_id: _billing_rule(region_id, on, memo) for region_id in sorted(regions)}
    return (pl.when(pl.col("unit") == "month").then(pl.lit("monthly_pro_rata"))
            .otherwise(pl.col("region_id").replace_strict(rule_of, default=None, return_dtype=pl.String)))


def _columns_read(rows, schema: dict) -> pl.DataFrame:
    """A values_list query's rows as columns of `schema`: on PostgreSQL as one COPY of the query to CSV, parsed by
    polars (no Python object per value: a national month's extract is some 100,000 rows); elsewhere row by row."""
    if connection.vendor != "postgresql":
        return pl.DataFrame(list(rows), schema=schema, orient="row")
    sql, params = rows.query.sql_with_params()
    # The parameters bound by psycopg on the client (its adapters and quoting), because Django's debug cursor
    # (DEBUG, or a test capturing queries) passes `copy` a statement only.
    data = bytearray()
    with connection.cursor() as cursor:
        query = ClientCursor(cursor.connection).mogrify(sql, params)
        with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
            for block in copy:
                data += block
    if not data:
        return pl.DataFrame(schema=schema)
    text_schema = {name: pl.String if dtype == pl.Boolean else dtype for name, dtype in schema.items()}
    frame = pl.read_csv(bytes(data), has_header=False, new_columns=list(schema), schema=text_schema)
    return frame.with_columns(pl.col(name).replace_strict({"t": True, "f": False}, default=None,
                                                          return_dtype=pl.Boolean)
                              for name, dtype in schema.items() if dtype == pl.Boolean)


def settlement_inputs(*, seller: Organisation | None, first_day: date, last_day: date,
                      seller_ids: Collection[int] | None = None, internal: bool = False) -> _Inputs:
    """Every invoiceable placement service of the seller (or of the `seller_ids`; neither: of every seller) that
    meets [first_day, last_day); with `internal`, instead the operators' own citizens' placements, which are never
    invoiced (`internal_costs`).

    One narrow query over the bought services joined to their placements, straight into columns (no objects, no
    per-row Python), as the batch needs. The charge ends where the placement's charge ends (`charge_end`, with the
    notice terms recorded at notice), computed on the columns.
    """
    wanted = {seller.pk} if seller is not None else set(seller_ids) if seller_ids is not None else None
    rows = (
        PlacementService.objects.filter(placement__status__in=CHARGED_STATUSES, placement__is_internal=internal,
                                        placement__payer_consent__in=CONSENTED, placement__start_date__lt=last_day)
        .alias(ends_on=ends_on("placement__end_date")).filter(ends_on__gt=first_day)
    )
    registered = RegisteredHours.objects.filter(day__gte=first_day, day__lt=last_day)
    # offers a wanted seller operated before a takeover: its days there are still its own (split below)
    former = sorted(set(OfferOperatorPeriod.objects.filter(operator_id__in=wanted).values_list("offer_id", flat=True))
                    ) if wanted is not None and len(wanted) <= CHUNK else []
    if wanted is not None and len(wanted) <= FEW_SELLERS:
        # through the sellers' offers: PostgreSQL then reads their placements by offer, not the whole table
        rows = rows.filter(placement__offer__in=Offer.objects.filter(Q(operator_id__in=wanted) | Q(pk__in=former)))
        registered = registered.filter(Q(placement_service__placement__offer__operator_id__in=wanted)
                                       | Q(placement_service__placement__offer_id__in=former))
    elif wanted is not None and len(wanted) <= CHUNK:  # more sellers than that: read all, keep theirs below
        rows = rows.filter(Q(placement__offer__operator_id__in=wanted) | Q(placement__offer_id__in=former))
        registered = registered.filter(Q(placement_service__placement__offer__operator_id__in=wanted)
                                       | Q(placement_service__placement__offer_id__in=former))
    frame = _by_operator_of_the_day(_columns_read(rows.order_by().values_list(*(lookup for lookup, _, _ in EXTRACT)),
                                                  {column: dtype for _, column, dtype in EXTRACT}).sort("valid_from", "id"))
    if wanted is not None:
        frame = frame.filter(pl.col("seller_id").is_in(sorted(wanted)))
    # charge_end on columns: the earliest of end, planned end and end of notice; moving out ends the charge only
    # where no notice runs or the notice is not charged at the full tariff
    moved_out_ends = pl.col("moved_out_on").is_not_null() & (
        pl.col("notice_end").is_null() | pl.col("notice_full_tariff").eq(False).fill_null(False))
    until = pl.min_horizontal("end_date", "planned_end", "notice_end",
                              pl.when(moved_out_ends).then(pl.col("moved_out_on")))
    frame = (
        frame.with_columns(until=until)
        .filter(pl.col("until").is_null() | (pl.col("until") > first_day))
        .with_columns(charge_from=pl.max_horizontal("start_date", "valid_from"),
                      charge_to=pl.min_horizontal("until", "valid_to"))
        .filter(pl.col("charge_to").is_null() | (pl.col("charge_to") > pl.col("charge_from")))
    )
    frame = frame.with_columns(rule=_rules_column(frame, first_day, {}))
    charges = frame.select(*CHARGE_SCHEMA, "region_id")
    placements = frame.select("placement_id", "reference", "offer_id").unique("placement_id", keep="first",
                                                                              maintain_order=True)
    hours = _columns_read(registered.order_by("pk").values_list(
        "placement_service__placement_id", "placement_service__service_id", "day", "minutes"), HOURS_SCHEMA,
    ).join(placements.select("placement_id"), on="placement_id", how="semi", maintain_order="left")
    units = dict(frame.select("service_id", "unit").unique("service_id").iter_rows())
    spans = tariff_spans(service_ids=set(units), first_day=first_day, last_day=last_day)
    tariffs, span_frame = _engine_periods(spans, units)
    return _Inputs(charges=charges, tariffs=tariffs, spans=spans, span_frame=span_frame, hours=hours,
                   placements=placements, rules_on=first_day)


def _by_operator_of_the_day(frame: pl.DataFrame) -> pl.DataFrame:
    """The services of offers that changed operator (a takeover) split at the change: each operator sells the days
    of its own period (`registry.history`); the services of every other offer as read (their current operator)."""
    periods = operator_periods(set(frame.get_column("offer_id").unique().to_list()))
    if not periods:
        return frame
    split = pl.DataFrame([(offer_id, operator_id, valid_from or date.min, valid_to or date.max)
                          for offer_id, rows in periods.items() for operator_id, valid_from, valid_to in rows],
                         schema={"offer_id": pl.Int64, "_operator": pl.Int64, "_from": pl.Date, "_to": pl.Date},
                         orient="row")
    dated = (frame.join(split, on="offer_id", how="inner", maintain_order="left")
             .filter((pl.col("_from") < pl.col("valid_to").fill_null(date.max)) & (pl.col("valid_from") < pl.col("_to")))
             .with_columns(seller_id=pl.col("_operator"),
                           valid_from=pl.max_horizontal("valid_from", "_from"),
                           valid_to=pl.when(pl.col("_to") == date.max).then(pl.col("valid_to"))
                           .otherwise(pl.min_horizontal(pl.col("valid_to").fill_null(date.max), pl.col("_to")))))
    return pl.concat([frame.filter(~pl.col("offer_id").is_in(sorted(periods))), dated.select(frame.columns)]
                     ).sort("valid_from", "id")


@dataclass
class MonthLines:
    lines: pl.DataFrame  # the engine's LINE_SCHEMA
    missing: dict[int, list[MissingTariff]]  # by seller: charges left out because a day has no tariff, and why



def _days(start: str, end: str) -> pl.Expr:
    return (pl.col(end) - pl.col(start)).dt.total_days()


def _lines_for_month(inputs: _Inputs, year: int, month: int, sellers: Collection[int] | None = None) -> MonthLines:
    """The month's lines of the sellers (None: all) from the engine, in one run for all of them; charges with a day
    without tariff are left out and listed instead, per seller."""
    first, after = month_start(year, month), month_start(*month_add(year, month, 1))
    charges = inputs.charges.with_row_index("_charge")
    if sellers is not None:
        charges = charges.filter(pl.col("seller_id").is_in(sorted(sellers)))
    clipped = charges.with_columns(
        start=pl.max_horizontal("charge_from", pl.lit(first)),
        end=pl.min_horizontal(pl.col("charge_to").fill_null(after), pl.lit(after)),
    ).filter(pl.col("start") < pl.col("end"))
    # Spans of a service never overlap, so a charge's days are all covered when its overlaps add up to them.
    spans = inputs.span_frame.filter((pl.col("valid_from") < after) & (pl.col("valid_to") > first))
    covered = (
        clipped.select("_charge", "service_id", "start", "end").join(spans, on="service_id")
        .with_columns(days=(pl.min_horizontal("end", "valid_to") - pl.max_horizontal("start", "valid_from"))
                      .dt.total_days().clip(lower_bound=0))
        .group_by("_charge").agg(pl.col("days").sum())
    )
    clipped = clipped.join(covered, on="_charge", how="left", maintain_order="left").with_columns(
        gap=pl.col("days").fill_null(0) < _days("start", "end"))
    gaps = defaultdict(dict)
    for seller_id, service_id, start, end in clipped.filter(pl.col("gap")).select(
            "seller_id", "service_id", "start", "end").iter_rows():
        gap = uncovered_from(inputs.spans.get(service_id, []), start, end)
        if gap is not None:
            seller_gaps = gaps[seller_id]
            seller_gaps[service_id] = min(seller_gaps.get(service_id, gap), gap)
    charges = clipped.filter(~pl.col("gap"))
    if first.year != inputs.rules_on.year:  # the day units follow the rules of the month's own year
        charges = charges.with_columns(rule=_rules_column(charges, first, {}))
    missing = {}
    for seller_id, seller_gaps in gaps.items():  # per seller, as each seller's run reads them
        found = tariffs_missing(service_ids=seller_gaps, first_day=min(seller_gaps.values()), last_day=after)
        missing[seller_id] = [item for item in found if item.service.pk in seller_gaps]
    try:
        lines = settlement_month_frame(charges=charges.select(list(CHARGE_SCHEMA)), tariffs=inputs.tariffs,
                                       hours=inputs.hours, year=year, month=month)
    except SettlementInputError as error:
        raise DomainError(str(error), field=error.field, code="settlement_input",
                          message_en="settlement input is incomplete (see the Danish message)") from error
    return MonthLines(lines=lines.filter((pl.col("quantity") != 0) | (pl.col("unit") != "hour")),  # no hours: no line
                      missing=missing)


def internal_costs(*, operator_id: int, year: int) -> tuple[dict[int, int], list[MissingTariff]]:
    """What the operator's own citizens' days in the year (its internal placements, never invoiced) cost at its
    tariffs, by placement, in øre: the settlement engine and tariff timeline an invoice would use, month by month.
    Days of a month without a tariff are left out and their services returned (the § 176 claim names them)."""
    inputs = settlement_inputs(seller=None, seller_ids=[operator_id], first_day=date(year, 1, 1),
                               last_day=date(year + 1, 1, 1), internal=True)
    costs: dict[int, int] = defaultdict(int)
    missing: list[MissingTariff] = []
    for month in range(1, 13):
        month_lines = _lines_for_month(inputs, year, month, sellers=[operator_id])
        missing += month_lines.missing.get(operator_id, [])
        for placement_id, amount_ore in month_lines.lines.group_by("placement_id").agg(
                pl.col("amount_ore").sum()).iter_rows():
            costs[placement_id] += amount_ore
    return dict(costs), _distinct_missing(missing)


# The plan: what a run would write


@dataclass
class PlannedLine:
    line: SettlementLine
    placement: PlacementRef
    is_correction: bool
    late_days: int  # days before the claim limit (SEL § 174 stk. 2), counted per day
    late_amount_ore: int
    account_code: str
    description: str
    provisional: bool  # priced at a provisional tariff (foreløbig takst)
    charge_id: int | None = None  # a fixed charge's line (no placement, no service)

    @property
    def late_claim(self) -> bool:
        return self.late_days > 0


PLANNED_COLUMNS = (*LINE_SCHEMA, "reference", "offer_id", "is_correction", "late_days", "late_amount_ore",
                   "account_code", "description", "provisional", "charge_id")
# What the plan computes for every line at once; the texts (account code, description) follow when asked for.
CORE_COLUMNS = (*(name for name in PLANNED_COLUMNS if name not in ("account_code", "description")), "tariff_id",
                "charge_text")
FIXED_UNIT = "fixed"  # a fixed charge's line: one amount (quantity 1, the rate is the amount)


class _LineTexts:
    """What the plans' lines carry besides their amounts, for all of them at once: the account code and the text
    (`frame`: PLANNED_COLUMNS, in the core's order). Computed the first time a line is shown or written, not for a
    preview that only sums up its invoices (the biggest seller's 9,140 lines: the service names, account codes and
    texts are a fifth of its plan). Thread-safe: the settlement's writers share it."""

    def __init__(self, core: pl.DataFrame) -> None:
        self._core = core
        self._lock = Lock()
        self._frame: pl.DataFrame | None = None

    @property
    def ready(self) -> bool:
        return self._frame is not None

    @property
    def frame(self) -> pl.DataFrame:
        with self._lock:
            if self._frame is None:
                self._frame = _texts_columns(self._core).select(PLANNED_COLUMNS)
            return self._frame


@dataclass
class PlannedInvoice:
    """One buyer's invoice of the plan. Its lines are columns (`core`: CORE_COLUMNS, in invoice order; `frame`:
    PLANNED_COLUMNS, with the texts), written as they are; `lines` gives them as objects for the page and the API.
    """

    buyer: Organisation
    core: pl.DataFrame
    total_ore: int  # the sum of the lines' amounts
    has_late_claims: bool  # a line has days before the claim limit
    texts: _LineTexts
    offset: int  # where the invoice's lines start in the shared columns
    # What the preview's summary counts, from the same aggregation as the total: corrections of months already
    # invoiced, lines priced at a provisional tariff, and lines with days before the claim limit (SEL § 174 stk. 2)
    corrections: int = 0
    provisional_lines: int = 0
    late_lines: int = 0

    @property
    def line_count(self) -> int:
        return self.core.height

    @cached_property
    def frame(self) -> pl.DataFrame:
        """The lines with their texts: a slice of the plan's texts where they are read for all its lines (written,
        or every line shown: `SettlementPlan.texts_read`), else this invoice's own (one invoice of a preview)."""
        if self.texts.ready:
            return self.texts.frame.slice(self.offset, self.line_count)
        return _texts_columns(self.core).select(PLANNED_COLUMNS)

    @cached_property
    def lines(self) -> list[PlannedLine]:
        width = len(LINE_SCHEMA)
        return [
            PlannedLine(line=SettlementLine(*row[:width]), placement=PlacementRef(row[0], row[width], row[width + 1]),
                        is_correction=row[width + 2], late_days=row[width + 3], late_amount_ore=row[width + 4],
                        account_code=row[width + 5], description=row[width + 6], provisional=row[width + 7],
                        charge_id=row[width + 8])
            for row in self.frame.select(PLANNED_COLUMNS).iter_rows()
        ]


@dataclass
class PlannedCredit:
    invoice: Invoice
    lines: list[InvoiceLine] = field(default_factory=list)

    @property
    def total_ore(self) -> int:
        return sum(line.amount_ore for line in self.lines)


@dataclass
class HeldInvoice:
    """A buyer's invoice (and credit notes) held back because the buyer lacks what an e-invoice needs. Nothing of it
    is written; the next run recomputes the months already run and invoices the held days then (as corrections)."""

    buyer: Organisation
    reasons: list[str]
    invoice: PlannedInvoice | None
    credits: list[PlannedCredit]

    @property
    def total_ore(self) -> int:
        return (self.invoice.total_ore if self.invoice else 0) - sum(c.total_ore for c in self.credits)


@dataclass(frozen=True)
class MissingAccount:
    """A buyer's lines in the plan that would be issued without an account code: none of their offers' paragraphs
    has one, neither the buyer's own nor a default. Issuing is not stopped (the code is the buyer's to give, and the
    e-invoice does not require it); the preview says so and the posting file marks the lines «MANGLER KONTERING»."""

    buyer: Organisation
    lines: int
    paragraphs: tuple[str, ...]  # the offers' paragraphs without a code, e.g. "BL § 32"


@dataclass
class SettlementPlan:
    seller: Organisation
    year: int
    month: int
    issue_date: date
    due_date: date
    payment_terms: str
    invoices: list[PlannedInvoice]
    credits: list[PlannedCredit]
    existing_run: SettlementRun | None = None
    problems: list[str] = field(default_factory=list)
    missing_tariffs: list[MissingTariff] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. rules carried on past their agreement's years
    awaiting_consent: list[Placement] = field(default_factory=list)  # not charged until the payer accepts
    held: list[HeldInvoice] = field(default_factory=list)  # buyers without e-invoice data: their invoice waits
    missing_accounts: list[MissingAccount] = field(default_factory=list)  # lines without a kontostreng, by buyer
    runs_seen: tuple[int, ...] = ()  # the seller's runs the plan was read against (corrections depend on them)

    @property
    def total_ore(self) -> int:
        return sum(i.total_ore for i in self.invoices) - sum(c.total_ore for c in self.credits)

    def texts_read(self) -> None:
        """Read the texts of every invoice's lines at once (one query each for the names, account codes and
        paragraphs), for a page or an answer that shows them all, and before the lines are written."""
        if self.invoices:
            self.invoices[0].texts.frame  # read (and kept) for all the invoices

    @property
    def blocking(self) -> list[str]:
        """Everything that stops the run: missing tariffs first, then what the e-invoices lack."""
        return [f"Ingen takst: {item.message_da}" for item in self.missing_tariffs] + self.problems


LINE_KEY = ("period_from", "period_to", "quantity", "rate_ore", "amount_ore")  # what the recomputation compares
CORRECTION_KEY = ("seller_id", "placement_id", "service_id")  # a placement's service at one seller


def _accounts(buyer_ids: set[int]) -> dict[tuple[int | None, int], str]:
    accounts = {(row.buyer_id, row.paragraph_id): row.account_code
                for row in AccountMapping.objects.filter(buyer__isnull=True)}
    for chunk in id_lists(buyer_ids):
        accounts.update({(row.buyer_id, row.paragraph_id): row.account_code
                         for row in AccountMapping.objects.filter(buyer_id__in=chunk)})
    return accounts


def _offer_paragraphs(offer_ids: Collection[int]) -> dict[int, list[int]]:
    """Each offer's legal paragraphs, by code: the first with an account code gives the line's account."""
    through = Offer.paragraphs.through
    coded = defaultdict(list)
    for chunk in id_lists(offer_ids):
        for offer_id, paragraph_id, code in through.objects.filter(offer_id__in=chunk).values_list(
                "offer_id", "legalparagraph_id", "legalparagraph__code"):
            coded[offer_id].append((code, paragraph_id))
    return {offer_id: [paragraph_id for _, paragraph_id in sorted(pairs, key=lambda pair: pair[0])]
            for offer_id, pairs in coded.items()}


def _account_code(accounts: dict, buyer_id: int, paragraph_ids: Collection[int]) -> str:
    for paragraph_id in paragraph_ids:
        code = accounts.get((buyer_id, paragraph_id)) or accounts.get((None, paragraph_id))
        if code:
            return code
    return ""


def line_accounts(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The account code (kontostreng) of each (buyer, offer): for the first of the offer's paragraphs (by code) that
    has one, the buyer's own code or else the default; "" where none has. What an invoice line is issued with, what
    the preview checks before issuing, and what the posting file falls back on for a line issued without one."""
    pairs = set(pairs)
    accounts = _accounts({buyer_id for buyer_id, _ in pairs})
    paragraphs = _offer_paragraphs({offer_id for _, offer_id in pairs})
    by_set: dict[tuple[int, tuple[int, ...]], str] = {}  # offers share a few sets of paragraphs: once per set
    codes = {}
    for buyer_id, offer_id in pairs:
        key = (buyer_id, tuple(paragraphs.get(offer_id, ())))
        if key not in by_set:
            by_set[key] = _account_code(accounts, buyer_id, key[1])
        codes[(buyer_id, offer_id)] = by_set[key]
    return codes


def _texts(values: pl.Series, text) -> pl.Expr:
    """A column's distinct values put through `text` once each (a few thousand rates, not 100,000 lines)."""
    distinct = values.unique().to_list()
    return pl.col(values.name).replace_strict(dict(zip(distinct, map(text, distinct), strict=True)),
                                              return_dtype=pl.String)


def _description() -> pl.Expr:
    """The line's text, as «Placering R, ydelse, 01.10–31.10.2026: 31 dage à 1.234,50 kr.» (+ provisional, late)."""
    quantity = pl.col("quantity")
    amount = (pl.when(pl.col("unit") == "hour")
              .then(pl.format("{}:{} timer", quantity // 60, (quantity % 60).cast(pl.String).str.zfill(2)))
              .when(pl.col("basis") == "month").then(pl.lit("hel måned"))
              .otherwise(pl.format("{} dage", quantity)))
    period = pl.format("{}–{}", pl.col("period_from").dt.strftime("%d.%m"),
                       (pl.col("period_to") - pl.duration(days=1)).dt.strftime("%d.%m.%Y"))
    text = pl.format("Placering {}, {}, {}: {} à {}", pl.col("reference"), pl.col("name"), period, amount,
                     pl.col("rate_text"))
    return pl.concat_str(
        text, pl.when(pl.col("provisional")).then(pl.lit(" (foreløbig takst)")).otherwise(pl.lit("")),
        pl.when(pl.col("late_days") > 0)
        .then(pl.format("; {} dage ydet for mere end 12 måneder siden", pl.col("late_days"))).otherwise(pl.lit("")),
    )


def settlement_plan(*, actor: Actor, seller: Organisation, year: int, month: int,
                    issue_date: date) -> SettlementPlan:
    """What issuing the month would write; nothing is saved. Charges with a day without tariff are left out and
    listed in `missing_tariffs` (the run refuses to issue while any is missing)."""
    return settlement_plans(actor=actor, sellers=[seller], year=year, month=month, issue_date=issue_date)[0]


@dataclass
class _Shared:
    """What the plans of many sellers read once: the extract, the planned lines of all of them (columns), the lines
    to credit, and the register data the invoices name."""

    inputs: _Inputs
    month_lines: dict[tuple[int, int], MonthLines]
    planned: dict[int, dict[int, PlannedInvoice]]  # by seller and buyer: the invoice's planned lines
    to_credit: dict[int, list[int]]  # by seller: the issued lines to credit, in the order they credit
    credited: dict[int, InvoiceLine]  # those lines, with their invoice and buyer
    buyers: dict[int, Organisation]
    with_payment_account: set[int]
    awaiting: dict[int, list[Placement]]
    rules: dict[int, RulesInForce]  # by seller: the rules of its region in the month
    closed_tariffs: list[Tariff]  # the plans' tariffs without an open basis, where the rules require one
    missing_accounts: dict[tuple[int, int], MissingAccount]  # by seller and buyer: lines without an account code


def settlement_plans(*, actor: Actor, sellers: list[Organisation], year: int, month: int,
                     issue_date: date) -> list[SettlementPlan]:
    """Each seller's plan, in the order given, from one extraction and one engine run per month for all of them.

    The plan of a seller is the same whether it is planned alone or with others: its months (the month and the
    months already run, for corrections) are its own, and missing tariffs are looked up per seller.
    """
    for seller in sellers:
        if not can_run_settlement(actor, seller_id=seller.pk):
            raise NotAllowed("Kun sælgerens økonomimedarbejdere kan afregne dens pladser.")
    if not 1 <= month <= 12:
        raise DomainError(f"Måneden {month} findes ikke (1–12).", field="month")
    if not sellers:
        return []
    seller_ids = [seller.pk for seller in sellers]
    existing: dict[int, SettlementRun] = {}
    runs: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for chunk in id_lists(seller_ids):
        existing.update({run.seller_id: run for run in SettlementRun.objects.filter(
            seller_id__in=chunk, year=year, month=month)})
        for pk, seller_id, run_year, run_month in SettlementRun.objects.filter(seller_id__in=chunk).values_list(
                "pk", "seller_id", "year", "month"):
            runs[seller_id].append((run_year, run_month, pk))
    months_of: dict[int, list[tuple[int, int]]] = {}
    for seller_id in seller_ids:
        months = [(year, month)]
        if runs[seller_id]:
            first_run = min(runs[seller_id])[:2]
            for back in range(1, CORRECTION_MONTHS + 1):
                earlier = month_add(year, month, -back)
                if earlier < first_run:
                    break
                months.append(earlier)
        months_of[seller_id] = months
    oldest = min(min(months) for months in months_of.values())
    inputs = settlement_inputs(seller=None, seller_ids=seller_ids, first_day=month_start(*oldest),
                               last_day=month_start(*month_add(year, month, 1)))
    rules, by_region = {}, {}
    for seller in sellers:  # payment terms and claim limit of the month, by the rules of the seller's region
        if seller.region_id not in by_region:
            by_region[seller.region_id] = rules_in_force(region=seller.region_id, on=month_start(year, month))
        rules[seller.pk] = by_region[seller.region_id]
    shared = _shared_read(inputs, sellers, months_of, existing, rules, year=year, month=month, issue_date=issue_date)
    return [_plan_of(seller, shared, months_of[seller.pk], existing.get(seller.pk),
                     runs_seen=tuple(sorted(pk for *_, pk in runs[seller.pk])), year=year, month=month,
                     issue_date=issue_date)
            for seller in sellers]


# An issued line as the corrections compare it (lookup: type), and the columns' names.
ISSUED_SCHEMA = {"invoice__seller_id": pl.Int64, "placement_id": pl.Int64, "service_id": pl.Int64, "pk": pl.Int64,
                 "period_from": pl.Date, "period_to": pl.Date, "quantity": pl.Int64, "rate_ore": pl.Int64,
                 "amount_ore": pl.Int64}
ISSUED_COLUMNS = {"invoice__seller_id": "seller_id"}


def _shared_read(inputs: _Inputs, sellers: list[Organisation], months_of: dict[int, list[tuple[int, int]]],
                 existing: dict[int, SettlementRun], rules: dict[int, RulesInForce], *, year: int, month: int,
                 issue_date: date) -> _Shared:
    needing: dict[tuple[int, int], set[int]] = defaultdict(set)  # month → the sellers that recompute it
    for seller_id, months in months_of.items():
        if seller_id not in existing:
            needing[months[0]].add(seller_id)
        for earlier in months[1:]:
            needing[earlier].add(seller_id)
    month_lines = {key: _lines_for_month(inputs, *key, sellers=ids) for key, ids in needing.items()}
    index = year * 12 + month - 1
    parts = []
    if (year, month) in month_lines:
        parts.append(month_lines[(year, month)].lines.with_columns(back=pl.lit(0), is_correction=pl.lit(False)))
    credit_parts = []
    for key, ids in needing.items():
        if key == (year, month):
            continue  # the month itself has no invoice yet (an issued month is not recomputed as itself)
        start, end = month_start(*key), month_start(*month_add(*key, 1))
        issued = pl.concat([_columns_read(
            InvoiceLine.objects.filter(invoice__seller_id__in=chunk, invoice__kind=InvoiceKind.INVOICE,
                                       period_from__gte=start, period_from__lt=end, credited_by__isnull=True,
                                       placement__isnull=False)  # a fixed charge is invoiced once, never again
            # the lines' own order within a placement's service (InvoiceLine.Meta.ordering), without joining the
            # placements for their order: the credit notes credit them in this order
            .order_by("-invoice__issue_date", "invoice__number", "period_from", "pk")
            .values_list(*ISSUED_SCHEMA), ISSUED_SCHEMA) for chunk in id_lists(ids)]
        ).rename(ISSUED_COLUMNS).with_row_index("_order")
        target = month_lines[key].lines
        lacking = pl.DataFrame([(seller_id, item.service.pk) for seller_id, items in month_lines[key].missing.items()
                                for item in items], schema={"seller_id": pl.Int64, "service_id": pl.Int64},
                               orient="row")
        if lacking.height:  # a day of the month has no tariff: nothing of that service is credited until it has
            target = target.join(lacking, on=["seller_id", "service_id"], how="anti", maintain_order="left")
            issued = issued.join(lacking, on=["seller_id", "service_id"], how="anti", maintain_order="left")
        # A placement's service differs when its lines differ as a multiset (each distinct line with its count).
        compared = [*CORRECTION_KEY, *LINE_KEY, "len"]
        counted_target = target.group_by([*CORRECTION_KEY, *LINE_KEY]).len()
        counted_issued = issued.group_by([*CORRECTION_KEY, *LINE_KEY]).len()
        changed = pl.concat([
            counted_target.join(counted_issued, on=compared, how="anti").select(CORRECTION_KEY),
            counted_issued.join(counted_target, on=compared, how="anti").select(CORRECTION_KEY),
        ]).unique()
        back = index - (key[0] * 12 + key[1] - 1)
        parts.append(target.join(changed, on=CORRECTION_KEY, how="semi", maintain_order="left")
                     .with_columns(back=pl.lit(back), is_correction=pl.lit(True)))
        credit_parts.append(issued.join(changed, on=CORRECTION_KEY, how="semi", maintain_order="left")
                            .select("seller_id", "placement_id", "service_id", "pk", "_order")
                            .with_columns(back=pl.lit(back)))
    planned = pl.concat(parts) if parts else pl.DataFrame(
        schema={**LINE_SCHEMA, "back": pl.Int32, "is_correction": pl.Boolean})
    planned = _planned_columns(inputs, planned.with_columns(pl.col("back").cast(pl.Int64)), rules, issue_date)
    fixed = _fixed_lines([seller_id for seller_id in months_of if seller_id not in existing], year=year, month=month)
    if fixed.height:  # each buyer's fixed charges after its placements' lines, on the same invoice
        planned = pl.concat([planned, fixed]).sort("seller_id", "buyer_id", maintain_order=True)
    to_credit = defaultdict(list)
    if credit_parts:
        for seller_id, pk in pl.concat(credit_parts).sort(
                "seller_id", "back", "placement_id", "service_id", "_order").select("seller_id", "pk").iter_rows():
            to_credit[seller_id].append(pk)
    credited = {}
    for chunk in chunks(pk for pks in to_credit.values() for pk in pks):
        credited.update(InvoiceLine.objects.select_related("invoice__buyer").in_bulk(chunk))
    buyer_ids = set(planned.get_column("buyer_id").unique().to_list())
    buyers = {}
    for chunk in chunks(buyer_ids):
        buyers.update(Organisation.objects.in_bulk(chunk))
    seller_ids = [seller.pk for seller in sellers]
    with_account = set()
    for chunk in id_lists(seller_ids):
        with_account.update(PaymentAccount.objects.filter(organisation_id__in=chunk)
                            .values_list("organisation_id", flat=True))
    awaiting = defaultdict(list)
    for placement in placements_awaiting_consent(seller_ids=seller_ids, first_day=month_start(year, month),
                                                 last_day=month_start(*month_add(year, month, 1))):
        awaiting[placement.offer.operator_id].append(placement)
    # The lines are in invoice order (by seller and buyer), so each invoice's lines are a slice of them.
    by_seller, offset = defaultdict(dict), 0
    texts = _LineTexts(planned)
    for seller_id, buyer_id, total_ore, late_lines, corrections, provisional, count in planned.group_by(
            "seller_id", "buyer_id", maintain_order=True).agg(
            pl.col("amount_ore").sum(), (pl.col("late_days") > 0).sum(), pl.col("is_correction").sum(),
            pl.col("provisional").sum(), pl.len()).iter_rows():
        by_seller[seller_id][buyer_id] = PlannedInvoice(
            buyer=buyers[buyer_id], core=planned.slice(offset, count), total_ore=total_ore,
            has_late_claims=late_lines > 0, texts=texts, offset=offset, corrections=corrections,
            provisional_lines=provisional, late_lines=late_lines)
        offset += count
    open_required = sorted(seller_id for seller_id, rule in rules.items()
                           if rule.rulebook.tariffs.open_tariff_list_required.value)
    closed_tariffs = _closed_tariffs(
        planned.filter(pl.col("seller_id").is_in(open_required)).get_column("tariff_id").drop_nulls().unique()
        .to_list()) if open_required else []
    return _Shared(
        inputs=inputs, month_lines=month_lines, planned=by_seller,
        to_credit=to_credit, credited=credited, buyers=buyers, with_payment_account=with_account,
        awaiting=awaiting, rules=rules, closed_tariffs=closed_tariffs,
        missing_accounts=_missing_accounts(planned, buyers),
    )


def _missing_accounts(planned: pl.DataFrame, buyers: dict[int, Organisation]
                      ) -> dict[tuple[int, int], MissingAccount]:
    """The planned lines that would get no account code, counted by seller and buyer with the paragraphs that lack
    one: read per (buyer, offer), not per line, before anything is issued."""
    counted = planned.group_by("seller_id", "buyer_id", "offer_id").len()
    codes = line_accounts(counted.select("buyer_id", "offer_id").iter_rows())
    lacking = [(seller_id, buyer_id, offer_id, count) for seller_id, buyer_id, offer_id, count in counted.iter_rows()
               if not codes[(buyer_id, offer_id)]]
    if not lacking:
        return {}
    paragraphs = _offer_paragraphs({offer_id for _, _, offer_id, _ in lacking})
    labels = {p.pk: p.label for p in LegalParagraph.objects.filter(
        pk__in={pk for ids in paragraphs.values() for pk in ids})}
    lines: dict[tuple[int, int], int] = defaultdict(int)
    named: dict[tuple[int, int], set[str]] = defaultdict(set)
    for seller_id, buyer_id, offer_id, count in lacking:
        lines[(seller_id, buyer_id)] += count
        named[(seller_id, buyer_id)].update([labels[pk] for pk in paragraphs.get(offer_id, ())] or ["intet lovgrundlag"])
    return {key: MissingAccount(buyer=buyers[key[1]], lines=count, paragraphs=tuple(sorted(named[key])))
            for key, count in lines.items()}


def _missing_accounts_da(missing: list[MissingAccount]) -> str:
    count = sum(item.lines for item in missing)
    buyers = "; ".join(f"{item.buyer}: {_count_da(item.lines)} {'linje' if item.lines == 1 else 'linjer'} "
                       f"({', '.join(item.paragraphs)})" for item in missing[:10])
    more = f" og {len(missing) - 10} købere mere" if len(missing) > 10 else ""
    return (f"Mangler kontering: {_count_da(count)} {'linje' if count == 1 else 'linjer'} har ingen kontostreng for "
            f"betalingskommunen, fordi hverken den selv eller standarden har en for lovgrundlaget — {buyers}{more}. "
            "Fakturaerne kan udstedes, men linjerne står som «MANGLER KONTERING» i konteringsfilen, til "
            "betalingskommunens økonomimedarbejdere har sat kontostrengen under Afregning → Fakturaer → "
            "Kontostrenge.")


def _count_da(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _planned_columns(inputs: _Inputs, planned: pl.DataFrame, rules: dict[int, RulesInForce],
                     issue_date: date) -> pl.DataFrame:
    """The planned lines of all sellers with what an invoice line carries besides the engine's columns: the
    placement's reference, the account code, the part before the claim limit, the provisional mark and the text;
    sorted in invoice order (seller, buyer; the month's own lines, then the corrections month by month back, each
    by placement, service and period)."""
    planned = planned.with_row_index("_line").join(inputs.placements, on="placement_id", how="left",
                                                   maintain_order="left")
    # the span that prices the line's first day: provisional or not, and the tariff it comes from
    priced = (planned.select("_line", "service_id", "period_from").join(inputs.span_frame, on="service_id")
              .filter((pl.col("valid_from") <= pl.col("period_from")) & (pl.col("period_from") < pl.col("valid_to")))
              .unique("_line").select("_line", "provisional", "tariff_id"))
    limits = pl.DataFrame(
        [(seller_id, months_before(issue_date, rule.rulebook.payment.claim_limit_months.value))
         for seller_id, rule in rules.items()], schema={"seller_id": pl.Int64, "claim_limit": pl.Date}, orient="row")
    planned = (
        planned.join(priced, on="_line", how="left", maintain_order="left")
        .join(limits, on="seller_id", how="left", maintain_order="left")
        .with_columns(pl.col("provisional").fill_null(False))
    )
    # Days before the claim limit are few (corrections of old months): their part is the engine's own function.
    late = planned.filter(pl.col("period_from") < pl.col("claim_limit"))
    late_rows = []
    if late.height:
        hours = defaultdict(list)
        for record in inputs.hours.iter_rows():
            hours[(record[0], record[1])].append(HoursRecord(*record))
        for row in late.select("_line", *LINE_SCHEMA, "claim_limit").iter_rows():
            line, claim_limit = SettlementLine(*row[1:-1]), row[-1]
            late_rows.append((row[0], *line_late_part(line=line, claim_limit=claim_limit,
                                                      late_minutes=_late_minutes(hours, line, claim_limit))))
    planned = planned.join(
        pl.DataFrame(late_rows, schema={"_line": pl.UInt32, "late_days": pl.Int64, "late_amount_ore": pl.Int64},
                     orient="row"), on="_line", how="left", maintain_order="left",
    ).with_columns(pl.col("late_days").fill_null(0), pl.col("late_amount_ore").fill_null(0),
                   charge_id=pl.lit(None, dtype=pl.Int64), charge_text=pl.lit(None, dtype=pl.String))
    return (planned.sort("seller_id", "buyer_id", "back", "placement_id", "service_id", "period_from",
                         maintain_order=True)
            .select(CORE_COLUMNS))


FIXED_FIELDS = ("seller_id", "buyer_id", "offer_id", "period_from", "period_to", "amount_ore", "pk", "description")


def _fixed_lines(seller_ids: list[int], *, year: int, month: int) -> pl.DataFrame:
    """The sellers' fixed charges due by the month and not yet invoiced, as planned lines (CORE_COLUMNS), in invoice
    order. A run invoices every such charge, also one due in a month whose run has passed (a charge made after)."""
    rows = []
    for chunk in id_lists(seller_ids):
        rows += FixedCharge.objects.filter(
            Q(year__lt=year) | Q(year=year, month__lte=month), seller_id__in=chunk, invoice_line__isnull=True,
        ).order_by("seller_id", "buyer_id", "period_from", "pk").values_list(*FIXED_FIELDS)
    frame = pl.DataFrame(rows, orient="row", schema={
        "seller_id": pl.Int64, "buyer_id": pl.Int64, "offer_id": pl.Int64, "period_from": pl.Date,
        "period_to": pl.Date, "amount_ore": pl.Int64, "charge_id": pl.Int64, "charge_text": pl.String})
    return frame.with_columns(
        placement_id=pl.lit(None, dtype=pl.Int64), service_id=pl.lit(None, dtype=pl.Int64),
        unit=pl.lit(FIXED_UNIT), quantity=pl.lit(1, dtype=pl.Int64), rate_ore=pl.col("amount_ore"),
        basis=pl.lit(FIXED_UNIT), reference=pl.lit(""), is_correction=pl.lit(False),
        late_days=pl.lit(0, dtype=pl.Int64), late_amount_ore=pl.lit(0, dtype=pl.Int64), provisional=pl.lit(False),
        tariff_id=pl.lit(None, dtype=pl.Int64),
    ).select(CORE_COLUMNS)


def _texts_columns(planned: pl.DataFrame) -> pl.DataFrame:
    """The planned lines (`_planned_columns`) with their account code (by the buyer and the offer's paragraphs) and
    their text (`_description`), in the same order."""
    services = planned.get_column("service_id").drop_nulls().unique().to_list()  # a fixed charge has none
    names = {}
    for chunk in id_lists(services):
        names.update(Service.objects.filter(pk__in=chunk).values_list("pk", "name"))
    codes = line_accounts(planned.select("buyer_id", "offer_id").unique().iter_rows())
    planned = planned.join(
        pl.DataFrame([(*pair, code) for pair, code in codes.items()],
                     schema={"buyer_id": pl.Int64, "offer_id": pl.Int64, "account_code": pl.String}, orient="row"),
        on=["buyer_id", "offer_id"], how="left", maintain_order="left",
    ).with_columns(name=pl.col("service_id").replace_strict(names, default="", return_dtype=pl.String),
                   rate_text=_texts(planned.get_column("rate_ore"), format_kr))
    return planned.with_columns(description=pl.coalesce(pl.col("charge_text"), _description()))


def _late_minutes(hours: dict[tuple[int, int], list[HoursRecord]], line: SettlementLine, claim_limit: date) -> int:
    if line.unit != "hour" or line.period_from >= claim_limit:
        return 0
    return sum(record.minutes for record in hours.get((line.placement_id, line.service_id), [])
               if line.period_from <= record.day < min(line.period_to, claim_limit))


def _plan_of(seller: Organisation, shared: _Shared, months: list[tuple[int, int]], existing: SettlementRun | None,
             *, runs_seen: tuple[int, ...], year: int, month: int, issue_date: date) -> SettlementPlan:
    """One seller's plan from what all the sellers' plans share."""
    rules = shared.rules[seller.pk]
    payment = rules.rulebook.payment
    due_days = payment.due_days_max.value
    timing = "forud" if payment.timing.value == "in_advance" else "bagud"
    invoicing = INVOICING_DA[payment.invoicing.value]
    missing: list[MissingTariff] = []
    if existing is None:
        missing += shared.month_lines[(year, month)].missing.get(seller.pk, [])
    for earlier in months[1:]:
        missing += shared.month_lines[earlier].missing.get(seller.pk, [])
    invoices = dict(sorted(shared.planned.get(seller.pk, {}).items()))
    credits: dict[int, PlannedCredit] = {}
    for pk in shared.to_credit.get(seller.pk, []):
        old = shared.credited[pk]
        credits.setdefault(old.invoice_id, PlannedCredit(invoice=old.invoice)).lines.append(old)
    problems = _seller_missing_for_einvoice(seller, has_payment_account=seller.pk in shared.with_payment_account)
    held = _hold_buyers_without_data(invoices, credits)
    warnings = [rules.warning_da] if rules.warning_da else []
    warnings += [_held_da(h) for h in held]
    awaiting = shared.awaiting.get(seller.pk, [])
    if awaiting:
        warnings.append(_awaiting_consent_da(awaiting))
    missing_accounts = sorted((shared.missing_accounts[(seller.pk, buyer_id)] for buyer_id in invoices
                               if (seller.pk, buyer_id) in shared.missing_accounts), key=lambda m: m.buyer.name)
    if missing_accounts:
        warnings.append(_missing_accounts_da(missing_accounts))
    if rules.rulebook.tariffs.open_tariff_list_required.value:
        warnings += _without_open_basis({tariff_id for planned in invoices.values()
                                         for tariff_id in planned.core.get_column("tariff_id").to_list()
                                         if tariff_id is not None}, shared.closed_tariffs)
    return SettlementPlan(
        seller=seller, year=year, month=month, issue_date=issue_date,
        due_date=issue_date + timedelta(days=due_days),
        payment_terms=f"Netto {due_days} dage efter modtagelse; {invoicing} afregning {timing}.",
        invoices=sorted(invoices.values(), key=lambda i: i.buyer.name),
        credits=sorted(credits.values(), key=lambda c: c.invoice.number), existing_run=existing, problems=problems,
        missing_tariffs=_distinct_missing(missing), warnings=warnings, awaiting_consent=awaiting, held=held,
        missing_accounts=missing_accounts, runs_seen=runs_seen,
    )


def _hold_buyers_without_data(invoices: dict[int, PlannedInvoice], credits: dict[int, PlannedCredit]
                              ) -> list[HeldInvoice]:
    """Take out the invoices and credit notes of buyers that lack what an e-invoice needs: only their documents wait;
    the seller's other buyers are invoiced. (Before issue 11 one such buyer stopped the seller's whole month.)"""
    buyers = {planned.buyer.pk: planned.buyer for planned in invoices.values()}
    buyers.update({credit.invoice.buyer_id: credit.invoice.buyer for credit in credits.values()})
    held = []
    for buyer_id, buyer in sorted(buyers.items(), key=lambda item: item[1].name):
        reasons = _buyer_missing_for_einvoice(buyer)
        if not reasons:
            continue
        held.append(HeldInvoice(
            buyer=buyer, reasons=reasons, invoice=invoices.pop(buyer_id, None),
            credits=[credits.pop(key) for key in [k for k, c in credits.items() if c.invoice.buyer_id == buyer_id]],
        ))
    return held


def _held_da(held: HeldInvoice) -> str:
    return (f"Fakturaen til {held.buyer} ({format_kr(held.total_ore)}) venter: {' '.join(held.reasons)} De øvrige "
            "betalingskommuner faktureres; dagene faktureres i den første kørsel, efter at oplysningerne er "
            "registreret.")


def _awaiting_consent_da(awaiting: list[Placement]) -> str:
    """The placements of the month that are not charged because the paying municipality has not accepted yet; they
    hold no place and do not stop the run. Named by reference and the municipalities, never the citizen."""
    names = "; ".join(f"{p.reference} ({p.offer.name}, fra {p.start_date:%d.%m.%Y}; {p.acting_municipality} køber, "
                      f"{p.paying_municipality} betaler)" for p in awaiting[:20])
    more = f" og {len(awaiting) - 20} flere" if len(awaiting) > 20 else ""
    count = "1 placering venter" if len(awaiting) == 1 else f"{len(awaiting)} placeringer venter"
    return (f"{count} på betalingskommunens accept og afregnes ikke, før den er givet: {names}{more}. Accepteres "
            "de senere, kommer dagene med i den næste afregning.")


def _closed_tariffs(tariff_ids: Collection[int]) -> list[Tariff]:
    """Those of the tariffs that show no basis of calculation in the system (neither calculated from a budget nor
    provisional from one), by offer and service name: read once for all the sellers whose rules require it."""
    if not tariff_ids:
        return []
    closed = (Tariff.objects.filter(calculation__isnull=True).exclude(origin=TariffOrigin.PROVISIONAL)
              .select_related("service__offer").order_by("service__offer__name", "service__name"))
    if connection.vendor == "postgresql":  # one query, so the names come in the database's collation
        return list(closed.filter(pk__in=list(tariff_ids)))
    found = [tariff for chunk in id_lists(tariff_ids) for tariff in closed.filter(pk__in=chunk)]
    return sorted(found, key=lambda t: (t.service.offer.name, t.service.name))  # SQLite's order: by code point


def _without_open_basis(tariff_ids: set[int], closed_tariffs: list[Tariff]) -> list[str]:
    """Where the rules settle "alene ud fra en takstoversigt, der er baseret på et åbent og gennemsigtigt
    beregningsgrundlag" (Sjælland 2025–26): the tariffs priced here (`tariff_ids`, the year's tariff each line's
    first day is priced from) that show no basis of calculation in the system (`closed_tariffs`), named so the
    operator can calculate them."""
    closed = [tariff for tariff in closed_tariffs if tariff.pk in tariff_ids]
    if not closed:
        return []
    names = ", ".join(f"«{t.service.name}» ({t.service.offer.name}, {t.year})" for t in closed[:10])
    more = f" og {len(closed) - 10} flere" if len(closed) > 10 else ""
    return [f"Regelbogen kræver afregning alene efter en åben takstoversigt: {len(closed)} takster i kørslen har "
            f"intet beregningsgrundlag i systemet: {names}{more}. Driftsherren beregner dem fra budgettet."]


def _distinct_missing(missing: list[MissingTariff]) -> list[MissingTariff]:
    """One entry per service and year, the earliest first day."""
    by_key: dict[tuple[int, int], MissingTariff] = {}
    for item in missing:
        key = (item.service.pk, item.year)
        if key not in by_key or item.first_day < by_key[key].first_day:
            by_key[key] = item
    return sorted(by_key.values(), key=lambda item: (item.service.offer.name, item.service.name, item.year))


def _seller_missing_for_einvoice(seller: Organisation, *, has_payment_account: bool) -> list[str]:
    """What the seller's OIOUBL documents need and the register lacks; the run stops on any of it."""
    problems = []
    if not seller.ean:
        problems.append(f"{seller} (sælger) har intet EAN-nummer.")
    if not seller.cvr:
        problems.append(f"{seller} (sælger) har intet CVR-nummer.")
    if not (seller.address and seller.postcode and seller.city):
        problems.append(f"{seller} (sælger) mangler adresse, postnummer eller by.")
    if not has_payment_account:
        problems.append(f"{seller} (sælger) har ingen bankkonto registreret.")
    return problems


def _buyer_missing_for_einvoice(buyer: Organisation) -> list[str]:
    """What a buyer's e-invoice needs and the register lacks; only that buyer's documents wait."""
    problems = []
    if not buyer.ean:
        problems.append(f"{buyer} har intet EAN-nummer; fakturaen kan ikke sendes som e-faktura.")
    if not (buyer.address and buyer.postcode and buyer.city):
        problems.append(f"{buyer} mangler adresse, postnummer eller by.")
    return problems


@dataclass
class SettlementResult:
    run: SettlementRun
    created: bool
    invoices: list[Invoice]
    credit_notes: list[Invoice]


def _seller_lock(seller: Organisation) -> None:
    # One run per seller at a time. NO KEY UPDATE, not UPDATE: other sellers' runs that invoice this seller as
    # buyer check their foreign keys with a key-share lock on its row at commit, which UPDATE would block (two
    # sellers invoicing each other then deadlocked on PostgreSQL).
    if connection.vendor != "postgresql":  # SQLite: one writer at a time holds the whole file
        Organisation.objects.select_for_update(no_key=True).filter(pk=seller.pk).first()
        return
    with connection.cursor() as cursor:  # the same lock without building a queryset (a national run takes 395)
        cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(Organisation._meta.db_table)} WHERE id = %s "
                       "FOR NO KEY UPDATE", [seller.pk])


def _existing_result(run: SettlementRun) -> SettlementResult:
    return SettlementResult(run=run, created=False, invoices=list(run.invoices.filter(kind=InvoiceKind.INVOICE)),
                            credit_notes=list(run.invoices.filter(kind=InvoiceKind.CREDIT_NOTE)))


@transaction.atomic
def settlement_issue(*, actor: Actor, seller: Organisation, year: int, month: int,
                     issue_date: date) -> SettlementResult:
    """Issue the month: one invoice per buyer (with any corrections) and one credit note per credited invoice.

    Idempotent: a month already issued returns its run and writes nothing. A buyer without EAN or address gets
    nothing this time (its days follow in the next run); all or nothing otherwise: the seller's missing EAN or a
    day without a tariff stops the whole run with a Danish message.
    """
    _seller_lock(seller)
    existing = SettlementRun.objects.filter(seller=seller, year=year, month=month).first()
    if existing is not None:
        if not can_run_settlement(actor, seller_id=seller.pk):
            raise NotAllowed("Kun sælgerens økonomimedarbejdere kan afregne dens pladser.")
        return _existing_result(existing)
    plan = settlement_plan(actor=actor, seller=seller, year=year, month=month, issue_date=issue_date)
    return _plan_write(actor, plan)


def settlement_issue_all(*, actor: Actor, sellers: list[Organisation], year: int, month: int,
                         issue_date: date) -> list[SettlementResult | DomainError]:
    """Issue the month for many sellers at once: each seller's result (or the DomainError that stopped its run), in
    the order given. Each seller's run is its own transaction, all or nothing, under its seller lock, exactly as
    `settlement_issue`; what differs is that the plans of all sellers are read first, from one extraction.

    Reading before the lock is safe: runs are only written under the seller lock, so a seller whose runs are
    still the ones its plan was read against (`runs_seen`) gets the same plan under the lock as before it, apart
    from placements changed in between, which a run committed a moment earlier would not have seen either (the
    next run's corrections settle them). A seller whose runs changed is planned again under its lock.
    """
    for seller in sellers:
        if not can_run_settlement(actor, seller_id=seller.pk):
            raise NotAllowed("Kun sælgerens økonomimedarbejdere kan afregne dens pladser.")
    issued = {}
    for chunk in id_lists([seller.pk for seller in sellers]):
        issued.update({run.seller_id: run for run in SettlementRun.objects.filter(
            seller_id__in=chunk, year=year, month=month)})
    if issued:
        existing_invoices = defaultdict(list)
        for invoice in Invoice.objects.filter(run__in=list(issued.values())):
            existing_invoices[invoice.run_id].append(invoice)
    pending = [seller for seller in sellers if seller.pk not in issued]
    plans: dict[int, SettlementPlan | DomainError] = {}
    try:
        plans.update((plan.seller.pk, plan) for plan in settlement_plans(
            actor=actor, sellers=pending, year=year, month=month, issue_date=issue_date))
    except DomainError:  # input the engine refuses: plan each seller alone, so that only its own run stops
        for seller in pending:
            try:
                plans[seller.pk] = settlement_plan(actor=actor, seller=seller, year=year, month=month,
                                                   issue_date=issue_date)
            except DomainError as error:
                plans[seller.pk] = error
    statistics = _InvoiceStatistics()
    written = _plans_write(actor, [plans[seller.pk] for seller in sellers
                                   if seller.pk not in issued and not isinstance(plans[seller.pk], DomainError)],
                           statistics)
    statistics.finish()
    results: list[SettlementResult | DomainError] = []
    for seller in sellers:
        if seller.pk in issued:
            run = issued[seller.pk]
            invoices = existing_invoices[run.pk]
            results.append(SettlementResult(
                run=run, created=False, invoices=[i for i in invoices if i.kind == InvoiceKind.INVOICE],
                credit_notes=[i for i in invoices if i.kind == InvoiceKind.CREDIT_NOTE]))
        else:
            results.append(written.get(seller.pk, plans[seller.pk]))
    return results


class _InvoiceStatistics:
    """Keeps PostgreSQL's statistics of the invoice tables in step while a run fills them.

    Each new line's foreign key to its invoice is checked at the seller's commit by a query PostgreSQL plans once
    per connection from the table's statistics. Where `billing_invoice` was analyzed while empty (a new
    installation; a restored or freshly built database), that plan scans the whole table for every line, and a
    national month's first run spent 24–32 s of database CPU on it (an index lookup: under 1 s). So the run
    analyzes the invoice tables whenever they have grown to more than twice what the statistics say (a few times
    in a first month, never in the months after); ANALYZE makes PostgreSQL plan the check again. The check itself
    stays. Such a run analyzes the lines once at its end too, for the next run's reading of them (autovacuum
    would a minute later)."""

    def __init__(self) -> None:
        self.lock = Lock()  # the writers report to it from their threads
        self.enabled = connection.vendor == "postgresql"
        self.rows = self.known = 0
        self.analyzed = False
        if self.enabled:
            with connection.cursor() as cursor:
                cursor.execute("SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = to_regclass(%s)",
                               [Invoice._meta.db_table])
                row = cursor.fetchone()
            self.rows = self.known = int(row[0]) if row else 0

    def written(self, invoices: int) -> None:
        if not self.enabled:
            return
        with self.lock:
            self.rows += invoices
            if self.rows > 2 * self.known + 100:
                self._analyze(Invoice, SettlementRun)  # on the calling writer's connection, between its runs
                self.known = self.rows
                self.analyzed = True

    def finish(self) -> None:
        if self.enabled and self.analyzed:
            self._analyze(InvoiceLine)

    @staticmethod
    def _analyze(*models) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(connection.ops.quote_name(m._meta.db_table) for m in models)}")


def _plans_write(actor: Actor, plans: list[SettlementPlan], statistics: _InvoiceStatistics
                 ) -> dict[int, SettlementResult | DomainError]:
    """Each plan written as its seller's run, in its own transaction: the result, or the DomainError that rolled
    back that seller's run alone, by seller id.

    On PostgreSQL, outside a transaction, WRITERS connections write at once, each taking the next seller's plan
    when its last has committed: one seller's commit (where PostgreSQL checks every new line's foreign keys) then
    runs beside the next seller's writing, and the database's work spreads over two cores. Each run is still its
    own transaction under its seller lock, so the result is the same as one after the other; only the order in
    which the sellers' runs commit may differ. Inside a transaction (a test's, or a caller's) other connections
    could not see its rows, so the plans are written one after the other on this connection."""
    if connection.vendor != "postgresql" or connection.in_atomic_block or len(plans) < 2:
        return {plan.seller.pk: _plan_write_alone(actor, plan, statistics) for plan in plans}
    # The lines' texts, shared by all the plans: made here once, not by the first writer to need them.
    next((plan.texts_read() for plan in plans if plan.invoices), None)
    todo = SimpleQueue()
    for plan in plans:
        todo.put(plan)
    done: dict[int, SettlementResult | DomainError] = {}
    failed = Event()  # an error other than a DomainError: no writer takes another seller, as one after another

    def writer() -> None:
        try:
            while not failed.is_set():
                try:
                    plan = todo.get_nowait()
                except Empty:
                    return
                done[plan.seller.pk] = _plan_write_alone(actor, plan, statistics)
        except BaseException:
            failed.set()
            raise
        finally:
            connections.close_all()  # this thread's connection

    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="settlement-writer") as pool:
        for future in [pool.submit(writer) for _ in range(WRITERS)]:
            future.result()  # the error is raised here, once the other writer's run in hand has ended
    return done


def _plan_write_alone(actor: Actor, plan: SettlementPlan, statistics: _InvoiceStatistics
                      ) -> SettlementResult | DomainError:
    try:
        with transaction.atomic():
            result = _issue_planned(actor, plan.seller, plan)
    except DomainError as error:  # this seller's run is rolled back; the others go on
        return error
    if result.created:
        statistics.written(len(result.invoices) + len(result.credit_notes))
    return result


def _issue_planned(actor: Actor, seller: Organisation, plan: SettlementPlan) -> SettlementResult:
    _seller_lock(seller)
    with connection.cursor() as cursor:  # under the lock: the seller's runs now (one query per seller of a batch)
        cursor.execute(f"SELECT id FROM {connection.ops.quote_name(SettlementRun._meta.db_table)} "
                       "WHERE seller_id = %s ORDER BY id", [seller.pk])
        runs = tuple(pk for pk, in cursor.fetchall())
    if runs != plan.runs_seen:  # a run of the seller was committed since the plan was read: read it again
        existing = SettlementRun.objects.filter(seller=seller, year=plan.year, month=plan.month).first()
        if existing is not None:
            return _existing_result(existing)
        plan = settlement_plan(actor=actor, seller=seller, year=plan.year, month=plan.month,
                               issue_date=plan.issue_date)
    return _plan_write(actor, plan)


def _plan_write(actor: Actor, plan: SettlementPlan) -> SettlementResult:
    """Write the plan as the seller's run of the month, set-based: the run, its invoices and credit notes in one
    insert, their lines in another, and the audit event; the caller holds the seller lock inside a transaction."""
    seller, year, month = plan.seller, plan.year, plan.month
    if plan.missing_tariffs:
        raise DomainError(
            f"{MONTHS_DA[month - 1].capitalize()} {year} kan ikke afregnes, før alle dage har en takst. "
            + " ".join(plan.blocking), field="tariffs", code="missing_tariffs",
            message_en=f"{len(plan.missing_tariffs)} service(s) lack a tariff on charged days")
    if plan.problems:
        raise DomainError(" ".join(plan.problems), field="organisation", code="missing_party_data",
                          message_en="the seller lacks what an e-invoice needs")
    plan.texts_read()
    run = SettlementRun.objects.create(seller=seller, year=year, month=month, issue_date=plan.issue_date,
                                       issued_by_id=actor.user_id)
    prefix = f"{seller.code or f'O{seller.pk}'}-{year}{month:02d}"
    invoices = [_invoice(plan, run, kind=InvoiceKind.INVOICE, number=f"{prefix}-{number:03d}", buyer=planned.buyer,
                         total_ore=planned.total_ore, late=planned.has_late_claims)
                for number, planned in enumerate(plan.invoices, start=1)]
    credit_notes = [_invoice(plan, run, kind=InvoiceKind.CREDIT_NOTE, number=f"{prefix}-K{number:03d}",
                             buyer=credit.invoice.buyer, total_ore=credit.total_ore, credits=credit.invoice,
                             late=False)
                    for number, credit in enumerate(plan.credits, start=1)]
    _invoices_insert(invoices + credit_notes)
    credited = [
        (note.pk, old.placement_id, old.service_id, old.period_from, old.period_to, old.unit, old.basis,
         old.quantity, old.rate_ore, old.amount_ore, old.account_code, f"Kreditering: {old.description}"[:300],
         False, 0, 0, old.pk, None)
        for note, credit in zip(credit_notes, plan.credits, strict=True) for old in credit.lines
    ]
    _lines_insert(list(zip(invoices, plan.invoices, strict=True)), credited)
    audit_record(actor=actor, event_type="settlement.issued", organisation_id=seller.pk, obj=run, after={
        "year": year, "month": month, "invoices": [i.number for i in invoices],
        "credit_notes": [c.number for c in credit_notes], "total_ore": plan.total_ore,
    })
    return SettlementResult(run=run, created=True, invoices=invoices, credit_notes=credit_notes)


LINE_FIELDS = ("invoice_id", "placement_id", "service_id", "period_from", "period_to", "unit", "basis", "quantity",
               "rate_ore", "amount_ore", "account_code", "description", "late_claim", "late_days", "late_amount_ore",
               "credited_line_id", "charge_id")


# The planned columns as the invoice line's fields after its invoice (LINE_FIELDS[1:], in that order).
LINE_COLUMNS = [
    *(pl.col(name) for name in LINE_FIELDS[1:11]), pl.col("description").str.slice(0, 300),
    (pl.col("late_days") > 0).alias("late_claim"), pl.col("late_days"), pl.col("late_amount_ore"),
    pl.lit(None, dtype=pl.Int64).alias("credited_line_id"), pl.col("charge_id"),
]


def _lines_insert(new: list[tuple[Invoice, PlannedInvoice]], credited: list[tuple]) -> None:
    """The run's invoice lines (`new`: each invoice of one plan with its planned lines) and credit note lines
    (`credited`: rows in the order of LINE_FIELDS): on PostgreSQL by COPY of CSV that polars writes from the
    columns (the ORM's INSERT of a national month's 98,000 lines took most of the run; a Python string per line a
    tenth of one seller's issue); bulk_create on SQLite."""
    if connection.vendor != "postgresql":
        rows = [(invoice.pk, *row) for invoice, planned in new
                for row in planned.frame.select(LINE_COLUMNS).iter_rows()]
        InvoiceLine.objects.bulk_create([InvoiceLine(**dict(zip(LINE_FIELDS, row, strict=True)))
                                         for row in rows + credited], batch_size=LINE_BATCH)
        return
    if any(planned.line_count for _, planned in new):
        # A plan's invoices are one block of the shared columns (its seller's lines, by buyer), less the buyers held
        # back: the block joined to each buyer's new invoice id, in the invoices' order (their numbers).
        first = min(planned.offset for _, planned in new)
        end = max(planned.offset + planned.line_count for _, planned in new)
        invoice_ids = pl.DataFrame([(planned.buyer.pk, invoice.pk, number) for number, (invoice, planned)
                                    in enumerate(new)], orient="row",
                                   schema={"buyer_id": pl.Int64, "invoice_id": pl.Int64, "_number": pl.Int64})
        lines = (new[0][1].texts.frame.slice(first, end - first)
                 .join(invoice_ids, on="buyer_id", how="inner", maintain_order="left")
                 .sort("_number", maintain_order=True))
        # Texts quoted, so that an empty text stays empty and only a missing value (NULL) is left bare.
        data = lines.select(pl.col("invoice_id"), *LINE_COLUMNS).write_csv(include_header=False,
                                                                           quote_style="non_numeric")
        with connection.cursor() as cursor, \
                cursor.copy(f"{copy_statement(InvoiceLine, LINE_FIELDS)} (FORMAT csv)") as copy:
            copy.write(data)
    if credited:
        rows_insert(InvoiceLine, LINE_FIELDS, credited)


INVOICE_FIELDS = ("number", "kind", "run_id", "seller_id", "buyer_id", "issue_date", "due_date", "credits_id",
                  "total_ore", "seller_ean", "seller_cvr", "buyer_ean", "payment_terms", "has_late_claims")


def _invoices_insert(invoices: list[Invoice]) -> None:
    """The run's invoices and credit notes in one insert; their ids are set on the objects. On PostgreSQL one INSERT
    from a JSON array of rows (the ORM's bulk_create prepared 14 values per invoice in Python: a national month has
    5,300 invoices); bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        Invoice.objects.bulk_create(invoices)  # ids come back (RETURNING)
        return
    fields = [Invoice._meta.get_field(name.removesuffix("_id")) for name in INVOICE_FIELDS]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    rows = json.dumps([[getattr(invoice, field.attname) for field in fields] for invoice in invoices], default=str)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Invoice._meta.db_table)} ({columns}) SELECT "
            + ", ".join(f"(row->>{index})::{field.db_type(connection)}" for index, field in enumerate(fields))
            + " FROM jsonb_array_elements(%s::jsonb) AS row RETURNING id, number", [rows])
        ids = dict((number, pk) for pk, number in cursor.fetchall())
    for invoice in invoices:
        invoice.pk = ids[invoice.number]
        invoice._state.adding, invoice._state.db = False, connection.alias


def _invoice(plan: SettlementPlan, run: SettlementRun, *, kind: str, number: str, buyer: Organisation,
             total_ore: int, late: bool, credits: Invoice | None = None) -> Invoice:
    return Invoice(
        number=number, kind=kind, run=run, seller=plan.seller, buyer=buyer, issue_date=plan.issue_date,
        due_date=plan.due_date, credits=credits, total_ore=total_ore, seller_ean=plan.seller.ean,
        seller_cvr=plan.seller.cvr, buyer_ean=buyer.ean, payment_terms=plan.payment_terms, has_late_claims=late,
    )
