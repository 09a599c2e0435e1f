"""The monthly settlement run of one seller: preview, then issue invoices and credit notes, all or nothing.

The lines come from the pure engine (engine/settlement.py) fed with narrow extracts of placements and tariffs.
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
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property, lru_cache
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Q

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.permissions import can_run_settlement
from rammeaftale.billing.models import (
    AccountMapping,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    PaymentAccount,
    SettlementRun,
)
from rammeaftale.core.chunks import CHUNK, chunks
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.money import format_kr
from rammeaftale.engine.notice import charge_end
from rammeaftale.engine.settlement import (
    Charge,
    HoursRecord,
    SettlementInputError,
    SettlementLine,
    TariffPeriod,
    line_late_part,
    settlement_month,
)
from rammeaftale.parties.models import Organisation
from rammeaftale.placements.models import (
    CHARGED_STATUSES,
    CONSENTED,
    Placement,
    PlacementService,
    RegisteredHours,
)
from rammeaftale.placements.selectors import placements_awaiting_consent
from rammeaftale.registry.models import Offer, Service
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

LINE_BATCH = 2000  # invoice lines per INSERT (SQLite allows 32,766 parameters; a line has 16)
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


@dataclass
class _Inputs:
    charges: list[Charge]
    tariffs: list[TariffPeriod]
    spans: dict[int, list[TariffSpan]]  # the tariff timeline the periods come from, by service
    hours: list[HoursRecord]
    placements: dict[int, PlacementRef]  # every placement with a charge, by id
    charge_regions: list[int]  # the region of each charge's offer, by position in `charges`
    rules_on: date  # the day whose billing rule the charges carry (the first day of the extract)

    @property
    def placement_ids(self) -> set[int]:
        return set(self.placements)


def _engine_periods(spans: dict[int, list[TariffSpan]], units: dict[int, str]) -> list[TariffPeriod]:
    """The tariff timeline as the engine reads it: the unit's rate in its own column."""
    periods = []
    for service_id, service_spans in spans.items():
        unit = units[service_id]
        for span in service_spans:
            periods.append(TariffPeriod(
                service_id=service_id, valid_from=span.valid_from, valid_to=span.valid_to,
                daily_ore=span.amount_ore if unit == "day" else None,
                monthly_ore=span.amount_ore if unit == "month" else span.monthly_ore,
                hourly_ore=span.amount_ore if unit == "hour" else None,
            ))
    return periods


def _billing_rule(region_id: int, on: date, memo: dict) -> str:
    """How day units are billed (the rulebook's billing basis), by the rules in force on the day of service."""
    key = (region_id, on.year)
    if key not in memo:
        memo[key] = RULE_OF_BASIS[rules_in_force(region=region_id, on=on).rulebook.payment.billing_basis.value]
    return memo[key]


def settlement_inputs(*, seller: Organisation | None, first_day: date, last_day: date,
                      seller_ids: Collection[int] | None = None) -> _Inputs:
    """Every invoiceable placement service of the seller (or of the `seller_ids`; neither: of every seller) that
    meets [first_day, last_day).

    One narrow query over the bought services joined to their placements (no objects), as the batch needs. The
    charge ends where the placement's charge ends (`charge_end`, with the notice terms recorded at notice).
    """
    wanted = {seller.pk} if seller is not None else set(seller_ids) if seller_ids is not None else None
    rows = (
        PlacementService.objects.filter(placement__status__in=CHARGED_STATUSES, placement__is_internal=False,
                                        placement__payer_consent__in=CONSENTED, placement__start_date__lt=last_day)
        .filter(Q(placement__end_date__isnull=True) | Q(placement__end_date__gt=first_day))
    )
    registered = RegisteredHours.objects.filter(day__gte=first_day, day__lt=last_day)
    if wanted is not None and len(wanted) <= CHUNK:  # more sellers than that: read all, keep theirs below
        rows = rows.filter(placement__offer__operator_id__in=wanted)
        registered = registered.filter(placement_service__placement__offer__operator_id__in=wanted)
    charges, regions, units, placements = [], [], {}, {}
    rules_memo: dict = {}
    for (placement_id, service_id, valid_from, valid_to, unit, start_date, end_date, planned_end, notice_end,
         moved_out_on, notice_full_tariff, payer_id, operator_id, region_id, reference, offer_id) in rows.values_list(
            "placement_id", "service_id", "valid_from", "valid_to", "service__unit", "placement__start_date",
            "placement__end_date", "placement__planned_end", "placement__notice_end", "placement__moved_out_on",
            "placement__notice_full_tariff", "placement__paying_municipality_id", "placement__offer__operator_id",
            "placement__offer__municipality__region_id", "placement__reference",
            "placement__offer_id").iterator(chunk_size=5000):
        if wanted is not None and operator_id not in wanted:
            continue
        until = charge_end(end_date=end_date, planned_end=planned_end, notice_end=notice_end,
                           moved_out_on=moved_out_on, notice_full_tariff=notice_full_tariff)
        if until is not None and until <= first_day:
            continue
        start = max(start_date, valid_from)
        end = min((d for d in (until, valid_to) if d), default=None)
        if end is not None and end <= start:
            continue
        if placement_id not in placements:
            placements[placement_id] = PlacementRef(pk=placement_id, reference=reference, offer_id=offer_id)
        units[service_id] = unit
        rule = "monthly_pro_rata" if unit == "month" else _billing_rule(region_id, first_day, rules_memo)
        charges.append(Charge(
            placement_id=placement_id, service_id=service_id, seller_id=operator_id, buyer_id=payer_id, unit=unit,
            charge_from=start, charge_to=end, rule=rule,
        ))
        regions.append(region_id)
    hours = [
        HoursRecord(placement_id=placement_id, service_id=service_id, day=day, minutes=minutes)
        for placement_id, service_id, day, minutes in registered.values_list(
            "placement_service__placement_id", "placement_service__service_id", "day", "minutes")
        if placement_id in placements
    ]
    spans = tariff_spans(service_ids=set(units), first_day=first_day, last_day=last_day)
    return _Inputs(charges=charges, tariffs=_engine_periods(spans, units), spans=spans, hours=hours,
                   placements=placements, charge_regions=regions, rules_on=first_day)


@dataclass
class MonthLines:
    lines: list[SettlementLine]
    missing: dict[int, list[MissingTariff]]  # by seller: charges left out because a day has no tariff, and why

    @cached_property
    def by_seller(self) -> dict[int, list[SettlementLine]]:
        lines = defaultdict(list)
        for line in self.lines:
            lines[line.seller_id].append(line)
        return lines


def _lines_for_month(inputs: _Inputs, year: int, month: int, sellers: Collection[int] | None = None) -> MonthLines:
    """The month's lines of the sellers (None: all) from the engine, in one run for all of them; charges with a day
    without tariff are left out and listed instead, per seller."""
    first, after = month_start(year, month), month_start(*month_add(year, month, 1))
    charges, gaps, memo = [], defaultdict(dict), {}
    for charge, region_id in zip(inputs.charges, inputs.charge_regions, strict=True):
        if sellers is not None and charge.seller_id not in sellers:
            continue
        start, end = max(charge.charge_from, first), min(charge.charge_to or after, after)
        if start >= end:
            continue
        gap = uncovered_from(inputs.spans.get(charge.service_id, []), start, end)
        if gap is not None:
            seller_gaps = gaps[charge.seller_id]
            seller_gaps[charge.service_id] = min(seller_gaps.get(charge.service_id, gap), gap)
            continue
        if charge.unit != "month" and first.year != inputs.rules_on.year:
            rule = _billing_rule(region_id, first, memo)
            if rule != charge.rule:
                charge = replace(charge, rule=rule)
        charges.append(charge)
    missing = {}
    for seller_id, seller_gaps in gaps.items():  # per seller, as each seller's run reads them
        found = tariffs_missing(service_ids=seller_gaps, first_day=min(seller_gaps.values()), last_day=after)
        missing[seller_id] = [item for item in found if item.service.pk in seller_gaps]
    try:
        lines = settlement_month(charges=charges, tariffs=inputs.tariffs, hours=inputs.hours, year=year,
                                 month=month)
    except SettlementInputError as error:
        raise DomainError(str(error), field=error.field, code="settlement_input",
                          message_en="settlement input is incomplete (see the Danish message)") from error
    return MonthLines(lines=[line for line in lines if line.quantity or line.unit != "hour"],  # no hours: no line
                      missing=missing)


def _span_of(inputs: _Inputs, line: SettlementLine) -> TariffSpan | None:
    return next((span for span in inputs.spans.get(line.service_id, []) if span.covers(line.period_from)), None)


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

    @property
    def late_claim(self) -> bool:
        return self.late_days > 0


@dataclass
class PlannedInvoice:
    buyer: Organisation
    lines: list[PlannedLine] = field(default_factory=list)

    @property
    def total_ore(self) -> int:
        return sum(p.line.amount_ore for p in self.lines)


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
    runs_seen: tuple[int, ...] = ()  # the seller's runs the plan was read against (corrections depend on them)

    @property
    def total_ore(self) -> int:
        return sum(i.total_ore for i in self.invoices) - sum(c.total_ore for c in self.credits)

    @property
    def blocking(self) -> list[str]:
        """Everything that stops the run: missing tariffs first, then what the e-invoices lack."""
        return [f"Ingen takst: {item.message_da}" for item in self.missing_tariffs] + self.problems


def _line_key(line) -> tuple:
    return (line.period_from, line.period_to, line.quantity, line.rate_ore, line.amount_ore)


def _accounts(buyer_ids: set[int]) -> dict[tuple[int | None, int], str]:
    accounts = {(row.buyer_id, row.paragraph_id): row.account_code
                for row in AccountMapping.objects.filter(buyer__isnull=True)}
    for chunk in chunks(buyer_ids):
        accounts.update({(row.buyer_id, row.paragraph_id): row.account_code
                         for row in AccountMapping.objects.filter(buyer_id__in=chunk)})
    return accounts


def _offer_paragraphs(offer_ids: Collection[int]) -> dict[int, list[int]]:
    """Each offer's legal paragraphs, by code: the first with an account code gives the line's account."""
    through = Offer.paragraphs.through
    coded = defaultdict(list)
    for chunk in chunks(offer_ids):
        for offer_id, paragraph_id, code in through.objects.filter(offer_id__in=chunk).values_list(
                "offer_id", "legalparagraph_id", "legalparagraph__code"):
            coded[offer_id].append((code, paragraph_id))
    return {offer_id: [paragraph_id for _, paragraph_id in sorted(pairs, key=lambda pair: pair[0])]
            for offer_id, pairs in coded.items()}


def _account_code(accounts: dict, buyer_id: int, paragraph_ids: list[int]) -> str:
    for paragraph_id in paragraph_ids:
        code = accounts.get((buyer_id, paragraph_id)) or accounts.get((None, paragraph_id))
        if code:
            return code
    return ""


@lru_cache(maxsize=8192)
def _rate_text(rate_ore: int) -> str:
    return format_kr(rate_ore)


@lru_cache(maxsize=4096)
def _period_text(period_from: date, period_to: date) -> str:
    return f"{period_from:%d.%m}–{period_to - timedelta(days=1):%d.%m.%Y}"


def _description(line: SettlementLine, placement: PlacementRef, service_name: str, *, provisional: bool,
                 late_days: int) -> str:
    if line.unit == "hour":
        quantity = f"{line.quantity // 60}:{line.quantity % 60:02d} timer"
    elif line.basis == "month":
        quantity = "hel måned"
    else:
        quantity = f"{line.quantity} dage"
    text = (f"Placering {placement.reference}, {service_name}, {_period_text(line.period_from, line.period_to)}: "
            f"{quantity} à {_rate_text(line.rate_ore)}")
    if provisional:
        text += " (foreløbig takst)"
    if late_days:
        text += f"; {late_days} dage ydet for mere end 12 måneder siden"
    return text


def _late_minutes(hours: dict[tuple[int, int], list[HoursRecord]], line: SettlementLine, claim_limit: date) -> int:
    if line.unit != "hour" or line.period_from >= claim_limit:
        return 0
    return sum(record.minutes for record in hours.get((line.placement_id, line.service_id), [])
               if line.period_from <= record.day < min(line.period_to, claim_limit))


def settlement_plan(*, actor: Actor, seller: Organisation, year: int, month: int,
                    issue_date: date) -> SettlementPlan:
    """What issuing the month would write; nothing is saved. Charges with a day without tariff are left out and
    listed in `missing_tariffs` (the run refuses to issue while any is missing)."""
    return settlement_plans(actor=actor, sellers=[seller], year=year, month=month, issue_date=issue_date)[0]


class _IssuedLine(NamedTuple):
    """A line invoiced and not credited, as the recomputation compares it (`_line_key`)."""

    pk: int
    period_from: date
    period_to: date
    quantity: int
    rate_ore: int
    amount_ore: int


@dataclass
class _Shared:
    """What the plans of many sellers read once: the extract, the month's lines of all of them, the lines already
    invoiced, and the register data the invoices name."""

    inputs: _Inputs
    month_lines: dict[tuple[int, int], MonthLines]
    issued: dict[tuple[int, tuple[int, int]], dict[tuple[int, int], list[_IssuedLine]]]  # by seller and month
    hours: dict[tuple[int, int], list[HoursRecord]]
    names: dict[int, str]
    buyers: dict[int, Organisation]
    accounts: dict[tuple[int | None, int], str]
    paragraphs: dict[int, list[int]]
    with_payment_account: set[int]
    awaiting: dict[int, list[Placement]]
    rules: dict[tuple[int, date], RulesInForce]


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
    for chunk in chunks(seller_ids):
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
    shared = _shared_read(inputs, sellers, months_of, existing, year=year, month=month)
    return [_plan_of(seller, shared, months_of[seller.pk], existing.get(seller.pk),
                     runs_seen=tuple(sorted(pk for *_, pk in runs[seller.pk])), year=year, month=month,
                     issue_date=issue_date)
            for seller in sellers]


def _shared_read(inputs: _Inputs, sellers: list[Organisation], months_of: dict[int, list[tuple[int, int]]],
                 existing: dict[int, SettlementRun], *, year: int, month: int) -> _Shared:
    needing: dict[tuple[int, int], set[int]] = defaultdict(set)  # month → the sellers that recompute it
    for seller_id, months in months_of.items():
        if seller_id not in existing:
            needing[months[0]].add(seller_id)
        for earlier in months[1:]:
            needing[earlier].add(seller_id)
    month_lines = {key: _lines_for_month(inputs, *key, sellers=ids) for key, ids in needing.items()}
    issued: dict = defaultdict(lambda: defaultdict(list))
    for key, ids in needing.items():
        if key == (year, month):
            continue  # the month itself has no invoice yet (an issued month is not recomputed as itself)
        start, end = month_start(*key), month_start(*month_add(*key, 1))
        for chunk in chunks(ids):
            for seller_id, placement_id, service_id, *line in (
                    InvoiceLine.objects.filter(invoice__seller_id__in=chunk, invoice__kind=InvoiceKind.INVOICE,
                                               period_from__gte=start, period_from__lt=end, credited_by__isnull=True)
                    .values_list("invoice__seller_id", "placement_id", "service_id", "pk", "period_from", "period_to",
                                 "quantity", "rate_ore", "amount_ore")):
                issued[(seller_id, key)][(placement_id, service_id)].append(_IssuedLine(*line))
    hours = defaultdict(list)
    for record in inputs.hours:
        hours[(record.placement_id, record.service_id)].append(record)
    services = {charge.service_id for charge in inputs.charges}
    names = {}
    for chunk in chunks(services):
        names.update(Service.objects.filter(pk__in=chunk).values_list("pk", "name"))
    buyer_ids = {charge.buyer_id for charge in inputs.charges}
    buyers = {}
    for chunk in chunks(buyer_ids):
        buyers.update(Organisation.objects.in_bulk(chunk))
    seller_ids = [seller.pk for seller in sellers]
    with_account = set()
    for chunk in chunks(seller_ids):
        with_account.update(PaymentAccount.objects.filter(organisation_id__in=chunk)
                            .values_list("organisation_id", flat=True))
    awaiting = defaultdict(list)
    for placement in placements_awaiting_consent(seller_ids=seller_ids, first_day=month_start(year, month),
                                                 last_day=month_start(*month_add(year, month, 1))):
        awaiting[placement.offer.operator_id].append(placement)
    return _Shared(
        inputs=inputs, month_lines=month_lines, issued=issued, hours=hours, names=names, buyers=buyers,
        accounts=_accounts(buyer_ids),
        paragraphs=_offer_paragraphs({ref.offer_id for ref in inputs.placements.values()}),
        with_payment_account=with_account, awaiting=awaiting, rules={},
    )


def _rules(shared: _Shared, region_id: int, on: date) -> RulesInForce:
    key = (region_id, on)
    if key not in shared.rules:
        shared.rules[key] = rules_in_force(region=region_id, on=on)
    return shared.rules[key]


def _plan_of(seller: Organisation, shared: _Shared, months: list[tuple[int, int]], existing: SettlementRun | None,
             *, runs_seen: tuple[int, ...], year: int, month: int, issue_date: date) -> SettlementPlan:
    """One seller's plan from what all the sellers' plans share."""
    inputs = shared.inputs
    rules = _rules(shared, seller.region_id, month_start(year, month))  # payment terms of the month
    payment = rules.rulebook.payment
    due_days, claim_months = payment.due_days_max.value, payment.claim_limit_months.value
    timing = "forud" if payment.timing.value == "in_advance" else "bagud"
    invoicing = INVOICING_DA[payment.invoicing.value]
    claim_limit = months_before(issue_date, claim_months)
    invoices: dict[int, PlannedInvoice] = {}
    credits: dict[int, PlannedCredit] = {}
    missing: list[MissingTariff] = []
    to_credit: list[int] = []  # the issued lines whose placement and service changed, in the order they credit

    provisional_of: dict[tuple[int, date], bool] = {}  # by service and first day: priced at a provisional tariff
    account_of: dict[tuple[int, int], str] = {}  # by buyer and offer

    def plan_line(line: SettlementLine, *, correction: bool) -> None:
        placement = inputs.placements[line.placement_id]
        planned = invoices.get(line.buyer_id)
        if planned is None:
            planned = invoices[line.buyer_id] = PlannedInvoice(buyer=shared.buyers[line.buyer_id])
        provisional = provisional_of.get((line.service_id, line.period_from))
        if provisional is None:
            span = _span_of(inputs, line)
            provisional = provisional_of[(line.service_id, line.period_from)] = bool(span and span.provisional)
        account = account_of.get((line.buyer_id, placement.offer_id))
        if account is None:
            account = account_of[(line.buyer_id, placement.offer_id)] = _account_code(
                shared.accounts, line.buyer_id, shared.paragraphs.get(placement.offer_id, []))
        late_days, late_amount = line_late_part(line=line, claim_limit=claim_limit,
                                                late_minutes=_late_minutes(shared.hours, line, claim_limit))
        planned.lines.append(PlannedLine(
            line=line, placement=placement, is_correction=correction, late_days=late_days,
            late_amount_ore=late_amount, account_code=account,
            description=_description(line, placement, shared.names.get(line.service_id, ""),
                                     provisional=provisional, late_days=late_days),
            provisional=provisional,
        ))

    def seller_lines(key: tuple[int, int]) -> list[SettlementLine]:
        return shared.month_lines[key].by_seller.get(seller.pk, [])

    if existing is None:
        missing += shared.month_lines[(year, month)].missing.get(seller.pk, [])
        for line in seller_lines((year, month)):
            plan_line(line, correction=False)
    for earlier in months[1:]:
        month_missing = shared.month_lines[earlier].missing.get(seller.pk, [])
        missing += month_missing
        target = defaultdict(list)
        for line in seller_lines(earlier):
            target[(line.placement_id, line.service_id)].append(line)
        issued = shared.issued.get((seller.pk, earlier), {})
        lacking = {item.service.pk for item in month_missing}
        for key in sorted(set(target) | set(issued)):
            if key[1] in lacking:
                continue  # a day of the month has no tariff: nothing is credited until it has
            if sorted(map(_line_key, target.get(key, []))) == sorted(map(_line_key, issued.get(key, []))):
                continue
            to_credit += [old.pk for old in issued.get(key, [])]
            for line in target.get(key, []):
                plan_line(line, correction=True)
    credited = {}
    for chunk in chunks(to_credit):
        credited.update(InvoiceLine.objects.select_related("invoice__buyer").in_bulk(chunk))
    for pk in to_credit:
        old = credited[pk]
        credits.setdefault(old.invoice_id, PlannedCredit(invoice=old.invoice)).lines.append(old)
    problems = _seller_missing_for_einvoice(seller, has_payment_account=seller.pk in shared.with_payment_account)
    held = _hold_buyers_without_data(invoices, credits)
    warnings = [rules.warning_da] if rules.warning_da else []
    warnings += [_held_da(h) for h in held]
    awaiting = shared.awaiting.get(seller.pk, [])
    if awaiting:
        warnings.append(_awaiting_consent_da(awaiting))
    if rules.rulebook.tariffs.open_tariff_list_required.value:
        warnings += _without_open_basis(inputs, [p.line for planned in invoices.values() for p in planned.lines])
    return SettlementPlan(
        seller=seller, year=year, month=month, issue_date=issue_date,
        due_date=issue_date + timedelta(days=due_days),
        payment_terms=f"Netto {due_days} dage efter modtagelse; {invoicing} afregning {timing}.",
        invoices=sorted(invoices.values(), key=lambda i: i.buyer.name),
        credits=sorted(credits.values(), key=lambda c: c.invoice.number), existing_run=existing, problems=problems,
        missing_tariffs=_distinct_missing(missing), warnings=warnings, awaiting_consent=awaiting, held=held,
        runs_seen=runs_seen,
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


def _without_open_basis(inputs: _Inputs, lines: list[SettlementLine]) -> list[str]:
    """Where the rules settle "alene ud fra en takstoversigt, der er baseret på et åbent og gennemsigtigt
    beregningsgrundlag" (Sjælland 2025–26): the tariffs priced here that show no basis of calculation in the
    system (neither calculated from a budget nor provisional from one), named so the operator can calculate them."""
    tariff_ids = {span.tariff_id for line in lines if (span := _span_of(inputs, line)) and span.tariff_id}
    if not tariff_ids:
        return []
    closed = list(Tariff.objects.filter(pk__in=tariff_ids, calculation__isnull=True)
                  .exclude(origin=TariffOrigin.PROVISIONAL).select_related("service__offer")
                  .order_by("service__offer__name", "service__name"))
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
    Organisation.objects.select_for_update(no_key=True).filter(pk=seller.pk).first()


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
    for chunk in chunks([seller.pk for seller in sellers]):
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
    results: list[SettlementResult | DomainError] = []
    for seller in sellers:
        if seller.pk in issued:
            run = issued[seller.pk]
            invoices = existing_invoices[run.pk]
            results.append(SettlementResult(
                run=run, created=False, invoices=[i for i in invoices if i.kind == InvoiceKind.INVOICE],
                credit_notes=[i for i in invoices if i.kind == InvoiceKind.CREDIT_NOTE]))
            continue
        if isinstance(plans[seller.pk], DomainError):
            results.append(plans[seller.pk])
            continue
        try:
            with transaction.atomic():
                results.append(_issue_planned(actor, seller, plans[seller.pk]))
        except DomainError as error:  # this seller's run is rolled back; the others go on
            results.append(error)
    return results


def _issue_planned(actor: Actor, seller: Organisation, plan: SettlementPlan) -> SettlementResult:
    _seller_lock(seller)
    runs = tuple(SettlementRun.objects.filter(seller=seller).order_by("pk").values_list("pk", flat=True))
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
    run = SettlementRun.objects.create(seller=seller, year=year, month=month, issue_date=plan.issue_date,
                                       issued_by_id=actor.user_id)
    prefix = f"{seller.code or f'O{seller.pk}'}-{year}{month:02d}"
    invoices = [_invoice(plan, run, kind=InvoiceKind.INVOICE, number=f"{prefix}-{number:03d}", buyer=planned.buyer,
                         total_ore=planned.total_ore, late=any(p.late_claim for p in planned.lines))
                for number, planned in enumerate(plan.invoices, start=1)]
    credit_notes = [_invoice(plan, run, kind=InvoiceKind.CREDIT_NOTE, number=f"{prefix}-K{number:03d}",
                             buyer=credit.invoice.buyer, total_ore=credit.total_ore, credits=credit.invoice,
                             late=False)
                    for number, credit in enumerate(plan.credits, start=1)]
    Invoice.objects.bulk_create(invoices + credit_notes)  # ids come back (RETURNING) on both databases
    rows = [
        (invoice.pk, p.line.placement_id, p.line.service_id, p.line.period_from, p.line.period_to, p.line.unit,
         p.line.basis, p.line.quantity, p.line.rate_ore, p.line.amount_ore, p.account_code, p.description[:300],
         p.late_claim, p.late_days, p.late_amount_ore, None)
        for invoice, planned in zip(invoices, plan.invoices, strict=True) for p in planned.lines
    ]
    rows += [
        (note.pk, old.placement_id, old.service_id, old.period_from, old.period_to, old.unit, old.basis,
         old.quantity, old.rate_ore, old.amount_ore, old.account_code, f"Kreditering: {old.description}"[:300],
         False, 0, 0, old.pk)
        for note, credit in zip(credit_notes, plan.credits, strict=True) for old in credit.lines
    ]
    _lines_insert(rows)
    audit_record(actor=actor, event_type="settlement.issued", organisation_id=seller.pk, obj=run, after={
        "year": year, "month": month, "invoices": [i.number for i in invoices],
        "credit_notes": [c.number for c in credit_notes], "total_ore": plan.total_ore,
    })
    return SettlementResult(run=run, created=True, invoices=invoices, credit_notes=credit_notes)


LINE_FIELDS = ("invoice_id", "placement_id", "service_id", "period_from", "period_to", "unit", "basis", "quantity",
               "rate_ore", "amount_ore", "account_code", "description", "late_claim", "late_days", "late_amount_ore",
               "credited_line_id")


def _lines_insert(rows: list[tuple]) -> None:
    """Invoice lines (values in the order of LINE_FIELDS) in one statement: COPY on PostgreSQL, where the ORM's
    INSERT of a national month's 98,000 lines took most of the run; bulk_create on SQLite."""
    if connection.vendor != "postgresql":
        InvoiceLine.objects.bulk_create([InvoiceLine(**dict(zip(LINE_FIELDS, row, strict=True))) for row in rows],
                                        batch_size=LINE_BATCH)
        return
    columns = {field.attname: field.column for field in InvoiceLine._meta.concrete_fields}
    quote = connection.ops.quote_name
    statement = (f"COPY {quote(InvoiceLine._meta.db_table)} ({', '.join(quote(columns[f]) for f in LINE_FIELDS)}) "
                 "FROM STDIN")
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _invoice(plan: SettlementPlan, run: SettlementRun, *, kind: str, number: str, buyer: Organisation,
             total_ore: int, late: bool, credits: Invoice | None = None) -> Invoice:
    return Invoice(
        number=number, kind=kind, run=run, seller=plan.seller, buyer=buyer, issue_date=plan.issue_date,
        due_date=plan.due_date, credits=credits, total_ore=total_ore, seller_ean=plan.seller.ean,
        seller_cvr=plan.seller.cvr, buyer_ean=buyer.ean, payment_terms=plan.payment_terms, has_late_claims=late,
    )
