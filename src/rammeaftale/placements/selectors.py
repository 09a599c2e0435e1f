"""Reads for placements, scoped to the acting user: the buying municipalities and the selling operator only."""
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import Role
from rammeaftale.accounts.permissions import (
    can_manage_placement_as_buyer,
    can_manage_placement_as_operator,
    can_see_full_cpr,
    can_see_placement,
)
from rammeaftale.core.errors import NotAllowed, NotFound
from rammeaftale.engine.notice import charge_end, notice_end
from rammeaftale.placements.models import (
    CHARGED_STATUSES,
    HOLDING_STATUSES,
    Placement,
    PlacementStatus,
    RegisteredHours,
)
from rammeaftale.registry.models import Agreement, Offer, ServiceUnit
from rammeaftale.registry.rules import RulesInForce, rules_in_force
from rammeaftale.rulebooks import RulebookParameter, rulebook_parameters
from rammeaftale.tariffs.timeline import TariffSpan, tariffs_on


def _visible(actor: Actor) -> Q:
    if actor.is_superuser:
        return Q()
    buyer = Q(acting_municipality_id=actor.organisation_id) | Q(paying_municipality_id=actor.organisation_id)
    seller = Q(offer__operator_id=actor.organisation_id)
    scope = Q(pk__in=[])
    if actor.has_role(Role.CASEWORKER, Role.ECONOMIST, Role.ADMINISTRATOR):
        scope |= buyer
    if actor.has_role(Role.OPERATOR, Role.ECONOMIST, Role.ADMINISTRATOR):
        scope |= seller
    return scope


@dataclass(frozen=True)
class PlacementFilters:
    status: str = ""
    side: str = ""  # "bought": as acting or paying municipality; "sold": as the operator
    offer_id: int | None = None
    text: str = ""


def placement_list(*, actor: Actor, filters: PlacementFilters = PlacementFilters()) -> QuerySet[Placement]:
    """The placements the actor may see; the secretariat sees none individually (aggregates only)."""
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.")
    placements = (
        Placement.objects.filter(_visible(actor))
        .select_related("offer", "offer__operator", "acting_municipality", "paying_municipality")
        .order_by("-start_date", "reference")
    )
    if filters.status:
        placements = placements.filter(status=filters.status)
    if filters.side == "bought":
        placements = placements.filter(Q(acting_municipality_id=actor.organisation_id)
                                       | Q(paying_municipality_id=actor.organisation_id))
    elif filters.side == "sold":
        placements = placements.filter(offer__operator_id=actor.organisation_id)
    if filters.offer_id:
        placements = placements.filter(offer_id=filters.offer_id)
    if filters.text:
        placements = placements.filter(Q(reference__icontains=filters.text) | Q(citizen_name__icontains=filters.text)
                                       | Q(offer__name__icontains=filters.text))
    return placements


def placement_get(*, actor: Actor, placement_id: int) -> Placement:
    placement = (
        Placement.objects.select_related("offer", "offer__operator", "offer__municipality",
                                         "offer__municipality__region", "acting_municipality", "paying_municipality")
        .prefetch_related("services__service")
        .filter(pk=placement_id).first()
    )
    if placement is None or not can_see_placement(
        actor, acting_id=placement.acting_municipality_id, paying_id=placement.paying_municipality_id,
        operator_id=placement.offer.operator_id,
    ):
        raise NotFound("Placeringen findes ikke.", message_en="Placement not found.")
    return placement


def may_read_full_cpr(*, actor: Actor, placement: Placement) -> bool:
    return can_see_full_cpr(actor, acting_id=placement.acting_municipality_id,
                            paying_id=placement.paying_municipality_id, operator_id=placement.offer.operator_id)


@dataclass(frozen=True)
class Vacancy:
    places: int
    held: int

    @property
    def free(self) -> int:
        return max(self.places - self.held, 0)


def offer_vacancy(*, offer: Offer, on: date) -> Vacancy:
    """Places and held places on a day: no personal data, so every logged-in user may see it."""
    capacity = offer.capacities.filter(valid_from__lte=on).order_by("-valid_from").first()
    held = sum(
        1 for p in Placement.objects.filter(offer=offer, status__in=HOLDING_STATUSES, start_date__lte=on)
        if p.holds_until is None or p.holds_until > on
    )
    return Vacancy(places=capacity.places if capacity else 0, held=held)


# What the pages, the API and the contract show beside a placement.


def placement_actions(*, actor: Actor, placement: Placement) -> frozenset[str]:
    """The actions the actor may offer on the placement now (by role and status); the services check again."""
    buyer = can_manage_placement_as_buyer(actor, acting_id=placement.acting_municipality_id)
    operator = can_manage_placement_as_operator(actor, operator_id=placement.offer.operator_id)
    status = placement.status
    actions = set()
    if status == PlacementStatus.REQUESTED and (buyer or operator):
        actions.add("reserve")
    if status == PlacementStatus.RESERVED and operator:
        actions.add("activate")
    if status in (PlacementStatus.RESERVED, PlacementStatus.ACTIVE) and (buyer or operator):
        actions.add("notice")
    if status in (PlacementStatus.ACTIVE, PlacementStatus.NOTICE_GIVEN) and operator:
        actions.add("move_out")
    if status in CHARGED_STATUSES and (buyer or operator):
        actions.add("end_date")
    if status in (PlacementStatus.REQUESTED, PlacementStatus.RESERVED) and buyer:
        actions.add("cancel")
    if status in CHARGED_STATUSES and operator and any(
            ps.service.unit == ServiceUnit.HOUR for ps in placement.services.all()):
        actions.add("hours")
    if operator:
        actions.add("over_occupancy")  # the reason field when a reservation exceeds capacity
    return frozenset(actions)


def placement_tariffs(*, placement: Placement, on: date) -> dict[int, TariffSpan]:
    """The tariff of each bought service on a day, by service id (public prices, no personal data)."""
    return tariffs_on(service_ids=[ps.service_id for ps in placement.services.all()], day=on)


def placement_hours(*, placement: Placement) -> list[RegisteredHours]:
    """Hours registered under the placement's hour-based services, newest first."""
    return list(RegisteredHours.objects.filter(placement_service__placement=placement)
                .select_related("placement_service__service").order_by("-day", "placement_service_id"))


@dataclass(frozen=True)
class PlacementTerms:
    """The agreement's payment and notice rules for a placement, each with its source or why it is assumed."""

    rules: RulesInForce
    payment: list[RulebookParameter]
    notice: list[RulebookParameter]
    notice_months: int  # for the offer's type
    running_month: bool
    full_tariff_during_notice: bool

    @property
    def agreement(self) -> Agreement:
        return self.rules.agreement

    @property
    def rulebook_name(self) -> str:
        return self.rules.rulebook.name

    def notice_end_if_given(self, given_on: date) -> date:
        return notice_end(given_on=given_on, months=self.notice_months, running_month=self.running_month)

    @property
    def notice_rule_da(self) -> str:
        months = f"{self.notice_months} {'måned' if self.notice_months == 1 else 'måneder'}"
        return f"løbende måned + {months}" if self.running_month else f"{months} fra opsigelsen"


def placement_terms(*, placement: Placement, today: date) -> PlacementTerms:
    """Payment and notice per the rules in force on the day notice was given (they fixed its terms, recorded on
    the placement), else on `today` (what notice given today would mean). DomainError: no agreement."""
    rules = rules_in_force(region=placement.offer.municipality.region, on=placement.notice_given_on or today)
    rulebook = rules.rulebook
    parameters = rulebook_parameters(rulebook)
    full_tariff = (placement.notice_full_tariff if placement.notice_full_tariff is not None
                   else rulebook.notice.full_tariff_during_notice.value)
    return PlacementTerms(
        rules=rules,
        payment=[p for p in parameters if p.path.startswith("payment.")],
        notice=[p for p in parameters if p.path.startswith("notice.")],
        notice_months=rulebook.notice_months(placement.offer.offer_type),
        running_month=rulebook.notice.running_month.value,
        full_tariff_during_notice=full_tariff,
    )


# Reads the services build on: the rules of a day, capacity, and what is charged.


def rules_for_offer(offer: Offer, on: date) -> RulesInForce:
    """The rules that govern a placement in the offer on a day (those of the offer's region)."""
    return rules_in_force(region=offer.municipality.region, on=on)


def earliest_end(*, placement: Placement, today: date) -> date:
    """The earliest end the notice allows: the running notice's end, else the end of notice given today."""
    if placement.notice_end is not None:
        return placement.notice_end
    rulebook = rules_for_offer(placement.offer, today).rulebook
    return notice_end(given_on=max(today, placement.start_date),
                         months=rulebook.notice_months(placement.offer.offer_type),
                         running_month=rulebook.notice.running_month.value)


def charged_until(placement: Placement) -> date | None:
    """The first day not charged for a placement (None: open-ended); see charge_end."""
    return charge_end(end_date=placement.end_date, planned_end=placement.planned_end,
                      notice_end=placement.notice_end, moved_out_on=placement.moved_out_on,
                      notice_full_tariff=placement.notice_full_tariff)


@dataclass(frozen=True)
class CapacityShortfall:
    day: date
    places: int
    held: int


def _places_by_date(offer: Offer) -> list[tuple[date, int]]:
    return list(offer.capacities.order_by("valid_from").values_list("valid_from", "places"))


def capacity_shortfall(*, offer: Offer, start: date, end: date | None, exclude_id: int | None = None,
                       extra: int = 1) -> CapacityShortfall | None:
    """The first day in [start, end) where holding placements plus `extra` exceed the offer's places, if any.

    Counts change only where a placement starts or stops holding or the capacity changes, so those days are
    the only ones to check.
    """
    holders = Placement.objects.filter(offer=offer, status__in=HOLDING_STATUSES)
    if exclude_id is not None:
        holders = holders.exclude(pk=exclude_id)
    intervals = []
    for placement in holders:
        until = placement.holds_until
        if (end is None or placement.start_date < end) and (until is None or until > start):
            intervals.append((placement.start_date, until))
    capacities = _places_by_date(offer)
    days = {start} | {s for s, _ in intervals if s > start} | {u for _, u in intervals if u and u > start}
    days |= {valid_from for valid_from, _ in capacities if valid_from > start}
    for day in sorted(d for d in days if end is None or d < end):
        places = next((p for valid_from, p in reversed(capacities) if valid_from <= day), 0)
        held = sum(1 for s, u in intervals if s <= day and (u is None or day < u))
        if held + extra > places:
            return CapacityShortfall(day=day, places=places, held=held)
    return None
