"""Requests («forespørgsler»): a caseworker asks several offers for a place at once, their operators answer, and a
yes becomes a reservation in one step. The writes (each in one transaction with its audit event and notifications)
and the reads, scoped: the requesting municipality sees its requests, an operator the requests to its own offers."""
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.models import Role
from rammeaftale.accounts.permissions import (
    can_buy_place,
    can_manage_placement_as_operator,
    can_send_vacancy_request,
)
from rammeaftale.core.cpr_text import contains_cpr
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.exchange.models import Answer, VacancyRequest, VacancyRequestOffer
from rammeaftale.exchange.notifications import notify, notify_user
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements.models import Placement
from rammeaftale.placements.services import PlacementRequest, placement_request, placements_release_holds
from rammeaftale.registry.models import LegalParagraph, Offer, TargetGroup
from rammeaftale.registry.rules import rules_in_force

DESCRIPTION_MAX = 2000
ANSWER_NOTE_MAX = 500
ANSWERS = (Answer.YES, Answer.NO, Answer.WAITING_LIST)  # what an operator may answer


def _day(day: date) -> str:
    return f"{day:%d.%m.%Y}"


# --- the rules --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestRules:
    max_offers: int  # exchange.request_max_offers
    answer_days: int  # exchange.request_answer_days: the default deadline is today + this


def request_rules(*, actor: Actor, today: date) -> RequestRules:
    """The bounds of a request from the actor's municipality: the rulebook of its region in force today."""
    if actor.region_id is None:
        raise DomainError("Din organisation hører ikke til en region; forespørgslens regler kan ikke fastlægges.",
                          field="offers", code="no_agreement", message_en="the actor's organisation has no region")
    exchange = rules_in_force(region=actor.region_id, on=today).rulebook.exchange
    return RequestRules(max_offers=exchange.request_max_offers.value, answer_days=exchange.request_answer_days.value)


# --- sending --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """What the caseworker asks for, anonymised: no name, no CPR number before a place is bought."""

    start_date: date
    description: str
    target_group: TargetGroup | None = None
    paragraph: LegalParagraph | None = None


def _require_sender(actor: Actor) -> None:
    if actor.organisation_kind != OrganisationKind.MUNICIPALITY or not can_send_vacancy_request(
            actor, municipality_id=actor.organisation_id):
        raise NotAllowed("Kun kommunens sagsbehandlere kan sende en forespørgsel om plads.",
                         message_en="Only a municipality's caseworkers send requests.")


def _check_text(text: str, *, field: str, limit: int, what: str, where: str) -> str:
    text = text.replace("\x00", "").strip()
    if len(text) > limit:
        raise DomainError(f"{what} er {len(text)} tegn; højst {limit}.", field=field,
                          message_en=f"{field} longer than {limit} characters")
    if contains_cpr(text):
        raise DomainError(f"Skriv ikke CPR-nummer i {where}; CPR-nummeret oplyses først, når pladsen købes.",
                          field=field, code="cpr_in_text", message_en=f"{field} appears to contain a CPR number")
    return text


@transaction.atomic
def vacancy_request_send(*, actor: Actor, need: Need, offer_ids: Sequence[int], answer_by: date | None,
                         today: date) -> VacancyRequest:
    """The caseworker sends one need to 1..N offers (N: the rulebook's `exchange.request_max_offers` of the
    municipality's region in force today); each offer's operator is notified. Without a deadline the operators get
    the rulebook's `exchange.request_answer_days`.

    Refused with a Danish message, nothing written: no offers, more than N, an unknown offer, an empty description
    or one with a CPR number, a start date in the past, a deadline before today."""
    _require_sender(actor)
    ids = list(dict.fromkeys(offer_ids))
    if not ids:
        raise DomainError("Vælg mindst ét tilbud, forespørgslen skal sendes til.", field="offers",
                          code="no_recipients", message_en="no offers chosen")
    rules = request_rules(actor=actor, today=today)
    if len(ids) > rules.max_offers:
        raise DomainError(
            f"En forespørgsel kan sendes til højst {rules.max_offers} tilbud ad gangen; du har valgt {len(ids)}. "
            "Fjern nogle tilbud, eller send flere forespørgsler.", field="offers", code="too_many_offers",
            message_en=f"{len(ids)} offers chosen, at most {rules.max_offers} allowed")
    offers = {offer.pk: offer for offer in Offer.objects.select_related("operator").filter(pk__in=ids)}
    unknown = [str(pk) for pk in ids if pk not in offers]
    if unknown:
        raise DomainError(f"Tilbuddet findes ikke (id {', '.join(unknown)}).", field="offers", code="unknown_offer",
                          message_en=f"unknown offers: {', '.join(unknown)}")
    description = _check_text(need.description, field="description", limit=DESCRIPTION_MAX,
                              what="Beskrivelsen", where="forespørgslen")
    if not description:
        raise DomainError("Beskriv behovet (uden navn og CPR-nummer), så driftsherren kan svare.",
                          field="description", message_en="the description is empty")
    if need.start_date < today:
        raise DomainError(f"Startdatoen {_day(need.start_date)} ligger før i dag ({_day(today)}).",
                          field="start_date", code="date_in_past", message_en="start_date is before today")
    answer_by = answer_by or today + timedelta(days=rules.answer_days)
    if answer_by < today:
        raise DomainError(f"Svarfristen {_day(answer_by)} ligger før i dag ({_day(today)}).", field="answer_by",
                          code="date_in_past", message_en="answer_by is before today")
    request = VacancyRequest.objects.create(
        municipality_id=actor.organisation_id, created_by_id=actor.user_id, target_group=need.target_group,
        paragraph=need.paragraph, start_date=need.start_date, description=description, answer_by=answer_by,
        created_on=today)
    VacancyRequestOffer.objects.bulk_create(
        VacancyRequestOffer(request=request, offer=offers[pk]) for pk in ids)
    audit_record(actor=actor, event_type="vacancy_request.sent", organisation_id=actor.organisation_id, obj=request,
                 after={"offers": ids, "start_date": need.start_date.isoformat(), "answer_by": answer_by.isoformat(),
                        "target_group": need.target_group.pk if need.target_group else None,
                        "paragraph": need.paragraph.pk if need.paragraph else None, "description": description})
    municipality = Organisation.objects.get(pk=actor.organisation_id)
    for recipient in VacancyRequestOffer.objects.filter(request=request).select_related("offer"):
        notify(organisation_id=recipient.offer.operator_id, roles=(Role.OPERATOR,), kind="request.received",
               text=f"{municipality} spørger, om {recipient.offer.name} har en plads fra {_day(need.start_date)}. "
                    f"Svar senest {_day(answer_by)}.",
               link=reverse("exchange:request_answer", args=[recipient.pk]))
    return request


# --- answering ------------------------------------------------------------------------------------------------------


def _lock_recipient(recipient: VacancyRequestOffer) -> VacancyRequestOffer:
    return (VacancyRequestOffer.objects.select_for_update()
            .select_related("request", "request__municipality", "offer").get(pk=recipient.pk))


@transaction.atomic
def vacancy_request_answer(*, actor: Actor, recipient: VacancyRequestOffer, answer: str, note: str,
                           today: date) -> VacancyRequestOffer:
    """The offer's operator answers yes, no or waiting list, with a note without CPR number, by the deadline (its
    last day included); the caseworker who sent the request is notified. Once only."""
    recipient = _lock_recipient(recipient)
    request = recipient.request
    if not can_manage_placement_as_operator(actor, operator_id=recipient.offer.operator_id):
        raise NotAllowed("Kun tilbuddets driftsherre kan svare på forespørgslen.",
                         message_en="Only the offer's operator answers.")
    if recipient.answer == Answer.EXPIRED:
        raise DomainError(f"Forespørgslen udløb uden svar den {_day(request.answer_by)}; den kan ikke besvares.",
                          field="answer", code="expired", message_en="the request expired without an answer")
    if recipient.answer != Answer.PENDING:
        raise DomainError(f"Forespørgslen er allerede besvaret: «{recipient.get_answer_display()}».", field="answer",
                          code="already_answered", message_en="the request is already answered")
    if today > request.answer_by:
        raise DomainError(f"Svarfristen udløb den {_day(request.answer_by)}; forespørgslen kan ikke længere "
                          "besvares.", field="answer", code="deadline_passed", message_en="the deadline has passed")
    if answer not in ANSWERS:
        raise DomainError("Svar ja, nej eller venteliste.", field="answer", message_en="answer must be yes, no or "
                          "waiting_list")
    note = _check_text(note, field="note", limit=ANSWER_NOTE_MAX, what="Bemærkningen", where="bemærkningen")
    recipient.answer = answer
    recipient.note = note
    recipient.answered_by_id = actor.user_id
    recipient.answered_at = timezone.now()
    recipient.save(update_fields=["answer", "note", "answered_by", "answered_at"])
    audit_record(actor=actor, event_type="vacancy_request.answered", organisation_id=request.municipality_id,
                 obj=request, after={"offer": recipient.offer_id, "answer": answer, "note": note})
    notify_user(user_id=request.created_by_id, kind="request.answered",
                text=f"{recipient.offer.name} har svaret «{recipient.get_answer_display()}» på din forespørgsel om "
                     f"plads fra {_day(request.start_date)}." + (f" Bemærkning: {note}" if note else ""),
                link=reverse("exchange:request_detail", args=[request.pk]))
    return recipient


# --- a yes becomes a reservation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Citizen:
    """What the buy form asks of the citizen; only now, when the place is bought, does the CPR number travel."""

    citizen_name: str
    cpr: str
    citizen_address: str = ""
    custody: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    planned_end: date | None = None


@transaction.atomic
def vacancy_request_reserve(*, actor: Actor, recipient: VacancyRequestOffer, citizen: Citizen, today: date,
                            start_date: date | None = None, reserved_until: date | None = None) -> Placement:
    """The caseworker turns a yes into a reservation: a purchase of the offer's basis service from the request's
    start (or `start_date`), paid by the own municipality, holding the place until `reserved_until` (the hold date,
    by default the start date; not before the start or today). The placement is linked to the answer; once only."""
    recipient = _lock_recipient(recipient)
    request = recipient.request
    if not can_buy_place(actor, acting_municipality_id=request.municipality_id):
        raise NotAllowed("Kun sagsbehandlere i den kommune, der sendte forespørgslen, kan reservere pladsen.",
                         message_en="Only the requesting municipality's caseworkers reserve.")
    if recipient.placement_id is not None:
        raise DomainError("Pladsen er allerede reserveret efter dette svar.", field="answer",
                          code="already_reserved", message_en="already reserved")
    if recipient.answer != Answer.YES:
        raise DomainError(f"Kun et ja kan blive til en reservation; {recipient.offer.name} har svaret "
                          f"«{recipient.get_answer_display()}».", field="answer", code="not_yes",
                          message_en="only a yes can be reserved")
    start = start_date or request.start_date
    if start < today:
        raise DomainError(f"Startdatoen {_day(start)} ligger før i dag ({_day(today)}); vælg en ny startdato.",
                          field="start_date", code="date_in_past", message_en="start_date is before today")
    hold = reserved_until or start
    if hold < today:
        raise DomainError(f"Holdedatoen {_day(hold)} ligger før i dag ({_day(today)}).", field="reserved_until",
                          code="date_in_past", message_en="reserved_until is before today")
    municipality = request.municipality
    placement = placement_request(actor=actor, reserve=True, request=PlacementRequest(
        offer=recipient.offer, paying_municipality=municipality, acting_municipality=municipality,
        citizen_name=citizen.citizen_name, cpr=citizen.cpr, citizen_address=citizen.citizen_address,
        custody=citizen.custody, contact_name=citizen.contact_name, contact_phone=citizen.contact_phone,
        contact_email=citizen.contact_email, start_date=start, planned_end=citizen.planned_end,
        reserved_until=hold))
    recipient.placement = placement
    recipient.save(update_fields=["placement"])
    audit_record(actor=actor, event_type="vacancy_request.reserved", organisation_id=request.municipality_id,
                 obj=request, after={"offer": recipient.offer_id, "placement": placement.reference,
                                     "start_date": start.isoformat(), "reserved_until": hold.isoformat()})
    notify(organisation_id=recipient.offer.operator_id, roles=(Role.OPERATOR,), kind="request.reserved",
           text=f"{municipality} har reserveret en plads i {recipient.offer.name} fra {_day(start)} efter jeres ja "
                f"({placement.reference}); pladsen holdes til og med {_day(hold)}.",
           link=reverse("placements:placement_detail", args=[placement.pk]))
    return placement


# --- the daily run ----------------------------------------------------------------------------------------------------


@transaction.atomic
def vacancy_requests_expire(*, actor: Actor, today: date) -> int:
    """Answers still pending after the deadline become expired; the sender hears which offers did not answer.
    Returns how many answers expired."""
    if not actor.is_superuser:
        raise NotAllowed()
    due = list(VacancyRequestOffer.objects.select_for_update().select_related("request", "offer")
               .filter(answer=Answer.PENDING, request__answer_by__lt=today).order_by("request_id", "pk"))
    by_request: dict[int, list[VacancyRequestOffer]] = {}
    for recipient in due:
        by_request.setdefault(recipient.request_id, []).append(recipient)
    VacancyRequestOffer.objects.filter(pk__in=[r.pk for r in due]).update(answer=Answer.EXPIRED)
    for recipients in by_request.values():
        request = recipients[0].request
        audit_record(actor=actor, event_type="vacancy_request.expired", organisation_id=request.municipality_id,
                     obj=request, after={"offers": [r.offer_id for r in recipients]})
        names = ", ".join(r.offer.name for r in recipients)
        notify_user(user_id=request.created_by_id, kind="request.expired",
                    text=f"Svarfristen {_day(request.answer_by)} er udløbet uden svar fra {names} på din "
                         f"forespørgsel om plads fra {_day(request.start_date)}.",
                    link=reverse("exchange:request_detail", args=[request.pk]))
    return len(due)


@transaction.atomic
def holds_release(*, actor: Actor, today: date) -> list[Placement]:
    """Reservations not activated by their hold date are released (`placements_release_holds`); the caseworker who
    bought the place (or, without one, the buying municipality's caseworkers) and the operator are told."""
    released = placements_release_holds(actor=actor, today=today)
    for placement in released:
        text = (f"Reservationen {placement.reference} i {placement.offer.name} blev ikke aktiveret senest "
                f"holdedatoen {_day(placement.reserved_until)} og er frigivet; pladsen er ledig igen.")
        link = reverse("placements:placement_detail", args=[placement.pk])
        if placement.created_by_id:
            notify_user(user_id=placement.created_by_id, kind="hold.released", text=text, link=link)
        else:
            notify(organisation_id=placement.acting_municipality_id, roles=(Role.CASEWORKER,), kind="hold.released",
                   text=text, link=link)
        notify(organisation_id=placement.offer.operator_id, roles=(Role.OPERATOR,), kind="hold.released", text=text,
               link=link)
    return released


# --- reads ----------------------------------------------------------------------------------------------------------


def _requests() -> QuerySet[VacancyRequest]:
    return (VacancyRequest.objects.select_related("municipality", "created_by", "target_group", "paragraph")
            .prefetch_related(Prefetch("recipients", VacancyRequestOffer.objects.select_related(
                "offer", "offer__operator", "placement", "answered_by").order_by("pk"))))


def vacancy_request_list(*, actor: Actor) -> QuerySet[VacancyRequest]:
    """The requests the actor's municipality has sent, newest first, with their answers."""
    if not can_send_vacancy_request(actor, municipality_id=actor.organisation_id):
        raise NotAllowed("Kun kommunens sagsbehandlere og administratorer ser kommunens forespørgsler.",
                         message_en="Only a municipality's caseworkers and administrators see its requests.")
    requests = _requests()
    if not (actor.is_superuser and actor.organisation_id is None):
        requests = requests.filter(municipality_id=actor.organisation_id)
    return requests.order_by("-created_at", "-id")


def vacancy_request_get(*, actor: Actor, request_id: int) -> VacancyRequest:
    """One of the actor's municipality's requests; any other is answered as missing."""
    request = _requests().filter(pk=request_id).first()
    if request is None or not can_send_vacancy_request(actor, municipality_id=request.municipality_id):
        raise NotFound("Forespørgslen findes ikke.", message_en="Request not found.")
    return request


def vacancy_requests_received(*, actor: Actor, pending_only: bool = False) -> QuerySet[VacancyRequestOffer]:
    """The requests to the actor's offers (as operator), the soonest deadline first."""
    if actor.organisation_id is None or not can_manage_placement_as_operator(actor,
                                                                            operator_id=actor.organisation_id):
        raise NotAllowed("Kun driftsherrer ser forespørgsler til deres tilbud.",
                         message_en="Only operators see requests to their offers.")
    received = (VacancyRequestOffer.objects.select_related("request", "request__municipality",
                                                           "request__target_group", "request__paragraph", "offer")
                .filter(offer__operator_id=actor.organisation_id))
    if pending_only:
        received = received.filter(answer=Answer.PENDING)
    return received.order_by("request__answer_by", "pk")


def vacancy_request_recipient_get(*, actor: Actor, recipient_id: int) -> VacancyRequestOffer:
    """One offer a request went to: for the requesting municipality and the offer's operator; else missing."""
    recipient = (VacancyRequestOffer.objects.select_related(
        "request", "request__municipality", "request__target_group", "request__paragraph", "request__created_by",
        "offer", "offer__operator", "offer__municipality", "placement", "answered_by")
        .filter(pk=recipient_id).first())
    if recipient is None or not (
            can_send_vacancy_request(actor, municipality_id=recipient.request.municipality_id)
            or can_manage_placement_as_operator(actor, operator_id=recipient.offer.operator_id)):
        raise NotFound("Forespørgslen findes ikke.", message_en="Request not found.")
    return recipient


def offers_chosen(*, actor: Actor, offer_ids: Sequence[int]) -> dict[int, Offer]:
    """The offers a new request is to go to (public master data), by id; unknown ids are left out."""
    _require_sender(actor)
    return {offer.pk: offer for offer in Offer.objects.select_related("operator", "municipality")
            .filter(pk__in=list(offer_ids)[:200])}


def default_answer_by(*, actor: Actor, today: date) -> date | None:
    """The form's initial deadline: today + the rulebook's `exchange.request_answer_days`."""
    try:
        return today + timedelta(days=request_rules(actor=actor, today=today).answer_days)
    except DomainError:
        return None
