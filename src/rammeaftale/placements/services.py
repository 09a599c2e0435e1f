"""Writes for placements: buying a place without overbooking, move-in, notice, end dates, hours and CPR reads."""
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import uuid4

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record, model_snapshot
from rammeaftale.accounts.permissions import (
    can_answer_payer_consent,
    can_buy_place,
    can_manage_placement_as_buyer,
    can_manage_placement_as_operator,
    can_see_full_cpr,
)
from rammeaftale.core.cpr_text import contains_cpr
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.engine.notice import notice_end as notice_end_of
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements.cpr import (
    cpr_birth_date,
    cpr_clean,
    cpr_decrypt,
    cpr_encrypt,
    cpr_index,
    cpr_mask,
)
from rammeaftale.placements.models import (
    CHARGED_STATUSES,
    HOLDING_STATUSES,
    Custody,
    PayerConsent,
    Placement,
    PlacementService,
    PlacementStatus,
    PublicVacancyCheck,
    RegisteredHours,
)
from rammeaftale.placements.selectors import capacity_shortfall, charged_until, earliest_end, rules_for_offer
from rammeaftale.registry.history import offer_closing_date, offer_status_on
from rammeaftale.registry.models import Offer, OfferStatus, Service, ServiceKind
from rammeaftale.registry.rules import rules_in_force
from rammeaftale.tariffs.timeline import tariffs_missing

CPR_FIELDS = ("cpr_encrypted", "cpr_index")  # never copied into audit events


def _snapshot(placement: Placement) -> dict:
    return model_snapshot(placement, exclude=CPR_FIELDS)


def _audit(actor: Actor, event_type: str, placement: Placement, *, before: dict | None = None, reason: str = ""):
    audit_record(actor=actor, event_type=event_type, organisation_id=placement.acting_municipality_id,
                 obj=placement, before=before, after=_snapshot(placement), reason=reason)




def _hold_place(actor: Actor, placement: Placement, *, over_occupancy_reason: str) -> None:
    """Lock the offer, then check every day of the placement; over capacity only with a recorded reason."""
    Offer.objects.select_for_update().filter(pk=placement.offer_id).first()  # serialises bookings of this offer
    shortfall = capacity_shortfall(offer=placement.offer, start=placement.start_date, end=placement.holds_until,
                                   exclude_id=placement.pk)
    if shortfall is None:
        return
    if not over_occupancy_reason.strip():
        raise DomainError(
            f"{placement.offer.name} har ingen ledig plads {shortfall.day:%d.%m.%Y}: {shortfall.places} pladser, "
            f"{shortfall.held} er optaget. Overbelægning kræver en begrundelse fra driftsherren.",
            field="start_date", code="capacity_exceeded",
            message_en=f"no free place on {shortfall.day.isoformat()} ({shortfall.held}/{shortfall.places} held)",
        )
    if not can_manage_placement_as_operator(actor, operator_id=placement.offer.operator_id):
        raise NotAllowed("Kun driftsherren kan registrere overbelægning.")
    placement.over_occupancy_reason = over_occupancy_reason.strip()


# Buying a place


@dataclass
class PlacementRequest:
    offer: Offer
    paying_municipality: Organisation
    citizen_name: str
    cpr: str
    start_date: date
    planned_end: date | None = None
    citizen_address: str = ""
    custody: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    services: tuple[Service, ...] = ()  # none given: the offer's basis services
    acting_municipality: Organisation | None = None  # none given: the actor's municipality
    payment_agreement: str = ""  # a purchase outside the Styringsaftale: what buyer and seller agreed
    payment_agreement_follows_tariff_principles: bool | None = None
    payer_justification: str = ""  # another municipality pays: why (it reads this before it accepts)
    reserved_until: date | None = None  # the hold date: a reservation not activated by then is released
    public_check_id: int | None = None  # a private offer where the buyer's rules ask: the public vacancies seen first


TEXT_LIMITS = {"citizen_name": 200, "citizen_address": 300, "contact_name": 200, "contact_phone": 30,
               "contact_email": 254, "payment_agreement": 2000, "payer_justification": 2000}


@dataclass(frozen=True)
class AgreementCoverage:
    """Whether the Styringsaftale covers a purchase, why not, and whether an individual payment agreement is due."""

    covered: bool
    reason_da: str  # "" when covered
    payment_agreement_required_by: str  # the agreement whose rulebook requires one; "" when none does

    @property
    def payment_agreement_required(self) -> bool:
        return bool(self.payment_agreement_required_by)


def agreement_coverage(*, offer: Offer, payer: Organisation, on: date) -> AgreementCoverage:
    """Seed 000, "Særligt for Styringsaftalen": the Styringsaftale "alene regulerer køb og salg inden for
    Syddanmark", and it covers the municipal and regional offers of the region, not private ones. So a purchase is
    covered when the operator is not private and the paying municipality lies in the offer's region (the region's
    rules in force on the start day govern it, carried on if its agreement has lapsed). A purchase across the
    region's border needs "en konkret og individuel betalingsaftale" where the seller's or the buyer's rules say so
    (`market.outside_region_payment_agreement_required`)."""
    region = offer.municipality.region
    reasons = []
    if offer.operator.kind == OrganisationKind.PRIVATE_OPERATOR:
        reasons.append("tilbuddet er privat")
    outside = payer.region_id != offer.municipality.region_id
    if outside:
        reasons.append(f"betalingskommunen ligger uden for {region}")
    required_by = ""
    if outside:
        for region_id in (offer.municipality.region_id, payer.region_id):  # the seller's rules, then the buyer's
            try:
                rules = rules_in_force(region=region_id, on=on)
            except DomainError:
                continue
            rule = rules.rulebook.market.outside_region_payment_agreement_required if rules.rulebook.market else None
            if rule is not None and rule.value:
                required_by = rules.agreement.name
                break
    return AgreementCoverage(covered=not reasons, reason_da="; ".join(reasons),
                             payment_agreement_required_by=required_by)


def _check_payment_agreement(request: "PlacementRequest", coverage: AgreementCoverage) -> None:
    """The individual payment agreement belongs to purchases outside the Styringsaftale, and is required where a
    rulebook says so: its text (or reference) and whether it follows the Styringsaftale's tariff principles."""
    text = request.payment_agreement.strip()
    follows = request.payment_agreement_follows_tariff_principles
    if coverage.covered:
        if text or follows is not None:
            raise DomainError(
                "Købet er omfattet af styringsaftalen; en individuel betalingsaftale hører kun til køb uden for den "
                "(privat tilbud eller betalingskommune uden for tilbuddets region).", field="payment_agreement",
                message_en="the purchase is covered by the Styringsaftale: no individual payment agreement",
            )
        return
    if coverage.payment_agreement_required and not text:
        raise DomainError(
            f"Købet er ikke omfattet af styringsaftalen ({coverage.reason_da}). {coverage.payment_agreement_required_by} "
            "kræver ved hvert køb en konkret og individuel betalingsaftale om bl.a. underskudsdeling, takst og "
            "afregning: skriv aftalen eller dens reference.", field="payment_agreement",
            message_en="a purchase across the region's border needs an individual payment agreement",
        )
    if follows is not None and not text:
        raise DomainError("Skriv betalingsaftalen eller dens reference.", field="payment_agreement",
                          message_en="the payment agreement's text or reference is missing")
    if text and follows is None:
        raise DomainError(
            "Angiv, om betalingsaftalen følger styringsaftalens takstprincipper (ja eller nej).",
            field="payment_agreement_follows_tariff_principles",
            message_en="say whether the payment agreement follows the Styringsaftale's tariff principles",
        )


def _check_text(request: "PlacementRequest") -> None:
    """What the columns hold; a clear message instead of a database error on PostgreSQL."""
    for name, limit in TEXT_LIMITS.items():
        if len(getattr(request, name)) > limit:
            raise DomainError(f"Højst {limit} tegn.", field=name)
    if request.custody not in Custody.values:
        raise DomainError(f"Ukendt forældremyndighed «{request.custody}».", field="custody")
    if request.contact_email:
        try:
            validate_email(request.contact_email)
        except ValidationError as error:
            raise DomainError(f"«{request.contact_email}» er ikke en e-mailadresse.", field="contact_email") from error


def _check_dates(start: date, end: date | None, *, field: str = "planned_end") -> None:
    if end is not None and end <= start:
        raise DomainError(
            f"Slutdatoen {end:%d.%m.%Y} skal ligge efter startdatoen {start:%d.%m.%Y}.", field=field,
            message_en="the end must be after the start",
        )


def public_check_required(*, buyer_region_id: int | None, offer: Offer, start: date) -> bool:
    """The buyer's rules on the start day (`market.*`) ask to look at public vacancies before buying in a private
    offer (Sjælland 2025–26: `market.check_public_vacancies_before_private`)."""
    if offer.operator.kind != OrganisationKind.PRIVATE_OPERATOR or buyer_region_id is None:
        return False
    try:
        flag = rules_in_force(region=buyer_region_id, on=start).rulebook.market.check_public_vacancies_before_private
    except DomainError:
        return False
    return bool(flag and flag.value)


def _public_check(request: "PlacementRequest", *, acting: Organisation, offer: Offer) -> PublicVacancyCheck | None:
    """The buyer's check of public vacancies this purchase needs (locked, not yet used), or None where none is
    needed; refused where one is needed and missing."""
    if not public_check_required(buyer_region_id=acting.region_id, offer=offer, start=request.start_date):
        return None
    check = None
    if request.public_check_id:
        check = (PublicVacancyCheck.objects.select_for_update()
                 .filter(pk=request.public_check_id, buyer_id=acting.pk, offer_id=offer.pk, placement__isnull=True)
                 .first())
    if check is None:
        raise DomainError(
            "Rammeaftalen kræver, at ledige bo- og døgntilbud i andre kommuner og i regionen afstemmes før køb hos "
            f"private. Se de offentlige ledige pladser, der matcher {offer.name}, og begrund købet, før du køber.",
            field="public_check", code="public_check_required",
            message_en="the buyer's agreement asks to check public vacancies before buying in a private offer")
    return check


@transaction.atomic
def placement_request(*, actor: Actor, request: PlacementRequest, reserve: bool = True,
                      over_occupancy_reason: str = "") -> Placement:
    """A caseworker buys a place; with `reserve` it holds the place at once (else the operator confirms).

    When another municipality is to pay, the purchase is a request to it (payer consent pending): it holds no place,
    is not charged and the payer sees nothing of the citizen until it accepts (`placement_payer_accept`, which then
    reserves if `reserve` was asked for) or declines."""
    acting = request.acting_municipality
    if acting is None:
        acting = Organisation.objects.filter(pk=actor.organisation_id).first()
    if acting is None or acting.kind != OrganisationKind.MUNICIPALITY:
        raise DomainError("Handlekommunen skal være en kommune.", field="acting_municipality")
    if not can_buy_place(actor, acting_municipality_id=acting.pk):
        raise NotAllowed("Kun handlekommunens sagsbehandlere kan købe en plads til kommunens borgere.")
    payer = request.paying_municipality
    if payer.kind != OrganisationKind.MUNICIPALITY:
        raise DomainError("Betalingskommunen skal være en kommune.", field="paying_municipality")
    if not request.citizen_name.strip():
        raise DomainError("Borgerens navn mangler.", field="citizen_name")
    _check_text(request)
    cpr = cpr_clean(request.cpr)
    _check_dates(request.start_date, request.planned_end)
    if request.reserved_until is not None and request.reserved_until < request.start_date:
        raise DomainError(
            f"Holdedatoen {request.reserved_until:%d.%m.%Y} ligger før startdatoen {request.start_date:%d.%m.%Y}; "
            "pladsen holdes mindst til startdagen.", field="reserved_until", code="hold_before_start",
            message_en="reserved_until is before the start date")
    offer = Offer.objects.select_related("municipality", "operator").get(pk=request.offer.pk)
    services = list(request.services) or list(offer.services.filter(kind=ServiceKind.BASIS))
    if not services:
        raise DomainError(f"{offer.name} har ingen basisydelse at købe.", field="services")
    for service in services:
        if service.offer_id != offer.pk:
            raise DomainError(f"Ydelsen «{service.name}» hører ikke til {offer.name}.", field="services")
    start = request.start_date
    if offer_status_on(offer, start) == OfferStatus.PLANNED:
        raise DomainError(f"{offer.name} er endnu ikke åbnet {start:%d.%m.%Y}; der kan placeres borgere fra "
                          "åbningsdagen.", field="start_date", code="offer_planned",
                          message_en="the offer is not open on the start date")
    closing = offer_closing_date(offer)
    if closing is not None and start >= closing:
        raise DomainError(f"{offer.name} lukker {closing:%d.%m.%Y}; der kan ikke placeres borgere fra den dag "
                          "(lukningen er besluttet og registreret).", field="start_date", code="offer_closed",
                          message_en="the offer closes before the start date")
    missing = tariffs_missing(service_ids=[service.pk for service in services], first_day=start,
                              last_day=start + timedelta(days=1))
    if missing:
        raise DomainError(
            "Der kan ikke købes en plads uden takst på startdagen. Mangler: "
            + " ".join(item.message_da for item in missing),
            field="services", code="no_tariff", message_en=f"no tariff on {start.isoformat()} for "
            + ", ".join(str(item.service.pk) for item in missing),
        )
    rules_for_offer(offer, start)  # an offer outside every agreement cannot be settled
    public_check = _public_check(request, acting=acting, offer=offer)
    coverage = agreement_coverage(offer=offer, payer=payer, on=start)
    _check_payment_agreement(request, coverage)
    asks_payer = payer.pk != acting.pk
    justification = request.payer_justification.strip()
    if asks_payer and not justification:
        raise DomainError(
            f"{payer} skal betale, men {acting} køber: købet sendes til {payer} som en anmodning, der først gælder, "
            "når den accepterer. Skriv begrundelsen til betalingskommunen (fx opholdskommune efter "
            "retssikkerhedslovens § 9), uden borgerens navn eller CPR-nummer.", field="payer_justification",
            code="payer_justification_missing",
            message_en="another municipality pays: the purchase is a request to it and needs a justification",
        )
    placement = Placement.objects.create(
        reference=f"tmp-{uuid4().hex[:16]}", offer=offer, acting_municipality=acting,
        paying_municipality=payer, citizen_name=request.citizen_name.strip(),
        citizen_address=request.citizen_address.strip(), cpr_encrypted=cpr_encrypt(cpr), cpr_index=cpr_index(cpr),
        cpr_masked=cpr_mask(cpr), birth_date=cpr_birth_date(cpr), custody=request.custody,
        contact_name=request.contact_name, contact_phone=request.contact_phone, contact_email=request.contact_email,
        start_date=request.start_date, planned_end=request.planned_end, reserved_until=request.reserved_until,
        covered_by_agreement=coverage.covered, agreement_coverage_note=coverage.reason_da,
        payment_agreement=request.payment_agreement.strip(),
        payment_agreement_follows_tariff_principles=request.payment_agreement_follows_tariff_principles,
        is_internal=payer.pk == offer.operator_id,  # the operator's own citizen: counted in occupancy, not invoiced
        payer_consent=PayerConsent.PENDING if asks_payer else PayerConsent.NOT_NEEDED,
        payer_justification=justification if asks_payer else "", reserve_on_consent=asks_payer and reserve,
        created_by_id=actor.user_id,
    )
    placement.reference = f"P{placement.pk:07d}"
    if reserve and not asks_payer:
        _hold_place(actor, placement, over_occupancy_reason=over_occupancy_reason)
        placement.status = PlacementStatus.RESERVED
    placement.save()
    PlacementService.objects.bulk_create(
        PlacementService(placement=placement, service=service, valid_from=request.start_date) for service in services
    )
    if public_check is not None:
        public_check.placement = placement
        public_check.save(update_fields=["placement"])
    if asks_payer:
        event = "placement.payer_consent_requested"
    else:
        event = "placement.reserved" if reserve else "placement.requested"
    _audit(actor, event, placement)
    return placement


def _lock(placement: Placement) -> Placement:
    return Placement.objects.select_for_update().select_related("offer", "offer__municipality").get(pk=placement.pk)


def _require_status(placement: Placement, *allowed: str, action: str) -> None:
    if placement.status not in allowed:
        names = ", ".join(PlacementStatus(s).label.lower() for s in allowed)
        raise DomainError(
            f"Placeringen er {placement.get_status_display().lower()}; {action} kræver status {names}.",
            field="status", code="wrong_status",
        )


@transaction.atomic
def placement_reserve(*, actor: Actor, placement: Placement, over_occupancy_reason: str = "") -> Placement:
    """The operator confirms a requested place; it now holds a place (no overbooking)."""
    placement = _lock(placement)
    if not (can_manage_placement_as_operator(actor, operator_id=placement.offer.operator_id)
            or can_manage_placement_as_buyer(actor, acting_id=placement.acting_municipality_id)):
        raise NotAllowed()
    _require_status(placement, PlacementStatus.REQUESTED, action="reservation")
    _require_payer_consent(placement)
    before = _snapshot(placement)
    _hold_place(actor, placement, over_occupancy_reason=over_occupancy_reason)
    placement.status = PlacementStatus.RESERVED
    placement.save()
    _audit(actor, "placement.reserved", placement, before=before)
    return placement


def _require_payer_consent(placement: Placement) -> None:
    if not placement.payer_consented:
        raise DomainError(
            f"Placeringen venter på betalingskommunens accept ({placement.paying_municipality}); den kan først "
            "reserveres, når betalingskommunen har accepteret.", field="payer_consent", code="payer_consent_pending",
            message_en="the paying municipality has not accepted the purchase",
        )


# The paying municipality's answer


CONSENT_FIELDS = ("reference", "status", "offer", "acting_municipality", "paying_municipality", "start_date",
                  "planned_end", "payer_consent", "payer_consent_by", "payer_consent_at", "payer_consent_note",
                  "reserve_on_consent", "cancelled_reason")


def _consent_snapshot(placement: Placement) -> dict:
    """What a consent event records: the request and the answer, nothing of the citizen (the payer's
    administrators read these events in their audit trail, also after a decline)."""
    return model_snapshot(placement, exclude=[f.name for f in Placement._meta.concrete_fields
                                              if f.name not in CONSENT_FIELDS])


def _lock_request(actor: Actor, placement: Placement) -> Placement:
    placement = Placement.objects.select_for_update().select_related(
        "offer", "offer__municipality", "paying_municipality").get(pk=placement.pk)
    if not can_answer_payer_consent(actor, paying_id=placement.paying_municipality_id):
        raise NotAllowed("Kun betalingskommunens sagsbehandlere, økonomer og administratorer kan svare på "
                         "anmodningen.")
    if placement.payer_consent != PayerConsent.PENDING or placement.status != PlacementStatus.REQUESTED:
        answer = ("trukket tilbage af handlekommunen" if placement.payer_consent == PayerConsent.PENDING
                  else placement.get_payer_consent_display().lower())
        raise DomainError(f"Anmodningen er allerede {answer}.", field="payer_consent", code="wrong_status",
                          message_en="the request is no longer awaiting an answer")
    return placement


def _answer(actor: Actor, placement: Placement, consent: str, note: str, *, field: str) -> dict:
    """Record who answered, when and with what note; returns the snapshot from before."""
    if len(note) > 500:
        raise DomainError("Højst 500 tegn.", field=field)
    before = _consent_snapshot(placement)
    placement.payer_consent = consent
    placement.payer_consent_by_id = actor.user_id
    placement.payer_consent_at = timezone.now()
    placement.payer_consent_note = note
    return before


def _audit_answer(actor: Actor, event_type: str, placement: Placement, *, before: dict, note: str) -> None:
    """The answer concerns the acting municipality; the payer sees it as the actor's organisation."""
    audit_record(actor=actor, event_type=event_type, organisation_id=placement.acting_municipality_id,
                 obj=placement, before=before, after=_consent_snapshot(placement), reason=note)


@dataclass(frozen=True)
class ConsentAnswer:
    placement: Placement
    reserved: bool  # the place is held now (the caseworker asked for it and there was room)
    shortfall_day: date | None  # no room that day: the request waits for the operator (or a free place)

    @property
    def message_da(self) -> str:
        if self.reserved:
            return "Købet er accepteret, og pladsen er reserveret."
        if self.shortfall_day is not None:
            return (f"Købet er accepteret. Tilbuddet har ingen ledig plads {self.shortfall_day:%d.%m.%Y}, så pladsen "
                    "er ikke reserveret: anmodningen venter på driftsherrens bekræftelse.")
        return "Købet er accepteret; handlekommunen eller driftsherren reserverer pladsen."


@transaction.atomic
def placement_payer_accept(*, actor: Actor, placement: Placement, note: str = "") -> ConsentAnswer:
    """The payer accepts: from now on it pays and sees the placement as a paying municipality does. The purchase
    then goes on as the acting caseworker asked: reserved at once if there is room on every day (no overbooking),
    else it stays requested for the operator to confirm, as a purchase without room does."""
    placement = _lock_request(actor, placement)
    note = note.strip()
    before_reservation = _snapshot(placement)
    before = _answer(actor, placement, PayerConsent.ACCEPTED, note, field="note")
    shortfall = None
    if placement.reserve_on_consent:
        Offer.objects.select_for_update().filter(pk=placement.offer_id).first()  # as _hold_place: one at a time
        shortfall = capacity_shortfall(offer=placement.offer, start=placement.start_date,
                                       end=placement.holds_until, exclude_id=placement.pk)
        if shortfall is None:
            placement.status = PlacementStatus.RESERVED
    placement.save()
    _audit_answer(actor, "placement.payer_accepted", placement, before=before, note=note)
    if placement.status == PlacementStatus.RESERVED:
        _audit(actor, "placement.reserved", placement, before=before_reservation)
    return ConsentAnswer(placement=placement, reserved=placement.status == PlacementStatus.RESERVED,
                         shortfall_day=shortfall.day if shortfall else None)


@transaction.atomic
def placement_payer_decline(*, actor: Actor, placement: Placement, reason: str) -> Placement:
    """The payer declines: the purchase ends (cancelled), and the acting caseworker sees the reason."""
    placement = _lock_request(actor, placement)
    reason = reason.strip()
    if not reason:
        raise DomainError("Angiv en begrundelse for afvisningen; handlekommunens sagsbehandler ser den.",
                          field="reason", message_en="a reason is required")
    before = _answer(actor, placement, PayerConsent.DECLINED, reason, field="reason")
    placement.status = PlacementStatus.CANCELLED
    placement.cancelled_reason = f"Afvist af betalingskommunen ({placement.paying_municipality}): {reason}"
    placement.save()
    _audit_answer(actor, "placement.payer_declined", placement, before=before, note=reason)
    return placement


@transaction.atomic
def placement_activate(*, actor: Actor, placement: Placement) -> Placement:
    """The citizen has moved in (registered by the operator)."""
    placement = _lock(placement)
    if not can_manage_placement_as_operator(actor, operator_id=placement.offer.operator_id):
        raise NotAllowed("Kun driftsherren registrerer indflytning.")
    _require_status(placement, PlacementStatus.RESERVED, action="indflytning")
    before = _snapshot(placement)
    placement.status = PlacementStatus.ACTIVE
    placement.save()
    _audit(actor, "placement.activated", placement, before=before)
    return placement


@transaction.atomic
def placement_cancel(*, actor: Actor, placement: Placement, reason: str) -> Placement:
    placement = _lock(placement)
    if not can_manage_placement_as_buyer(actor, acting_id=placement.acting_municipality_id):
        raise NotAllowed("Kun handlekommunen kan annullere et køb.")
    _require_status(placement, PlacementStatus.REQUESTED, PlacementStatus.RESERVED, action="annullering")
    if not reason.strip():
        raise DomainError("Angiv en begrundelse for annulleringen.", field="reason")
    before = _snapshot(placement)
    placement.status = PlacementStatus.CANCELLED
    placement.cancelled_reason = reason.strip()
    placement.save()
    _audit(actor, "placement.cancelled", placement, before=before, reason=reason)
    return placement


@transaction.atomic
def placement_notice_give(*, actor: Actor, placement: Placement, given_on: date,
                          moved_out_on: date | None = None) -> Placement:
    """Notice per the rulebook and offer type ("running month + N months"); the tariff is charged to its end
    where the rulebook says so, even if the citizen moves out earlier."""
    placement = _lock(placement)
    if not (can_manage_placement_as_buyer(actor, acting_id=placement.acting_municipality_id)
            or can_manage_placement_as_operator(actor, operator_id=placement.offer.operator_id)):
        raise NotAllowed("Kun handlekommunen eller driftsherren kan opsige pladsen.")
    _require_status(placement, PlacementStatus.RESERVED, PlacementStatus.ACTIVE, action="opsigelse")
    if given_on < placement.start_date:
        raise DomainError("Opsigelsen kan ikke gives før placeringens start.", field="given_on")
    rulebook = rules_for_offer(placement.offer, given_on).rulebook  # the day notice is given decides its terms
    before = _snapshot(placement)
    placement.notice_given_on = given_on
    placement.notice_end = notice_end_of(given_on=given_on, months=rulebook.notice_months(placement.offer.offer_type),
                                         running_month=rulebook.notice.running_month.value)
    placement.notice_full_tariff = rulebook.notice.full_tariff_during_notice.value
    if moved_out_on is not None:
        _check_dates(placement.start_date, moved_out_on, field="moved_out_on")
        placement.moved_out_on = moved_out_on
    placement.status = PlacementStatus.NOTICE_GIVEN
    placement.save()
    _audit(actor, "placement.notice_given", placement, before=before)
    return placement


@transaction.atomic
def placement_move_out(*, actor: Actor, placement: Placement, moved_out_on: date) -> Placement:
    placement = _lock(placement)
    if not can_manage_placement_as_operator(actor, operator_id=placement.offer.operator_id):
        raise NotAllowed("Kun driftsherren registrerer fraflytning.")
    _require_status(placement, PlacementStatus.ACTIVE, PlacementStatus.NOTICE_GIVEN, action="fraflytning")
    _check_dates(placement.start_date, moved_out_on, field="moved_out_on")
    before = _snapshot(placement)
    placement.moved_out_on = moved_out_on
    placement.save()
    _audit(actor, "placement.moved_out", placement, before=before)
    return placement




@transaction.atomic
def placement_end_date_set(*, actor: Actor, placement: Placement, end_date: date, reason: str, today: date,
                           operator_agreement: str = "") -> Placement:
    """Set or move the end (also backwards in time): later settlement runs credit and re-invoice the difference.

    An end before the notice allows (`earliest_end`) is a way round the notice: refused with the earliest allowed
    date, unless the operator agrees — by setting it itself, or recorded by the buyer in `operator_agreement`
    (who at the operator agreed, and when). A planned end within the notice was agreed at purchase and stands.
    """
    placement = _lock(placement)
    as_operator = can_manage_placement_as_operator(actor, operator_id=placement.offer.operator_id)
    if not (can_manage_placement_as_buyer(actor, acting_id=placement.acting_municipality_id) or as_operator):
        raise NotAllowed("Kun handlekommunen eller driftsherren kan ændre slutdatoen.")
    _require_status(placement, *CHARGED_STATUSES, action="ny slutdato")
    if not reason.strip():
        raise DomainError("Angiv en begrundelse for den nye slutdato.", field="reason")
    _check_dates(placement.start_date, end_date, field="end_date")
    agreement = operator_agreement.strip()
    if len(agreement) > 300:
        raise DomainError("Højst 300 tegn.", field="operator_agreement")
    earliest = earliest_end(placement=placement, today=today)
    bound = min(d for d in (earliest, placement.planned_end, placement.end_date) if d)  # what was already agreed
    if end_date < bound and not as_operator and not agreement:
        raise DomainError(
            f"Slutdatoen kan tidligst være {bound:%d.%m.%Y}, som opsigelsesvarslet tillader. En tidligere slutdato "
            "kræver driftsherrens accept: skriv, hvem hos driftsherren der har accepteret og hvornår.",
            field="end_date", code="notice_not_respected",
            message_en=f"the notice allows an end on {bound.isoformat()} at the earliest; an earlier end needs the "
                       "operator's recorded agreement",
        )
    before = _snapshot(placement)
    previous_hold = placement.holds_until
    placement.end_date = end_date
    if end_date < bound:
        placement.early_end_agreement = agreement or f"Sat af driftsherren ({actor.username})."
    placement.planned_end = None if placement.planned_end and placement.planned_end > end_date else placement.planned_end
    if placement.notice_end and placement.notice_end > end_date:
        placement.notice_end = end_date
    if placement.moved_out_on and placement.moved_out_on > end_date:
        placement.moved_out_on = end_date
    if previous_hold is not None and end_date > previous_hold and placement.status in HOLDING_STATUSES:
        _hold_place(actor, placement, over_occupancy_reason="")
    if end_date <= today:
        placement.status = PlacementStatus.ENDED
    placement.save()
    _audit(actor, "placement.end_date_set", placement, before=before, reason=reason)
    return placement


@transaction.atomic
def placements_close_due(*, actor: Actor, today: date) -> int:
    """Placements whose notice or end has run out become ended (the settlement run calls this first)."""
    if not actor.is_superuser:
        raise NotAllowed()
    closed = 0
    due = Placement.objects.select_for_update().filter(status__in=HOLDING_STATUSES).select_related("offer")
    for placement in due:
        end = charged_until(placement)
        if end is not None and end <= today:
            before = _snapshot(placement)
            placement.end_date = end
            placement.status = PlacementStatus.ENDED
            placement.save()
            _audit(actor, "placement.ended", placement, before=before)
            closed += 1
    return closed


@transaction.atomic
def placements_release_holds(*, actor: Actor, today: date) -> list[Placement]:
    """Reservations not activated by their hold date (`reserved_until`, its last day) are cancelled: the place is
    free again. Returns the released placements; the exchange tells the buyer and the operator (this app may not
    import it)."""
    if not actor.is_superuser:
        raise NotAllowed()
    released = []
    due = (Placement.objects.select_for_update().select_related("offer")
           .filter(status=PlacementStatus.RESERVED, reserved_until__lt=today).order_by("pk"))
    for placement in due:
        before = _snapshot(placement)
        placement.status = PlacementStatus.CANCELLED
        placement.cancelled_reason = ("Reservationen blev ikke aktiveret senest holdedatoen "
                                      f"{placement.reserved_until:%d.%m.%Y} og er frigivet.")
        placement.save()
        _audit(actor, "placement.hold_released", placement, before=before, reason=placement.cancelled_reason)
        released.append(placement)
    return released


@transaction.atomic
def hours_register(*, actor: Actor, placement_service: PlacementService, day: date, minutes: int) -> RegisteredHours:
    """Hours delivered under an hour-based service, per day (replaces that day's figure)."""
    placement = _lock(placement_service.placement)
    if not can_manage_placement_as_operator(actor, operator_id=placement.offer.operator_id):
        raise NotAllowed("Kun driftsherren registrerer leverede timer.")
    _require_status(placement, *CHARGED_STATUSES, action="registrering af timer")
    if placement_service.service.unit != "hour":
        raise DomainError(f"«{placement_service.service.name}» afregnes ikke pr. time.", field="service")
    if not 0 < minutes <= 24 * 60 or minutes % 15:
        raise DomainError(f"{minutes} minutter: timer registreres i hele kvarterer, højst 24 timer på en dag.",
                          field="minutes")
    if day < placement.start_date or (placement.holds_until and day >= placement.holds_until):
        raise DomainError(f"{day:%d.%m.%Y} ligger uden for placeringens periode.", field="day")
    record, _ = RegisteredHours.objects.update_or_create(
        placement_service=placement_service, day=day, defaults={"minutes": minutes, "registered_by_id": actor.user_id},
    )
    audit_record(actor=actor, event_type="placement.hours_registered", organisation_id=placement.offer.operator_id,
                 obj=placement, after=model_snapshot(record))
    return record


HOUSEHOLD_KEY_MAX = 40


@transaction.atomic
def placement_household_set(*, actor: Actor, placement: Placement, household_key: str) -> Placement:
    """The paying municipality's caseworker gives children of one household the same key: § 176 counts them as one
    case (an adult's key is left out of the claim). Empty removes it. No CPR number or name in the key."""
    if not can_manage_placement_as_buyer(actor, acting_id=placement.paying_municipality_id):
        raise NotAllowed("Kun betalingskommunens sagsbehandlere kan angive husstanden.")
    key = household_key.strip()
    if len(key) > HOUSEHOLD_KEY_MAX:
        raise DomainError(f"Husstandens nøgle er {len(key)} tegn; højst {HOUSEHOLD_KEY_MAX}.", field="household_key",
                          message_en=f"household key longer than {HOUSEHOLD_KEY_MAX} characters")
    if contains_cpr(key):
        raise DomainError("Husstandens nøgle må ikke være et CPR-nummer; brug fx «Familien 12» eller et sagsnummer.",
                          field="household_key", code="cpr_in_text", message_en="the key appears to be a CPR number")
    placement = _lock(placement)
    before = {"household_key": placement.household_key}
    placement.household_key = key
    placement.save(update_fields=["household_key", "updated_at"])
    _audit(actor, "placement.household_set", placement, before=before)
    return placement


@transaction.atomic
def placement_cpr_read(*, actor: Actor, placement: Placement, reason: str) -> str:
    """The full CPR number, for those who need it; every read is logged with who, when and why."""
    if not can_see_full_cpr(actor, acting_id=placement.acting_municipality_id,
                            paying_id=placement.paying_municipality_id, operator_id=placement.offer.operator_id,
                            payer_consented=placement.payer_consented):
        raise NotAllowed("Du kan kun se det maskerede CPR-nummer.")
    if not reason.strip():
        raise DomainError("Angiv hvorfor du skal se det fulde CPR-nummer.", field="reason")
    audit_record(actor=actor, event_type="placement.cpr_read", organisation_id=placement.acting_municipality_id,
                 obj=placement, reason=reason.strip())
    return cpr_decrypt(placement.cpr_encrypted)
