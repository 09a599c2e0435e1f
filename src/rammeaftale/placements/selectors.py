"""Reads for placements, scoped to the acting user: the buying municipalities and the selling operator only."""
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import Role
from rammeaftale.accounts.permissions import can_see_full_cpr, can_see_placement
from rammeaftale.core.errors import NotAllowed, NotFound
from rammeaftale.placements.models import HOLDING_STATUSES, Placement
from rammeaftale.registry.models import Offer


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
