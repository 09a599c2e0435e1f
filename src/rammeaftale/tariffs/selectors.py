"""Reads for tariffs: the tariff list with changes and flags, breakdowns, budgets, P/L, categories and reserves.

Every function takes the acting user: what it may see, and what it may do (`may_…`), is decided here.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import Role
from rammeaftale.accounts.permissions import can_maintain_price_index, can_manage_tariffs
from rammeaftale.core.errors import NotAllowed, NotFound
from rammeaftale.core.money import ore_to_kr
from rammeaftale.engine.categorisation import CategorySuggestion, Sales, category_suggest
from rammeaftale.engine.indexation import overhead_share_pct, tariff_growth_check
from rammeaftale.registry.models import Agreement, Offer, OfferCategory, Service
from rammeaftale.registry.selectors import agreement_for
from rammeaftale.registry.services import rulebook_of
from rammeaftale.tariffs.models import (
    ActualOccupancy,
    OccupancyApproval,
    PriceIndex,
    ReserveEntry,
    ServiceBudget,
    Tariff,
    TariffBudget,
    TariffCalculation,
)
from rammeaftale.tariffs.services import budgeted_occupancy_suggest

FLAG_FILTERS = {
    "over_pl": "Over P/L",
    "unexplained": "Over P/L uden forklaring",
    "report": "Skal indberettes",
    "flagged": "Alle markerede",
}


def _require_login(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.", message_en="Authentication required.")


@dataclass(frozen=True)
class TariffRow:
    tariff: Tariff
    previous: Tariff | None
    increase_pct: Decimal | None
    exceeds_pl: bool
    report_required: bool
    explained: bool
    may_explain: bool = False  # the acting user may record (or change) the explanation

    @property
    def needs_explanation(self) -> bool:
        return self.exceeds_pl and not self.explained

    @property
    def flagged(self) -> bool:
        return self.exceeds_pl or self.report_required


@dataclass(frozen=True)
class TariffList:
    agreement: Agreement
    year: int
    price_index: PriceIndex | None
    rows: list[TariffRow]


def _row(*, actor: Actor, tariff: Tariff, previous: Tariff | None, pl_pct: Decimal | None, rulebook) -> TariffRow:
    check = None
    if previous is not None and previous.amount_ore > 0:
        check = tariff_growth_check(previous_kr=ore_to_kr(previous.amount_ore), current_kr=ore_to_kr(tariff.amount_ore),
                                    pl_pct=pl_pct, rulebook=rulebook, offer_type=tariff.service.offer.offer_type)
    exceeds_pl = bool(check and check.exceeds_pl)
    offer = tariff.service.offer
    return TariffRow(
        tariff=tariff, previous=previous, increase_pct=check.increase_pct if check else None, exceeds_pl=exceeds_pl,
        report_required=bool(check and check.report_required), explained=hasattr(tariff, "explanation"),
        may_explain=exceeds_pl and can_manage_tariffs(actor, operator_id=offer.operator_id,
                                                      region_id=offer.municipality.region_id),
    )


def _tariffs():
    return Tariff.objects.select_related(
        "service", "service__offer", "service__offer__operator", "service__offer__municipality", "explanation")


def tariff_list(*, actor: Actor, agreement: Agreement, year: int, operator_id: int | None = None,
                paragraph: str = "", offer_type: str = "", flag: str = "",
                with_calculations: bool = False) -> TariffList:
    """Every tariff of the agreement's region for a year, with last year's tariff and the P/L and report flags.

    `flag` narrows to the rows flagged over P/L ("over_pl"), over P/L without an explanation ("unexplained"),
    to be reported ("report") or any of them ("flagged"). `with_calculations` loads each tariff's stored
    calculation in the same query (the exports and the API show the breakdowns; the page does not).
    """
    _require_login(actor)
    rulebook = rulebook_of(agreement.rulebook)
    tariffs = (
        _tariffs().filter(year=year, service__offer__municipality__region_id=agreement.region_id)
        .order_by("service__offer__name", "service__kind", "service__name")
    )
    if with_calculations:
        tariffs = tariffs.select_related("calculation")
    if operator_id:
        tariffs = tariffs.filter(service__offer__operator_id=operator_id)
    if paragraph:
        tariffs = tariffs.filter(service__offer__paragraphs__code=paragraph).distinct()
    if offer_type:
        tariffs = tariffs.filter(service__offer__offer_type=offer_type)
    tariffs = list(tariffs)
    previous = {
        t.service_id: t for t in Tariff.objects.filter(year=year - 1, service_id__in=[t.service_id for t in tariffs])
    }
    price_index = PriceIndex.objects.filter(year=year).first()
    pl_pct = price_index.rate_pct if price_index else None
    rows = [_row(actor=actor, tariff=tariff, previous=previous.get(tariff.service_id), pl_pct=pl_pct, rulebook=rulebook)
            for tariff in tariffs]
    keep = {
        "over_pl": lambda row: row.exceeds_pl, "unexplained": lambda row: row.needs_explanation,
        "report": lambda row: row.report_required, "flagged": lambda row: row.flagged,
    }.get(flag)
    if keep is not None:
        rows = [row for row in rows if keep(row)]
    return TariffList(agreement=agreement, year=year, price_index=price_index, rows=rows)


def tariff_get(*, actor: Actor, tariff_id: int) -> Tariff:
    """One tariff; tariffs and their basis of calculation are open to every logged-in user (the open list)."""
    _require_login(actor)
    tariff = _tariffs().select_related("calculation", "service__offer__municipality__region").filter(
        pk=tariff_id).first()
    if tariff is None:
        raise NotFound("Taksten findes ikke.", message_en="Tariff not found.")
    return tariff


def _rulebook_for(region_id: int, year: int):
    """The rulebook of the agreement covering the year, else of the region's latest agreement before it."""
    agreement = agreement_for(region_id=region_id, year=year) or (
        Agreement.objects.select_related("rulebook").filter(region_id=region_id, year_from__lte=year)
        .order_by("-year_to").first()
    )
    return (agreement, rulebook_of(agreement.rulebook)) if agreement else (None, None)


def tariff_list_row(*, actor: Actor, tariff_id: int) -> TariffRow:
    """The tariff list's row for one tariff (the explanation form swaps it in place)."""
    tariff = tariff_get(actor=actor, tariff_id=tariff_id)
    _, rulebook = _rulebook_for(tariff.service.offer.municipality.region_id, tariff.year)
    price_index = PriceIndex.objects.filter(year=tariff.year).first()
    return _row(actor=actor, tariff=tariff, rulebook=rulebook,
                previous=Tariff.objects.filter(service_id=tariff.service_id, year=tariff.year - 1).first(),
                pl_pct=price_index.rate_pct if price_index else None)


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


def operator_overhead_check(*, operator_id: int, year: int, norm_pct: Decimal | None) -> OverheadCheck:
    """Overhead as a share of direct costs over the operator's current calculations of the year."""
    direct, overhead, count = Decimal(0), Decimal(0), 0
    calculation_ids = set(Tariff.objects.filter(service__offer__operator_id=operator_id, year=year)
                          .exclude(calculation=None).values_list("calculation_id", flat=True))
    for result in TariffCalculation.objects.filter(pk__in=calculation_ids).values_list("result", flat=True):
        count += 1
        for service in result["services"]:
            for line in service["breakdown"]:
                if line["element"] in ("salaries", "property", "other_direct"):
                    direct += Decimal(line["amount"])
                elif line["element"] == "overhead":
                    overhead += Decimal(line["amount"])
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


def price_index_list(*, actor: Actor) -> PriceIndexTable:
    """The P/L table is shared by all and readable by every logged-in user; the secretariats keep it."""
    _require_login(actor)
    return PriceIndexTable(rows=list(PriceIndex.objects.order_by("-year")),
                           may_maintain=can_maintain_price_index(actor))


# Budgets.


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

    @property
    def needs_approval(self) -> bool:
        return any(line.outside_bounds and not line.approved for line in self.lines)


def budget_services(offer: Offer) -> list[Service]:
    """The offer's services in the order of the budget and of its calculation: kind, then name."""
    return sorted(offer.services.all(), key=lambda service: (service.kind, service.name))


def budget_page(*, actor: Actor, offer_id: int, year: int) -> BudgetPage:
    offer = offer_for_tariffs(actor=actor, offer_id=offer_id)
    agreement = agreement_for(region_id=offer.municipality.region_id, year=year)
    rulebook = rulebook_of(agreement.rulebook) if agreement else None
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


@dataclass(frozen=True)
class CategoryAssessment:
    offer: Offer
    year: int
    record: OfferCategory | None
    rulebook_name: str
    suggestion: CategorySuggestion
    daily_tariff_kr: Decimal | None
    daily_tariff_source: str
    other_buying_municipalities: int
    share_sold_pct: Decimal
    may_decide: bool

    @property
    def locked(self) -> bool:
        return self.record is not None and self.record.decided_at is not None


def _daily_tariff(offer: Offer, year: int, rulebook) -> tuple[Decimal | None, str]:
    """The offer's basis tariff per day in the year, or the newest before it (a month's tariff ÷ the conversion)."""
    tariff = (Tariff.objects.filter(service__offer=offer, service__kind="basis", service__unit__in=["day", "month"],
                                    year__lte=year).select_related("service").order_by("-year").first())
    if tariff is None:
        return None, "Tilbuddet har ingen døgntakst; skriv den."
    amount = ore_to_kr(tariff.amount_ore)
    if tariff.service.unit == "month" and rulebook is not None:
        conversion = rulebook.monthly_conversion_fraction(tariff.year)
        amount = (amount * conversion.denominator / conversion.numerator).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return amount, f"{tariff.service.name}, takst {tariff.year}"


def category_may_decide(actor: Actor, offer: Offer) -> bool:
    """The region's secretariat decides an offer's category (the assessment is the region's, not the operator's)."""
    return actor.is_superuser or (actor.has_role(Role.SECRETARIAT)
                                  and actor.region_id == offer.municipality.region_id)


def category_assessment(*, actor: Actor, offer_id: int, year: int, daily_tariff_kr: Decimal | None = None,
                        other_buying_municipalities: int | None = None,
                        share_sold_pct: Decimal | None = None) -> CategoryAssessment:
    """The rulebook's suggestion for the year from the offer's tariff and sales, and the decision if made.

    Sales are not recorded yet, so the number of other buying municipalities and the share of places sold are
    given by the user (default 0); the tariff is the offer's own unless given.
    """
    _require_login(actor)
    offer = Offer.objects.select_related("operator", "municipality", "municipality__region").filter(
        pk=offer_id).first()
    if offer is None:
        raise NotFound("Tilbuddet findes ikke.", message_en="Offer not found.")
    agreement, rulebook = _rulebook_for(offer.municipality.region_id, year)
    own_tariff, source = _daily_tariff(offer, year, rulebook)
    if daily_tariff_kr is not None:
        source = "indtastet"
    tariff_kr = daily_tariff_kr if daily_tariff_kr is not None else own_tariff
    buyers = other_buying_municipalities or 0
    share = share_sold_pct if share_sold_pct is not None else Decimal(0)
    if rulebook is None:
        suggestion = CategorySuggestion(None, "Ingen rammeaftale for regionen; kategorien vurderes manuelt.")
    else:
        suggestion = category_suggest(sales=Sales(daily_tariff_kr=tariff_kr or Decimal(0),
                                                  other_buying_municipalities=buyers, places=Decimal(100),
                                                  places_sold_to_others=share), rulebook=rulebook)
    return CategoryAssessment(
        offer=offer, year=year, record=OfferCategory.objects.filter(offer=offer, year=year)
        .select_related("decided_by").first(), rulebook_name=rulebook.name if rulebook else "",
        suggestion=suggestion, daily_tariff_kr=tariff_kr, daily_tariff_source=source,
        other_buying_municipalities=buyers, share_sold_pct=share, may_decide=category_may_decide(actor, offer),
    )


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


def offer_tariffs(*, actor: Actor, offer_id: int, this_year: int | None = None) -> OfferTariffs:
    """An offer's tariffs, budgets and categories per year (this year and next always listed)."""
    _require_login(actor)
    offer = Offer.objects.select_related("operator", "municipality", "municipality__region").filter(
        pk=offer_id).first()
    if offer is None:
        raise NotFound("Tilbuddet findes ikke.", message_en="Offer not found.")
    this_year = this_year or date.today().year
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
