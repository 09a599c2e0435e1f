"""Reads for placements, scoped to the acting user: the buying municipalities and the selling operator only."""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Greatest, Least

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import Role
from rammeaftale.accounts.permissions import (
    can_answer_payer_consent,
    can_manage_placement_as_buyer,
    can_manage_placement_as_operator,
    can_see_full_cpr,
    can_see_placement,
)
from rammeaftale.bulk import id_lists
from rammeaftale.core.errors import NotAllowed, NotFound
from rammeaftale.engine.notice import charge_end, notice_end
from rammeaftale.engine.occupancy import Capacity, FreePlaces, Hold, Span, free_places
from rammeaftale.parties.models import Organisation
from rammeaftale.placements.models import (
    CHARGED_STATUSES,
    CONSENTED,
    HOLD_ENDS,
    HOLDING_STATUSES,
    OPEN_END,
    PayerConsent,
    Placement,
    PlacementService,
    PlacementStatus,
    RegisteredHours,
)
from rammeaftale.registry.history import operator_placements_q, placement_operator_ids
from rammeaftale.registry.models import Agreement, Offer, OfferCapacity, ServiceUnit
from rammeaftale.registry.rules import RulesInForce, rules_in_force
from rammeaftale.rulebooks import RulebookParameter, rulebook_parameters
from rammeaftale.tariffs.timeline import TariffSpan, tariffs_on


def _visible(actor: Actor) -> Q:
    """As `can_see_placement`: before the payer consents only the acting municipality sees the placement."""
    if actor.is_superuser:
        return Q()
    consented = Q(payer_consent__in=CONSENTED)
    buyer = Q(acting_municipality_id=actor.organisation_id) | (Q(paying_municipality_id=actor.organisation_id)
                                                               & consented)
    scope = Q(pk__in=[])
    if actor.has_role(Role.CASEWORKER, Role.ECONOMIST, Role.ADMINISTRATOR):
        scope |= buyer
    if actor.has_role(Role.OPERATOR, Role.ECONOMIST, Role.ADMINISTRATOR) and actor.organisation_id:
        # the operator of the day: after a takeover each side sees the placements of its own period
        scope |= operator_placements_q(actor.organisation_id) & consented
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
                                       | Q(paying_municipality_id=actor.organisation_id,
                                           payer_consent__in=CONSENTED))
    elif filters.side == "sold":
        placements = placements.filter(operator_placements_q(actor.organisation_id or 0))
    if filters.offer_id:
        placements = placements.filter(offer_id=filters.offer_id)
    if filters.text:
        placements = placements.filter(Q(reference__icontains=filters.text) | Q(citizen_name__icontains=filters.text)
                                       | Q(offer__name__icontains=filters.text))
    return placements


def placement_services_of(placement_ids: list[int]) -> dict[int, list[dict]]:
    """The bought services of these placements (already scoped by the caller's list), by placement, in their model's
    order: one narrow query instead of Django's two-level prefetch (placement services, then their services)."""
    services: dict[int, list[dict]] = {pk: [] for pk in placement_ids}
    for placement_id, pk, service_id, name, kind, unit, valid_from, valid_to in (
            PlacementService.objects.filter(placement_id__in=placement_ids).order_by("valid_from", "id")
            .values_list("placement_id", "id", "service_id", "service__name", "service__kind", "service__unit",
                         "valid_from", "valid_to")):
        services[placement_id].append({"id": pk, "service_id": service_id, "name": name, "kind": kind, "unit": unit,
                                       "valid_from": valid_from, "valid_to": valid_to})
    return services


def placement_get(*, actor: Actor, placement_id: int) -> Placement:
    placement = (
        Placement.objects.select_related("offer", "offer__operator", "offer__municipality",
                                         "offer__municipality__region", "acting_municipality", "paying_municipality")
        .prefetch_related("services__service")
        .filter(pk=placement_id).first()
    )
    if placement is None or not can_see_placement(
        actor, acting_id=placement.acting_municipality_id, paying_id=placement.paying_municipality_id,
        operator_id=_operator_seen_as(actor, placement), payer_consented=placement.payer_consented,
    ):
        raise NotFound("Placeringen findes ikke.", message_en="Placement not found.")
    return placement


def _operator_seen_as(actor: Actor, placement: Placement) -> int:
    """The operator the permission checks: the actor's organisation where it operated the offer during the stay
    (after a takeover, each side for its own period), else another operator of the stay, never the actor's."""
    operators = placement_operator_ids(offer=placement.offer, start_date=placement.start_date,
                                       end_date=placement.end_date)
    return actor.organisation_id if actor.organisation_id in operators else min(operators)


def may_read_full_cpr(*, actor: Actor, placement: Placement) -> bool:
    return can_see_full_cpr(actor, acting_id=placement.acting_municipality_id,
                            paying_id=placement.paying_municipality_id, operator_id=_operator_seen_as(actor, placement),
                            payer_consented=placement.payer_consented)


# The paying municipality's consent: what the payer sees of a request before it accepts.


@dataclass(frozen=True)
class ConsentService:
    name: str
    kind: str
    unit: str
    kind_label: str
    unit_label: str
    tariff: TariffSpan | None  # on the start day


@dataclass(frozen=True)
class ConsentRequest:
    """A request to pay, as the payer sees it: who asks, for which offer, when, what it costs and why — nothing of
    the citizen (no name, CPR, birth date, address, custody or contact). Built field by field, so a template or
    schema cannot reach the placement's personal data through it."""

    id: int
    reference: str
    consent: str
    consent_label: str
    status: str
    acting_municipality: Organisation
    paying_municipality: Organisation
    offer: Offer
    start_date: date
    planned_end: date | None
    justification: str
    reserve_on_consent: bool
    covered_by_agreement: bool
    agreement_coverage_note: str
    payment_agreement: str
    services: tuple[ConsentService, ...]
    requested_at: datetime
    answered_at: datetime | None
    answered_by: str
    note: str


CONSENT_STATES = {"pending": (PayerConsent.PENDING,), "answered": (PayerConsent.ACCEPTED, PayerConsent.DECLINED)}
CONSENT_STATE_CHOICES = (("pending", "Venter på svar"), ("answered", "Besvarede"))


def _consent_scope(actor: Actor) -> QuerySet[Placement]:
    """The requests to pay addressed to the actor's municipality (the platform sees all of them)."""
    requests = Placement.objects.exclude(payer_consent=PayerConsent.NOT_NEEDED)
    if actor.is_superuser:
        return requests
    if not can_answer_payer_consent(actor, paying_id=actor.organisation_id or 0) or actor.organisation_id is None:
        return requests.none()
    return requests.filter(paying_municipality_id=actor.organisation_id)


def _consent_request(placement: Placement) -> ConsentRequest:
    tariffs = tariffs_on(service_ids=[ps.service_id for ps in placement.services.all()], day=placement.start_date)
    by = placement.payer_consent_by
    return ConsentRequest(
        id=placement.pk, reference=placement.reference, consent=placement.payer_consent,
        consent_label=placement.get_payer_consent_display(), status=placement.status,
        acting_municipality=placement.acting_municipality, paying_municipality=placement.paying_municipality,
        offer=placement.offer, start_date=placement.start_date, planned_end=placement.planned_end,
        justification=placement.payer_justification, reserve_on_consent=placement.reserve_on_consent,
        covered_by_agreement=placement.covered_by_agreement,
        agreement_coverage_note=placement.agreement_coverage_note, payment_agreement=placement.payment_agreement,
        services=tuple(ConsentService(name=ps.service.name, kind=ps.service.kind, unit=ps.service.unit,
                                      kind_label=ps.service.get_kind_display(),
                                      unit_label=ps.service.get_unit_display(), tariff=tariffs.get(ps.service_id))
                       for ps in placement.services.all()),
        requested_at=placement.created_at, answered_at=placement.payer_consent_at,
        answered_by=(by.get_full_name() or by.get_username()) if by else "", note=placement.payer_consent_note,
    )


def _consent_rows(queryset: QuerySet[Placement]) -> QuerySet[Placement]:
    return (queryset.select_related("offer", "offer__operator", "acting_municipality", "paying_municipality",
                                    "payer_consent_by")
            .prefetch_related("services__service"))


def placement_consent_list(*, actor: Actor, state: str = "pending", limit: int = 200) -> list[ConsentRequest]:
    """The requests to pay addressed to the actor's municipality: `pending` (awaiting its answer, oldest first) or
    `answered` (newest answer first)."""
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.")
    if state == "answered":
        requests, order = (_consent_scope(actor).filter(payer_consent__in=CONSENT_STATES["answered"]),
                           ("-payer_consent_at", "-id"))
    else:  # a request the acting municipality withdrew (cancelled) awaits nothing
        requests, order = (_consent_scope(actor).filter(payer_consent=PayerConsent.PENDING,
                                                        status=PlacementStatus.REQUESTED), ("created_at", "id"))
    return [_consent_request(p) for p in _consent_rows(requests).order_by(*order)[:limit]]


def placement_consent_get(*, actor: Actor, placement_id: int) -> ConsentRequest:
    """One request to pay, for its payer; NotFound for anyone else (as for a placement one may not see)."""
    placement = _consent_rows(_consent_scope(actor)).filter(pk=placement_id).first()
    if placement is None:
        raise NotFound("Anmodningen findes ikke.", message_en="Consent request not found.")
    return _consent_request(placement)


def placement_consent_count(*, actor: Actor) -> int:
    """How many requests await the actor's municipality (for the menu)."""
    if not actor.is_authenticated or actor.is_superuser:
        return 0
    return _consent_scope(actor).filter(payer_consent=PayerConsent.PENDING, status=PlacementStatus.REQUESTED).count()


def placements_awaiting_consent(*, seller_ids: Iterable[int], first_day: date, last_day: date) -> list[Placement]:
    """The sellers' requested placements waiting for the payer's accept that meet [first_day, last_day): named in
    the settlement preview (reference, buyer, payer, start; no citizen). One query per chunk of sellers."""
    placements = []
    for chunk in id_lists(seller_ids):
        placements += (Placement.objects.filter(offer__operator_id__in=chunk, payer_consent=PayerConsent.PENDING,
                                                start_date__lt=last_day)
                       .filter(Q(planned_end__isnull=True) | Q(planned_end__gt=first_day))
                       .filter(status=PlacementStatus.REQUESTED)
                       .select_related("acting_municipality", "paying_municipality", "offer"))
    return sorted(placements, key=lambda p: (p.start_date, p.reference))


@dataclass(frozen=True)
class Vacancy:
    places: int
    held: int

    @property
    def free(self) -> int:
        return max(self.places - self.held, 0)


def free_places_of(spans: list[Span], *, need: int = 1, exclude_id: int | None = None) -> list[FreePlaces]:
    """Free places of each span's offer (the occupancy engine's `free_places`, in the spans' order): its dated
    capacity minus the placements holding a place (reserved, active, under notice: until `holds_until`, so a place
    freed by notice is free from the day the notice ends); `exclude_id` leaves one placement out (the one being
    checked). No personal data, so every logged-in user may see it.

    The placements are read grouped by the days they hold a place, clipped to the spans (a start before the first
    span counts from its first day, an end after the last span's end as no end): the levels inside the spans are
    the same, and an offer's long stays cost the database one row instead of one each."""
    if not spans:
        return []
    offer_ids = {span.offer_id for span in spans}
    first = min(span.start for span in spans)
    last = None if any(span.end is None for span in spans) else max(span.end for span in spans)
    until = Least(*(Coalesce(field, Value(OPEN_END)) for field in HOLD_ENDS))
    holds, capacities = [], []
    for ids in id_lists(offer_ids):
        holders = (Placement.objects.filter(offer_id__in=ids, status__in=HOLDING_STATUSES)
                   .annotate(until=until).filter(until__gt=first))
        if exclude_id is not None:
            holders = holders.exclude(pk=exclude_id)
        grouped = (holders.annotate(
            from_day=Greatest("start_date", Value(first)),
            to_day=Case(When(until__gte=last or OPEN_END, then=Value(OPEN_END)), default="until"))
            .values("offer_id", "from_day", "to_day").annotate(count=Count("pk")).order_by())
        holds += [Hold(row["offer_id"], row["from_day"], None if row["to_day"] == OPEN_END else row["to_day"],
                       row["count"]) for row in grouped]
        capacities += [Capacity(*row) for row in OfferCapacity.objects.filter(offer_id__in=ids).order_by(
            "offer_id", "valid_from", "pk").values_list("offer_id", "valid_from", "places")]
    return free_places(holds, capacities, spans, need=need)


def offer_vacancy(*, offer: Offer, on: date) -> Vacancy:
    """Places and held places on a day (`free_places_of`)."""
    [day] = free_places_of([Span(offer.pk, on, on + timedelta(days=1))])
    return Vacancy(places=day.places, held=day.held)


# What the pages, the API and the contract show beside a placement.


def placement_actions(*, actor: Actor, placement: Placement) -> frozenset[str]:
    """The actions the actor may offer on the placement now (by role and status); the services check again."""
    buyer = can_manage_placement_as_buyer(actor, acting_id=placement.acting_municipality_id)
    operator = can_manage_placement_as_operator(actor, operator_id=placement.offer.operator_id)
    status = placement.status
    actions = set()
    if not placement.payer_consented:  # a request to the payer: the acting municipality may only withdraw it
        if status == PlacementStatus.REQUESTED and buyer:
            actions.add("cancel")
        return frozenset(actions)
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
    if status in CHARGED_STATUSES and can_manage_placement_as_buyer(actor, acting_id=placement.paying_municipality_id):
        actions.add("household")  # the payer's key for children of one household (SEL § 176 refusion)
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


def capacity_shortfall(*, offer: Offer, start: date, end: date | None, exclude_id: int | None = None,
                       extra: int = 1) -> CapacityShortfall | None:
    """The first day in [start, end) where holding placements plus `extra` exceed the offer's places, if any
    (`free_places_of`)."""
    [span] = free_places_of([Span(offer.pk, start, end)], need=extra, exclude_id=exclude_id)
    if span.short_on is None:
        return None
    return CapacityShortfall(day=span.short_on, places=span.short_places, held=span.short_held)
