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
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.db import transaction
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
from rammeaftale.core.chunks import chunks
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
from rammeaftale.registry.models import Service
from rammeaftale.registry.rules import rules_in_force
from rammeaftale.rulebooks.display import MONTHS_DA
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from rammeaftale.tariffs.timeline import (
    MissingTariff,
    TariffSpan,
    tariff_spans,
    tariffs_missing,
    uncovered_from,
)

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


@dataclass
class _Inputs:
    charges: list[Charge]
    tariffs: list[TariffPeriod]
    spans: dict[int, list[TariffSpan]]  # the tariff timeline the periods come from, by service
    hours: list[HoursRecord]
    placement_ids: set[int]
    charge_regions: list[int]  # the region of each charge's offer, by position in `charges`
    rules_on: date  # the day whose billing rule the charges carry (the first day of the extract)


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


def settlement_inputs(*, seller: Organisation | None, first_day: date, last_day: date) -> _Inputs:
    """Every invoiceable placement service of the seller (None: of every seller) that meets [first_day, last_day).

    One narrow query over the bought services joined to their placements (no objects), as the batch needs. The
    charge ends where the placement's charge ends (`charge_end`, with the notice terms recorded at notice).
    """
    rows = (
        PlacementService.objects.filter(placement__status__in=CHARGED_STATUSES, placement__is_internal=False,
                                        placement__payer_consent__in=CONSENTED, placement__start_date__lt=last_day)
        .filter(Q(placement__end_date__isnull=True) | Q(placement__end_date__gt=first_day))
    )
    if seller is not None:
        rows = rows.filter(placement__offer__operator=seller)
    charges, regions, units, placement_ids = [], [], {}, set()
    rules_memo: dict = {}
    for (placement_id, service_id, valid_from, valid_to, unit, start_date, end_date, planned_end, notice_end,
         moved_out_on, notice_full_tariff, payer_id, operator_id, region_id) in rows.values_list(
            "placement_id", "service_id", "valid_from", "valid_to", "service__unit", "placement__start_date",
            "placement__end_date", "placement__planned_end", "placement__notice_end", "placement__moved_out_on",
            "placement__notice_full_tariff", "placement__paying_municipality_id", "placement__offer__operator_id",
            "placement__offer__municipality__region_id").iterator(chunk_size=5000):
        until = charge_end(end_date=end_date, planned_end=planned_end, notice_end=notice_end,
                           moved_out_on=moved_out_on, notice_full_tariff=notice_full_tariff)
        if until is not None and until <= first_day:
            continue
        start = max(start_date, valid_from)
        end = min((d for d in (until, valid_to) if d), default=None)
        if end is not None and end <= start:
            continue
        placement_ids.add(placement_id)
        units[service_id] = unit
        rule = "monthly_pro_rata" if unit == "month" else _billing_rule(region_id, first_day, rules_memo)
        charges.append(Charge(
            placement_id=placement_id, service_id=service_id, seller_id=operator_id, buyer_id=payer_id, unit=unit,
            charge_from=start, charge_to=end, rule=rule,
        ))
        regions.append(region_id)
    registered = RegisteredHours.objects.filter(day__gte=first_day, day__lt=last_day)
    if seller is not None:
        registered = registered.filter(placement_service__placement__offer__operator=seller)
    hours = [
        HoursRecord(placement_id=placement_id, service_id=service_id, day=day, minutes=minutes)
        for placement_id, service_id, day, minutes in registered.values_list(
            "placement_service__placement_id", "placement_service__service_id", "day", "minutes")
        if placement_id in placement_ids
    ]
    spans = tariff_spans(service_ids=set(units), first_day=first_day, last_day=last_day)
    return _Inputs(charges=charges, tariffs=_engine_periods(spans, units), spans=spans, hours=hours,
                   placement_ids=placement_ids, charge_regions=regions, rules_on=first_day)


def placements_by_id(ids) -> dict[int, Placement]:
    placements = {}
    for chunk in chunks(ids):
        placements.update(Placement.objects.select_related("offer").prefetch_related("offer__paragraphs")
                          .in_bulk(chunk))
    return placements


@dataclass
class MonthLines:
    lines: list[SettlementLine]
    missing: list[MissingTariff]  # charges left out because a day has no tariff, with what is missing


def _lines_for_month(inputs: _Inputs, year: int, month: int) -> MonthLines:
    """The month's lines from the engine; charges with a day without tariff are left out and listed instead."""
    first, after = month_start(year, month), month_start(*month_add(year, month, 1))
    charges, gaps, memo = [], {}, {}
    for charge, region_id in zip(inputs.charges, inputs.charge_regions, strict=True):
        start, end = max(charge.charge_from, first), min(charge.charge_to or after, after)
        if start >= end:
            continue
        gap = uncovered_from(inputs.spans.get(charge.service_id, []), start, end)
        if gap is not None:
            gaps[charge.service_id] = min(gaps.get(charge.service_id, gap), gap)
            continue
        if charge.unit != "month" and first.year != inputs.rules_on.year:
            rule = _billing_rule(region_id, first, memo)
            if rule != charge.rule:
                charge = replace(charge, rule=rule)
        charges.append(charge)
    missing = []
    if gaps:
        missing = tariffs_missing(service_ids=gaps, first_day=min(gaps.values()), last_day=after)
        missing = [item for item in missing if item.service.pk in gaps]
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
    placement: Placement
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
    rows = AccountMapping.objects.filter(Q(buyer_id__in=buyer_ids) | Q(buyer__isnull=True))
    return {(row.buyer_id, row.paragraph_id): row.account_code for row in rows}


def _account_code(accounts: dict, buyer_id: int, placement: Placement) -> str:
    for paragraph in sorted(placement.offer.paragraphs.all(), key=lambda p: p.code):
        code = accounts.get((buyer_id, paragraph.pk)) or accounts.get((None, paragraph.pk))
        if code:
            return code
    return ""


def _description(line: SettlementLine, placement: Placement, service_name: str, *, provisional: bool,
                 late_days: int) -> str:
    last = line.period_to - timedelta(days=1)
    if line.unit == "hour":
        quantity = f"{line.quantity // 60}:{line.quantity % 60:02d} timer"
    elif line.basis == "month":
        quantity = "hel måned"
    else:
        quantity = f"{line.quantity} dage"
    text = (f"Placering {placement.reference}, {service_name}, {line.period_from:%d.%m}–{last:%d.%m.%Y}: "
            f"{quantity} à {format_kr(line.rate_ore)}")
    if provisional:
        text += " (foreløbig takst)"
    if late_days:
        text += f"; {late_days} dage ydet for mere end 12 måneder siden"
    return text


def _late_minutes(inputs: _Inputs, line: SettlementLine, claim_limit: date) -> int:
    if line.unit != "hour" or line.period_from >= claim_limit:
        return 0
    return sum(record.minutes for record in inputs.hours
               if record.placement_id == line.placement_id and record.service_id == line.service_id
               and line.period_from <= record.day < min(line.period_to, claim_limit))


def settlement_plan(*, actor: Actor, seller: Organisation, year: int, month: int,
                    issue_date: date) -> SettlementPlan:
    """What issuing the month would write; nothing is saved. Charges with a day without tariff are left out and
    listed in `missing_tariffs` (the run refuses to issue while any is missing)."""
    if not can_run_settlement(actor, seller_id=seller.pk):
        raise NotAllowed("Kun sælgerens økonomimedarbejdere kan afregne dens pladser.")
    if not 1 <= month <= 12:
        raise DomainError(f"Måneden {month} findes ikke (1–12).", field="month")
    existing = SettlementRun.objects.filter(seller=seller, year=year, month=month).first()
    first_run = SettlementRun.objects.filter(seller=seller).order_by("year", "month").first()
    months = [(year, month)]
    if first_run is not None:
        for back in range(1, CORRECTION_MONTHS + 1):
            earlier = month_add(year, month, -back)
            if earlier < (first_run.year, first_run.month):
                break
            months.append(earlier)
    oldest = min(months)
    inputs = settlement_inputs(seller=seller, first_day=month_start(*oldest),
                               last_day=month_start(*month_add(year, month, 1)))
    rules = rules_in_force(region=seller.region_id, on=month_start(year, month))  # payment terms of the month
    payment = rules.rulebook.payment
    due_days, claim_months = payment.due_days_max.value, payment.claim_limit_months.value
    timing = "forud" if payment.timing.value == "in_advance" else "bagud"
    invoicing = INVOICING_DA[payment.invoicing.value]
    claim_limit = months_before(issue_date, claim_months)
    names = dict(Service.objects.filter(pk__in={c.service_id for c in inputs.charges}).values_list("pk", "name"))
    placements = placements_by_id(inputs.placement_ids)
    accounts = _accounts({p.paying_municipality_id for p in placements.values()})
    invoices: dict[int, PlannedInvoice] = {}
    credits: dict[int, PlannedCredit] = {}
    missing: list[MissingTariff] = []
    buyers = {o.pk: o for o in Organisation.objects.filter(
        pk__in={p.paying_municipality_id for p in placements.values()})}

    def plan_line(line: SettlementLine, *, correction: bool) -> None:
        placement = placements[line.placement_id]
        planned = invoices.setdefault(line.buyer_id, PlannedInvoice(buyer=buyers[line.buyer_id]))
        span = _span_of(inputs, line)
        provisional = bool(span and span.provisional)
        late_days, late_amount = line_late_part(line=line, claim_limit=claim_limit,
                                                late_minutes=_late_minutes(inputs, line, claim_limit))
        planned.lines.append(PlannedLine(
            line=line, placement=placement, is_correction=correction, late_days=late_days,
            late_amount_ore=late_amount, account_code=_account_code(accounts, line.buyer_id, placement),
            description=_description(line, placement, names.get(line.service_id, ""), provisional=provisional,
                                     late_days=late_days),
            provisional=provisional,
        ))

    if existing is None:
        month_lines = _lines_for_month(inputs, year, month)
        missing += month_lines.missing
        for line in month_lines.lines:
            plan_line(line, correction=False)
    for earlier in months[1:]:
        start, end = month_start(*earlier), month_start(*month_add(*earlier, 1))
        month_lines = _lines_for_month(inputs, *earlier)
        missing += month_lines.missing
        target = defaultdict(list)
        for line in month_lines.lines:
            target[(line.placement_id, line.service_id)].append(line)
        issued = defaultdict(list)
        for line in (InvoiceLine.objects.filter(invoice__seller=seller, invoice__kind=InvoiceKind.INVOICE,
                                                period_from__gte=start, period_from__lt=end,
                                                credited_by__isnull=True)
                     .select_related("invoice")):
            issued[(line.placement_id, line.service_id)].append(line)
        lacking = {item.service.pk for item in month_lines.missing}
        for key in sorted(set(target) | set(issued)):
            if key[1] in lacking:
                continue  # a day of the month has no tariff: nothing is credited until it has
            if sorted(map(_line_key, target.get(key, []))) == sorted(map(_line_key, issued.get(key, []))):
                continue
            for old in issued.get(key, []):
                credits.setdefault(old.invoice_id, PlannedCredit(invoice=old.invoice)).lines.append(old)
            for line in target.get(key, []):
                plan_line(line, correction=True)
    problems = _seller_missing_for_einvoice(seller)
    held = _hold_buyers_without_data(invoices, credits)
    warnings = [rules.warning_da] if rules.warning_da else []
    warnings += [_held_da(h) for h in held]
    awaiting = placements_awaiting_consent(seller_id=seller.pk, first_day=month_start(year, month),
                                           last_day=month_start(*month_add(year, month, 1)))
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


def _seller_missing_for_einvoice(seller: Organisation) -> list[str]:
    """What the seller's OIOUBL documents need and the register lacks; the run stops on any of it."""
    problems = []
    if not seller.ean:
        problems.append(f"{seller} (sælger) har intet EAN-nummer.")
    if not seller.cvr:
        problems.append(f"{seller} (sælger) har intet CVR-nummer.")
    if not (seller.address and seller.postcode and seller.city):
        problems.append(f"{seller} (sælger) mangler adresse, postnummer eller by.")
    if not PaymentAccount.objects.filter(organisation=seller).exists():
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


@transaction.atomic
def settlement_issue(*, actor: Actor, seller: Organisation, year: int, month: int,
                     issue_date: date) -> SettlementResult:
    """Issue the month: one invoice per buyer (with any corrections) and one credit note per credited invoice.

    Idempotent: a month already issued returns its run and writes nothing. A buyer without EAN or address gets
    nothing this time (its days follow in the next run); all or nothing otherwise: the seller's missing EAN or a
    day without a tariff stops the whole run with a Danish message.
    """
    # One run per seller at a time. NO KEY UPDATE, not UPDATE: other sellers' runs that invoice this seller as
    # buyer check their foreign keys with a key-share lock on its row at commit, which UPDATE would block (two
    # sellers invoicing each other then deadlocked on PostgreSQL).
    Organisation.objects.select_for_update(no_key=True).filter(pk=seller.pk).first()
    existing = SettlementRun.objects.filter(seller=seller, year=year, month=month).first()
    if existing is not None:
        if not can_run_settlement(actor, seller_id=seller.pk):
            raise NotAllowed("Kun sælgerens økonomimedarbejdere kan afregne dens pladser.")
        return SettlementResult(run=existing, created=False,
                                invoices=list(existing.invoices.filter(kind=InvoiceKind.INVOICE)),
                                credit_notes=list(existing.invoices.filter(kind=InvoiceKind.CREDIT_NOTE)))
    plan = settlement_plan(actor=actor, seller=seller, year=year, month=month, issue_date=issue_date)
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
    invoices, credit_notes = [], []
    for number, planned in enumerate(plan.invoices, start=1):
        invoice = _invoice_create(plan, run, kind=InvoiceKind.INVOICE, number=f"{prefix}-{number:03d}",
                                  buyer=planned.buyer, total_ore=planned.total_ore,
                                  late=any(p.late_claim for p in planned.lines))
        InvoiceLine.objects.bulk_create(
            InvoiceLine(invoice=invoice, placement_id=p.line.placement_id, service_id=p.line.service_id,
                        period_from=p.line.period_from, period_to=p.line.period_to, unit=p.line.unit,
                        basis=p.line.basis, quantity=p.line.quantity, rate_ore=p.line.rate_ore,
                        amount_ore=p.line.amount_ore, account_code=p.account_code,
                        description=p.description[:300], late_claim=p.late_claim, late_days=p.late_days,
                        late_amount_ore=p.late_amount_ore)
            for p in planned.lines
        )
        invoices.append(invoice)
    for number, credit in enumerate(plan.credits, start=1):
        note = _invoice_create(plan, run, kind=InvoiceKind.CREDIT_NOTE, number=f"{prefix}-K{number:03d}",
                               buyer=credit.invoice.buyer, total_ore=credit.total_ore, credits=credit.invoice,
                               late=False)
        InvoiceLine.objects.bulk_create(
            InvoiceLine(invoice=note, placement_id=old.placement_id, service_id=old.service_id,
                        period_from=old.period_from, period_to=old.period_to, unit=old.unit, basis=old.basis,
                        quantity=old.quantity, rate_ore=old.rate_ore, amount_ore=old.amount_ore,
                        account_code=old.account_code, description=f"Kreditering: {old.description}"[:300],
                        credited_line=old)
            for old in credit.lines
        )
        credit_notes.append(note)
    audit_record(actor=actor, event_type="settlement.issued", organisation_id=seller.pk, obj=run, after={
        "year": year, "month": month, "invoices": [i.number for i in invoices],
        "credit_notes": [c.number for c in credit_notes], "total_ore": plan.total_ore,
    })
    return SettlementResult(run=run, created=True, invoices=invoices, credit_notes=credit_notes)


def _invoice_create(plan: SettlementPlan, run: SettlementRun, *, kind: str, number: str, buyer: Organisation,
                    total_ore: int, late: bool, credits: Invoice | None = None) -> Invoice:
    return Invoice.objects.create(
        number=number, kind=kind, run=run, seller=plan.seller, buyer=buyer, issue_date=plan.issue_date,
        due_date=plan.due_date, credits=credits, total_ore=total_ore, seller_ean=plan.seller.ean,
        seller_cvr=plan.seller.cvr, buyer_ean=buyer.ean, payment_terms=plan.payment_terms, has_late_claims=late,
    )
