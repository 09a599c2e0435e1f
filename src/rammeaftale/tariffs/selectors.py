"""Reads for tariffs: the tariff list with changes and flags, breakdowns, budgets, P/L, categories and reserves.

Every function takes the acting user: what it may see, and what it may do (`may_…`), is decided here.
"""
import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Sum

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import Role
from rammeaftale.accounts.permissions import can_maintain_price_index, can_manage_tariffs
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.core.memo import BoundedCache
from rammeaftale.core.money import ore_to_kr
from rammeaftale.engine.budgeted_occupancy import budgeted_occupancy_default
from rammeaftale.engine.indexation import (
    GrowthRules,
    YearGrowth,
    growth_rules_of,
    overhead_share_pct,
    tariff_growth_series,
)
from rammeaftale.engine.tariff import ServiceBudget as EngineServiceBudget
from rammeaftale.engine.tariff import Unit
from rammeaftale.registry.models import Agreement, Offer, OfferCategory, Service
from rammeaftale.registry.rules import RulesInForce, rules_in_force
from rammeaftale.rulebooks.values import month_day_parse
from rammeaftale.tariffs.models import (
    ActualOccupancy,
    OccupancyApproval,
    PriceIndex,
    ReserveEntry,
    ServiceBudget,
    Tariff,
    TariffBudget,
    TariffCalculation,
    TariffOrigin,
)

FLAG_FILTERS = {  # the codes stay "over_pl" and "unexplained" in addresses; the cap is the rulebook's P/L cap
    "over_pl": "Over P/L",
    "unexplained": "Over P/L uden forklaring",
    "report": "Skal indberettes",
    "flagged": "Alle markerede",
    "provisional": "Foreløbige takster",
}


def _require_login(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.", message_en="Authentication required.")


@dataclass(frozen=True)
class TariffRow:
    tariff: Tariff
    previous: Tariff | None
    growth: YearGrowth | None  # the engine's year for this tariff; None for a tariff of 0 kr.
    explained: bool
    may_explain: bool = False  # the acting user may record (or change) the explanation

    @cached_property  # the page reads it twice a row; the row never changes
    def increase_pct(self) -> Decimal | None:
        """The growth from last year rounded to two decimals, for display (the flags use the exact growth)."""
        return self.growth.growth_pct_display if self.growth else None

    @property
    def over_cap(self) -> bool:
        return bool(self.growth and self.growth.over_cap)

    @property
    def explanation_required(self) -> bool:
        """Over the cap where the rulebook requires an explanation (Hovedstaden), explained or not."""
        return bool(self.growth and self.growth.needs_explanation)

    @property
    def needs_explanation(self) -> bool:
        return self.explanation_required and not self.explained

    @property
    def report_required(self) -> bool:
        return bool(self.growth and self.growth.report_required)

    @property
    def flagged(self) -> bool:
        return self.over_cap or self.report_required


@dataclass(frozen=True)
class TariffList:
    agreement: Agreement
    year: int
    price_index: PriceIndex | None
    rows: list[TariffRow]  # every row after the filters, or only the page's rows when a page was asked for
    rules: GrowthRules
    in_force: RulesInForce | None = None  # the rules in force on the year's 1 January (may be carried on)
    count: int = 0  # rows after the filters (all pages)
    flagged_count: int = 0  # of them flagged (over the cap or to be reported)
    provisional: int = 0  # of them provisional tariffs
    page: Page | None = None  # the page of `rows` (tariff_list(page=...)); None: `rows` is every row

    @property
    def rule_da(self) -> str:
        return self.rules.description_da()

    @property
    def approval_deadline(self) -> date | None:
        """The day the year's tariffs were due (the rulebook's deadline in the year before)."""
        deadline = self.in_force.rulebook.tariffs.approval_deadline if self.in_force else None
        return None if deadline is None else date(self.year - 1, *month_day_parse(deadline.value))


def _growth_rules(rulebook) -> GrowthRules:
    return growth_rules_of(rulebook) if rulebook is not None else GrowthRules(cap="none")


def _history_from(rules: GrowthRules, year: int) -> int:
    """The first year a row's growth needs: last year, or the cap's base year where the cap cumulates from it."""
    if rules.per_tariff_cap and rules.base_year is not None:
        return min(rules.base_year, year - 1)
    return year - 1


def _pl_rates(first: int, year: int) -> dict[int, PriceIndex]:
    return {index.year: index for index in PriceIndex.objects.filter(year__gt=first, year__lte=year)}


# A service's earlier tariffs: year -> (tariff id, amount in øre), as far back as the cap needs.
History = dict[int, tuple[int, int]]


def _history_of(tariffs) -> dict[int, History]:
    """Earlier tariffs by service and year, read narrowly (ids and amounts, no model instances)."""
    history: dict[int, History] = {}
    for pk, service_id, year, amount_ore in tariffs.order_by().values_list("id", "service_id", "year", "amount_ore"):
        history.setdefault(service_id, {})[year] = (pk, amount_ore)
    return history


def _growth(*, amount_ore: int, year: int, history: History, pl_pct: dict[int, Decimal],
            rules: GrowthRules, offer_type: str) -> YearGrowth | None:
    """The engine's year for a tariff, or None for a tariff of 0 kr. (no level to grow from or to: it is left out
    of the series)."""
    if amount_ore <= 0:
        return None
    series = {earlier: ore_to_kr(amount) for earlier, (_, amount) in history.items() if amount > 0}
    series[year] = ore_to_kr(amount_ore)
    return tariff_growth_series(tariffs_kr=series, pl_pct=pl_pct, rules=rules, offer_type=offer_type)[-1]


def _row(*, actor: Actor, tariff: Tariff, history: History, pl_pct: dict[int, Decimal],
         rules: GrowthRules) -> TariffRow:
    """`history` is the service's earlier tariffs by year (as far back as the cap needs)."""
    growth = _growth(amount_ore=tariff.amount_ore, year=tariff.year, history=history, pl_pct=pl_pct,
                     rules=rules, offer_type=tariff.service.offer.offer_type)
    offer = tariff.service.offer
    # Over a cap the rulebook asks explained (Hovedstaden), or a rise to be reported (Sjælland: the report to
    # Socialtilsyn Øst carries the operator's explanation): the operator may explain it.
    required = bool(growth and (growth.needs_explanation or growth.report_required))
    previous = history.get(tariff.year - 1)
    return TariffRow(
        tariff=tariff, growth=growth, explained=hasattr(tariff, "explanation"),
        previous=None if previous is None else Tariff(pk=previous[0], service_id=tariff.service_id,
                                                      year=tariff.year - 1, amount_ore=previous[1]),
        may_explain=required and can_manage_tariffs(actor, operator_id=offer.operator_id,
                                                    region_id=offer.municipality.region_id),
    )


def _tariffs():
    return Tariff.objects.select_related(
        "service", "service__offer", "service__offer__operator", "service__offer__municipality", "explanation")


@dataclass(frozen=True)
class _Fact:
    """What the list's counts and filters need of one tariff (the page's rows are then loaded in full)."""

    tariff_id: int
    service_id: int
    amount_ore: int
    offer_type: str
    provisional: bool
    explained: bool


@dataclass(frozen=True)
class _Flags:
    """The engine's verdict on one tariff, as the counts and the flag filter read it."""

    over_cap: bool
    needs_explanation: bool  # over the cap where the rulebook asks an explanation (explained or not)
    report_required: bool

    @property
    def flagged(self) -> bool:
        return self.over_cap or self.report_required


NO_FLAGS = _Flags(False, False, False)
_FLAGS: BoundedCache[dict[int, _Flags]] = BoundedCache(64)  # a region's year, by filters: a few dozen lists


def _flags(*, year: int, facts: list[_Fact], history: dict[int, History], pl_pct: dict[int, Decimal],
           rules: GrowthRules) -> dict[int, _Flags]:
    """The engine's flags of every tariff of the list, by tariff id.

    Cached per process (`core.memo.BoundedCache`) under a digest of every input the engine reads: the rules, the P/L
    and each tariff's series with its offer type. A changed tariff, P/L rate or rule is a different key, so nothing
    needs invalidating and no answer is ever stale; the cache only spares the next user recomputing the same inputs.
    """
    series = [(fact.tariff_id, fact.offer_type, fact.amount_ore,
               tuple(sorted((earlier, amount) for earlier, (_, amount) in history.get(fact.service_id, {}).items())))
              for fact in facts]
    key = "tariffs:flags:" + hashlib.sha256(repr((year, rules, sorted(pl_pct.items()), series)).encode()).hexdigest()

    def make() -> dict[int, _Flags]:
        flags = {}
        for fact in facts:
            growth = _growth(amount_ore=fact.amount_ore, year=year, history=history.get(fact.service_id, {}),
                             pl_pct=pl_pct, rules=rules, offer_type=fact.offer_type)
            flags[fact.tariff_id] = NO_FLAGS if growth is None else _Flags(
                growth.over_cap, growth.needs_explanation, growth.report_required)
        return flags

    return _FLAGS.get_or_make(key, make)


_FACTS: BoundedCache[tuple[list[_Fact], dict[int, History], dict[int, _Flags]]] = BoundedCache(64)


def _list_version() -> int | None:
    """The database's version of what the tariff list's facts are read from: a new value after every write to those
    tables, from any process (triggers, migration tariffs 0006), so facts kept under it are never stale."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM tariffs_list_version WHERE id = 1")
        row = cursor.fetchone()
    return None if row is None else row[0]


def _facts_read(scoped, *, first: int, year: int) -> tuple[list[_Fact], dict[int, History]]:
    facts, history = [], {}
    for pk, service_id, tariff_year, amount_ore, offer_kind, origin, explanation_id in scoped.filter(
            year__gte=first, year__lte=year).values_list(
            "id", "service_id", "year", "amount_ore", "service__offer__offer_type", "origin", "explanation__id"):
        if tariff_year == year:
            facts.append(_Fact(pk, service_id, amount_ore, offer_kind, origin == TariffOrigin.PROVISIONAL,
                               explanation_id is not None))
        else:
            history.setdefault(service_id, {})[tariff_year] = (pk, amount_ore)
    return facts, history


FLAG_KEEP = {
    "over_pl": lambda fact, flags: flags.over_cap,
    "unexplained": lambda fact, flags: flags.needs_explanation and not fact.explained,
    "report": lambda fact, flags: flags.report_required,
    "flagged": lambda fact, flags: flags.flagged,
    "provisional": lambda fact, flags: fact.provisional,
}


def tariff_list(*, actor: Actor, agreement: Agreement, year: int, operator_id: int | None = None,
                paragraph: str = "", offer_type: str = "", flag: str = "",
                with_calculations: bool = False, page: str | int | None = None,
                per_page: int = 50) -> TariffList:
    """Every tariff of the agreement's region for a year, with last year's tariff and the rulebook's growth flags.

    The growth, the cap and the flags come from `engine.indexation.tariff_growth_series` under the agreement's
    rulebook; the earlier tariffs every row needs (back to the cap's base year) and the P/L rates are read in one
    query each. `flag` narrows to the rows over the cap ("over_pl"), over the cap without the explanation the
    rulebook requires ("unexplained"), to be reported ("report") or any of them ("flagged"). `with_calculations`
    loads each tariff's stored calculation in the same query (the exports and the API show the breakdowns).

    The counts and the flag filter cover every row, from a narrow read of the year's tariffs and the engine's flags
    (`_flags`); with `page` only the page's `per_page` rows are loaded in full, without it every row.
    """
    _require_login(actor)
    in_force = rules_in_force(region=agreement.region, on=date(year, 1, 1))
    rulebook = in_force.rulebook
    scoped = (  # the region's tariffs of every year, after the filters on their offers
        _tariffs().filter(service__offer__municipality__region_id=agreement.region_id)
        .order_by("service__offer__name", "service__kind", "service__name", "id")
    )
    if with_calculations:
        scoped = scoped.select_related("calculation")
    if operator_id:
        scoped = scoped.filter(service__offer__operator_id=operator_id)
    if paragraph:
        scoped = scoped.filter(service__offer__paragraphs__code=paragraph).distinct()
    if offer_type:
        scoped = scoped.filter(service__offer__offer_type=offer_type)
    tariffs = scoped.filter(year=year)
    rules = _growth_rules(rulebook)
    first = _history_from(rules, year)
    pl = _pl_rates(first, year)
    pl_pct = {pl_year: index.rate_pct for pl_year, index in pl.items()}
    # The year's facts and the earlier tariffs of the same services in one narrow read (in the list's order); the
    # flag filter and the counts are decided on them, then only the rows shown are loaded in full. Kept per process
    # under the database's list version (read first), with the engine's flags of them.
    version = _list_version()
    key = (connection.settings_dict["NAME"], version, agreement.region_id, year, first, operator_id, paragraph,
           offer_type, rules, tuple(sorted(pl_pct.items())))

    def read() -> tuple[list[_Fact], dict[int, History], dict[int, _Flags]]:
        facts, history = _facts_read(scoped, first=first, year=year)
        return facts, history, _flags(year=year, facts=facts, history=history, pl_pct=pl_pct, rules=rules)

    facts, history, flags = read() if version is None else _FACTS.get_or_make(key, read)
    if flag in FLAG_KEEP:
        facts = [fact for fact in facts if FLAG_KEEP[flag](fact, flags[fact.tariff_id])]
    count, flagged = len(facts), sum(1 for fact in facts if flags[fact.tariff_id].flagged)
    provisional = sum(1 for fact in facts if fact.provisional)
    if page is None:  # every row (the exports and the API): read in full in the list's order
        shown, kept = None, {fact.tariff_id for fact in facts}
        full = [tariff for tariff in tariffs if tariff.pk in kept]
    else:
        shown = Paginator(facts, per_page).get_page(page)
        ids = [fact.tariff_id for fact in shown.object_list]
        by_id = tariffs.filter(pk__in=ids).in_bulk() if ids else {}
        full = [by_id[pk] for pk in ids]
    rows = [_row(actor=actor, tariff=tariff, history=history.get(tariff.service_id, {}), pl_pct=pl_pct, rules=rules)
            for tariff in full]
    return TariffList(agreement=agreement, year=year, price_index=pl.get(year), rows=rows, rules=rules,
                      in_force=in_force, count=count, flagged_count=flagged, provisional=provisional, page=shown)


def tariff_get(*, actor: Actor, tariff_id: int) -> Tariff:
    """One tariff; tariffs and their basis of calculation are open to every logged-in user (the open list)."""
    _require_login(actor)
    tariff = _tariffs().select_related("calculation", "service__offer__municipality__region").filter(
        pk=tariff_id).first()
    if tariff is None:
        raise NotFound("Taksten findes ikke.", message_en="Tariff not found.")
    return tariff


def _rules_of_year(region_id: int, year: int) -> RulesInForce | None:
    """The rules of a tariff year: those in force on its 1 January (None: no agreement)."""
    try:
        return rules_in_force(region=region_id, on=date(year, 1, 1))
    except DomainError:
        return None


def _rulebook_for(region_id: int, year: int):
    rules = _rules_of_year(region_id, year)
    return (rules.agreement, rules.rulebook) if rules else (None, None)


def tariff_agreement(*, tariff: Tariff) -> Agreement | None:
    """The agreement whose rules govern the tariff's year (for the way back to its list)."""
    agreement, _ = _rulebook_for(tariff.service.offer.municipality.region_id, tariff.year)
    return agreement


def tariff_list_row(*, actor: Actor, tariff_id: int) -> TariffRow:
    """The tariff list's row for one tariff (the explanation form swaps it in place)."""
    tariff = tariff_get(actor=actor, tariff_id=tariff_id)
    _, rulebook = _rulebook_for(tariff.service.offer.municipality.region_id, tariff.year)
    rules = _growth_rules(rulebook)
    first = _history_from(rules, tariff.year)
    history = _history_of(Tariff.objects.filter(service_id=tariff.service_id, year__gte=first,
                                                year__lt=tariff.year)).get(tariff.service_id, {})
    pl_pct = {year: index.rate_pct for year, index in _pl_rates(first, tariff.year).items()}
    return _row(actor=actor, tariff=tariff, history=history, pl_pct=pl_pct, rules=rules)


# The breakdown page.


@dataclass(frozen=True)
class OverheadCheck:
    """An operator's overhead over all its calculated tariffs of a year, against the rulebook's norm."""

    share_pct: Decimal | None
    norm_pct: Decimal | None
    calculations: int

    @property
    def within_norm(self) -> bool | None:
        if self.share_pct is None or self.norm_pct is None:
            return None
        return self.share_pct <= self.norm_pct


@dataclass(frozen=True)
class TariffBreakdown:
    row: TariffRow
    service: dict | None  # this service in the stored calculation result
    checks: list[dict]
    siblings: list[Tariff]  # the other tariffs the same calculation set
    operator_overhead: OverheadCheck | None
    price_index: PriceIndex | None
    may_manage: bool

    @property
    def tariff(self) -> Tariff:
        return self.row.tariff


# A calculation's (direct costs, overhead) in kroner, by (id, calculated_at): a stored calculation is never changed
# (a new one is made), and the time it was made tells a row apart from an earlier one with the same id.
_CALCULATION_SUMS: BoundedCache[tuple[Decimal, Decimal]] = BoundedCache(20_000)


def _calculation_sums(result: dict) -> tuple[Decimal, Decimal]:
    direct, overhead = Decimal(0), Decimal(0)
    for service in result["services"]:
        for line in service["breakdown"]:
            if line["element"] in ("salaries", "property", "other_direct"):
                direct += Decimal(line["amount"])
            elif line["element"] == "overhead":
                overhead += Decimal(line["amount"])
    return direct, overhead


def operator_overhead_check(*, operator_id: int, year: int, norm_pct: Decimal | None) -> OverheadCheck:
    """Overhead as a share of direct costs over the operator's current calculations of the year.

    Each calculation's sums are kept per process (`_CALCULATION_SUMS`): a tariff's page read every stored breakdown
    of the operator's year (their JSON) on every visit."""
    direct, overhead, count = Decimal(0), Decimal(0), 0
    calculation_ids = set(Tariff.objects.filter(service__offer__operator_id=operator_id, year=year)
                          .exclude(calculation=None).values_list("calculation_id", flat=True))
    stamps = dict(TariffCalculation.objects.filter(pk__in=calculation_ids).values_list("pk", "calculated_at"))
    missing = {pk for pk, made in stamps.items() if not _CALCULATION_SUMS.has((pk, made))}
    results = dict(TariffCalculation.objects.filter(pk__in=missing).values_list("pk", "result")) if missing else {}
    for pk, made in stamps.items():
        count += 1
        calculation_direct, calculation_overhead = _CALCULATION_SUMS.get_or_make(
            (pk, made), lambda pk=pk: _calculation_sums(  # read above, unless it fell out of the cache meanwhile
                results[pk] if pk in results else TariffCalculation.objects.get(pk=pk).result))
        direct += calculation_direct
        overhead += calculation_overhead
    share = overhead_share_pct(overhead_kr=overhead, direct_costs_kr=direct) if direct > 0 else None
    return OverheadCheck(share_pct=share, norm_pct=norm_pct, calculations=count)


def tariff_breakdown(*, actor: Actor, tariff_id: int) -> TariffBreakdown:
    row = tariff_list_row(actor=actor, tariff_id=tariff_id)
    tariff = row.tariff
    offer = tariff.service.offer
    service, checks, siblings, overhead = None, [], [], None
    if tariff.calculation is not None:
        result = tariff.calculation.result
        service = next((s for s in result["services"] if s["service_id"] == tariff.service_id), None)
        checks = [c for c in result.get("checks", []) if c["service"] == tariff.service.name]
        siblings = list(Tariff.objects.filter(calculation=tariff.calculation).exclude(pk=tariff.pk)
                        .select_related("service").order_by("service__kind", "service__name"))
        norm = result.get("overhead_norm_pct")
        overhead = operator_overhead_check(operator_id=offer.operator_id, year=tariff.year,
                                           norm_pct=Decimal(norm) if norm else None)
    return TariffBreakdown(
        row=row, service=service, checks=checks, siblings=siblings, operator_overhead=overhead,
        price_index=PriceIndex.objects.filter(year=tariff.year).first(),
        may_manage=can_manage_tariffs(actor, operator_id=offer.operator_id, region_id=offer.municipality.region_id),
    )


# P/L.


@dataclass(frozen=True)
class PriceIndexTable:
    rows: list[PriceIndex]
    may_maintain: bool


def may_make_provisional(*, actor: Actor, year: int) -> bool:
    """The secretariats keep the P/L table, so they form the provisional tariffs it implies (with the year's P/L)."""
    return can_maintain_price_index(actor) and PriceIndex.objects.filter(year=year).exists()


def price_index_for(year: int) -> PriceIndex | None:
    return PriceIndex.objects.filter(year=year).first()


def price_index_list(*, actor: Actor) -> PriceIndexTable:
    """The P/L table is shared by all and readable by every logged-in user; the secretariats keep it."""
    _require_login(actor)
    return PriceIndexTable(rows=list(PriceIndex.objects.order_by("-year")),
                           may_maintain=can_maintain_price_index(actor))


# Budgets.
def engine_service_budget(line: ServiceBudget) -> EngineServiceBudget:
    """A stored budget line as the tariff engine reads it (kroner as Decimal)."""
    return EngineServiceBudget(
        name=line.service.name, kind=line.service.kind, unit=Unit(line.service.unit),
        salaries_kr=ore_to_kr(line.salaries_ore), property_kr=ore_to_kr(line.property_ore),
        other_direct_kr=ore_to_kr(line.other_direct_ore),
        overhead_kr=None if line.overhead_ore is None else ore_to_kr(line.overhead_ore),
        overhead_pct=line.overhead_pct, depreciation_kr=ore_to_kr(line.depreciation_ore),
        capital_book_value_kr=ore_to_kr(line.capital_book_value_ore), interest_rate_pct=line.interest_rate_pct,
        pension_kr=ore_to_kr(line.pension_ore), other_income_kr=ore_to_kr(line.other_income_ore),
        true_up_kr=ore_to_kr(line.true_up_ore), places=line.places,
        budgeted_occupancy_pct=line.budgeted_occupancy_pct or Decimal(0), budgeted_hours=line.budgeted_hours or Decimal(0),
    )



def _two_previous_years(offer: Offer, year: int) -> Decimal | None:
    """The average of the two most recent closed years before `year` with an actual occupancy on record."""
    actuals = list(
        ActualOccupancy.objects.filter(offer=offer, year__lt=year).order_by("-year").values_list("occupancy_pct", flat=True)[:2]
    )
    if len(actuals) < 2:
        return None
    return budgeted_occupancy_default(actual_pcts=(Decimal(actuals[0]), Decimal(actuals[1])))


BUDGETED_OCCUPANCY_METHODS = {"average_two_previous_years": _two_previous_years}  # the rulebook's `method` values


def budgeted_occupancy_suggest(*, offer: Offer, year: int) -> Decimal | None:
    """The budgeted occupancy by the method of the year's rules (`budgeted_occupancy.method`), or None."""
    rules = _rules_of_year(offer.municipality.region_id, year)
    if rules is None:
        return None
    return BUDGETED_OCCUPANCY_METHODS[rules.rulebook.budgeted_occupancy.method.value](offer, year)




def offer_for_tariffs(*, actor: Actor, offer_id: int) -> Offer:
    """An offer whose budgets the actor may see and change: the operator's own economists and staff."""
    _require_login(actor)
    offer = Offer.objects.select_related("operator", "municipality", "municipality__region").filter(
        pk=offer_id).first()
    if offer is None:
        raise NotFound("Tilbuddet findes ikke.", message_en="Offer not found.")
    if not can_manage_tariffs(actor, operator_id=offer.operator_id, region_id=offer.municipality.region_id):
        raise NotAllowed("Kun driftsherrens økonomi- og driftsmedarbejdere kan se og ændre tilbuddets budget.")
    return offer


@dataclass(frozen=True)
class BudgetLineView:
    """One service on the budget page: what is saved, what the defaults would be, and the occupancy check."""

    service: Service
    line: ServiceBudget | None
    approval: OccupancyApproval | None
    outside_bounds: bool
    approved: bool

    @property
    def hourly(self) -> bool:
        return self.service.unit == "hour"


@dataclass(frozen=True)
class BudgetPage:
    offer: Offer
    year: int
    agreement: Agreement | None
    rulebook_name: str
    bounds: tuple[Decimal, Decimal] | None
    recommended_max_pct: Decimal | None
    overhead_norm_pct: Decimal | None
    budget: TariffBudget | None
    lines: list[BudgetLineView]
    places_on_1_january: int
    suggested_occupancy_pct: Decimal | None
    actual_occupancy: list[ActualOccupancy]
    calculation: TariffCalculation | None
    tariffs: list[Tariff] = field(default_factory=list)
    rules_warning: str | None = None  # the rules are carried on past their agreement's years

    @property
    def needs_approval(self) -> bool:
        return any(line.outside_bounds and not line.approved for line in self.lines)


def budget_services(offer: Offer) -> list[Service]:
    """The offer's services in the order of the budget and of its calculation: kind, then name."""
    return sorted(offer.services.all(), key=lambda service: (service.kind, service.name))


def budget_page(*, actor: Actor, offer_id: int, year: int) -> BudgetPage:
    offer = offer_for_tariffs(actor=actor, offer_id=offer_id)
    rules = _rules_of_year(offer.municipality.region_id, year)
    agreement, rulebook = (rules.agreement, rules.rulebook) if rules else (None, None)
    bounds = rulebook.budgeted_occupancy_bounds(short_stay=offer.is_short_stay) if rulebook else None
    budget = TariffBudget.objects.filter(offer=offer, year=year).first()
    saved = {}
    if budget is not None:
        saved = {line.service_id: line for line in budget.lines.select_related("occupancy_approval")}
    views = []
    for service in budget_services(offer):
        line = saved.get(service.pk)
        approval = getattr(line, "occupancy_approval", None) if line else None
        outside = bool(line and bounds and service.unit != "hour" and line.budgeted_occupancy_pct is not None
                       and not bounds[0] <= line.budgeted_occupancy_pct <= bounds[1])
        views.append(BudgetLineView(
            service=service, line=line, approval=approval, outside_bounds=outside,
            approved=approval is not None and approval.value_pct == line.budgeted_occupancy_pct,
        ))
    capacity = offer.capacities.filter(valid_from__lte=date(year, 1, 1)).order_by("-valid_from").first()
    calculation = budget.calculations.first() if budget else None
    return BudgetPage(
        offer=offer, year=year, agreement=agreement, rulebook_name=rulebook.name if rulebook else "",
        bounds=bounds, recommended_max_pct=rulebook.budgeted_occupancy.recommended_max_pct.value if rulebook else None,
        overhead_norm_pct=rulebook.tariffs.overhead_norm_pct.value if rulebook and rulebook.tariffs.overhead_norm_pct
        else None,
        budget=budget, lines=views, places_on_1_january=capacity.places if capacity else 0,
        suggested_occupancy_pct=budgeted_occupancy_suggest(offer=offer, year=year),
        actual_occupancy=list(ActualOccupancy.objects.filter(offer=offer, year__lt=year).order_by("-year")[:4]),
        calculation=calculation,
        tariffs=list(Tariff.objects.filter(calculation=calculation).select_related("service")
                     .order_by("service__kind", "service__name")) if calculation else [],
        rules_warning=rules.warning_da if rules else None,
    )


def budget_line_get(*, actor: Actor, offer_id: int, year: int, service_id: int) -> ServiceBudget:
    offer = offer_for_tariffs(actor=actor, offer_id=offer_id)
    line = ServiceBudget.objects.select_related("budget", "budget__offer", "service").filter(
        budget__offer=offer, budget__year=year, service_id=service_id).first()
    if line is None:
        raise NotFound("Ydelsen har intet gemt budget for året.", message_en="No saved budget line.")
    return line


def budget_get(*, actor: Actor, offer_id: int, year: int) -> TariffBudget:
    offer = offer_for_tariffs(actor=actor, offer_id=offer_id)
    budget = TariffBudget.objects.select_related("offer", "rulebook").filter(offer=offer, year=year).first()
    if budget is None:
        raise NotFound(f"Tilbuddet har intet budget for {year}; gem budgettet først.", message_en="No budget.")
    return budget


# Categories.


def category_may_decide(actor: Actor, offer: Offer) -> bool:
    """The region's secretariat decides an offer's category (the assessment is the region's, not the operator's)."""
    return actor.is_superuser or (actor.has_role(Role.SECRETARIAT)
                                  and actor.region_id == offer.municipality.region_id)


# The offer's tariff page.


@dataclass(frozen=True)
class OfferTariffYear:
    year: int
    tariffs: list[Tariff]
    budget: TariffBudget | None
    category: OfferCategory | None


@dataclass(frozen=True)
class OfferTariffs:
    offer: Offer
    years: list[OfferTariffYear]
    services: list[Service]
    may_manage: bool
    may_decide_category: bool
    this_year: int = 0
    reserve_balance_ore: int | None = None  # the offer's reserved surplus this year; None: none to show
    reserve_warnings: list[str] = field(default_factory=list)


def offer_tariffs(*, actor: Actor, offer_id: int, this_year: int) -> OfferTariffs:
    """An offer's tariffs, budgets and categories per year (this year and next always listed)."""
    _require_login(actor)
    offer = Offer.objects.select_related("operator", "municipality", "municipality__region").filter(
        pk=offer_id).first()
    if offer is None:
        raise NotFound("Tilbuddet findes ikke.", message_en="Offer not found.")
    tariffs = list(Tariff.objects.filter(service__offer=offer).select_related("service", "calculation", "explanation"))
    budgets = {b.year: b for b in TariffBudget.objects.filter(offer=offer).prefetch_related("calculations")}
    categories = {c.year: c for c in OfferCategory.objects.filter(offer=offer)}
    years = sorted({t.year for t in tariffs} | set(budgets) | {this_year, this_year + 1}, reverse=True)
    may_manage = can_manage_tariffs(actor, operator_id=offer.operator_id, region_id=offer.municipality.region_id)
    has_reserve = may_manage and ReserveEntry.objects.filter(offer=offer).exists()
    return OfferTariffs(
        offer=offer, services=budget_services(offer), this_year=this_year,
        reserve_balance_ore=reserve_balance_ore(offer_id=offer.pk, year=this_year) if has_reserve else None,
        reserve_warnings=reserve_warnings(offer_id=offer.pk, year=this_year) if has_reserve else [],
        years=[OfferTariffYear(year=year, budget=budgets.get(year), category=categories.get(year),
                               tariffs=sorted((t for t in tariffs if t.year == year),
                                              key=lambda t: (t.service.kind, t.service.name)))
               for year in years],
        may_manage=may_manage, may_decide_category=category_may_decide(actor, offer),
    )


def reserve_open_entries(*, offer_id: int, year: int) -> list[tuple[ReserveEntry, int]]:
    """The offer's reserved surpluses not expired before `year` with what remains of each, oldest expiry first.

    A reserve is the offer's: the clause reserves "overskud på op til 5 pct. af takstberegningsgrundlaget", the
    basis of that offer's tariff, so one offer's surplus neither shows in nor is drawn on by another's ledger.
    """
    reserves = (
        ReserveEntry.objects.filter(offer_id=offer_id, amount_ore__gt=0, expires_year__gte=year)
        .annotate(used=Sum("uses__amount_ore"))
        .order_by("expires_year", "id")
    )
    return [(r, r.amount_ore + (r.used or 0)) for r in reserves if r.amount_ore + (r.used or 0) > 0]


def reserve_balance_ore(*, offer_id: int, year: int) -> int:
    return sum(remaining for _, remaining in reserve_open_entries(offer_id=offer_id, year=year))


def reserve_warnings(*, offer_id: int, year: int) -> list[str]:
    """The offer's reserved surplus that must be used this year or next (the 5-year rule), oldest first."""
    return [
        f"Hensat overskud fra {entry.surplus_year}: {ore_to_kr(remaining)} kr. skal være brugt senest i "
        f"{entry.expires_year}."
        for entry, remaining in reserve_open_entries(offer_id=offer_id, year=year)
        if entry.expires_year <= year + 1
    ]
