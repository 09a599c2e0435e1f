"""The inbox: what awaits an operator or a caseworker in the vacancy exchange, and the user's notifications."""
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.permissions import can_manage_placement_as_operator, can_send_vacancy_request
from rammeaftale.core.errors import NotAllowed
from rammeaftale.exchange.models import Answer, Notification, VacancyRequest, VacancyRequestOffer
from rammeaftale.exchange.selectors import Confirmation, vacancy_confirmations
from rammeaftale.placements.models import Placement, PlacementStatus
from rammeaftale.registry.models import Offer

DUE_DAYS = 3  # a confirmation or a hold date this near (or past) is shown as awaiting
ANSWERS_SHOWN_DAYS = 30  # answers to requests whose deadline is older than this are no longer news
NOTIFICATIONS_SHOWN = 50


@dataclass(frozen=True)
class ConfirmationDue:
    offer: Offer
    confirmation: Confirmation
    expired: bool


@dataclass
class Inbox:
    is_operator: bool
    is_caseworker: bool
    # the operator's
    awaiting_answer: list[VacancyRequestOffer] = field(default_factory=list)
    confirmations_due: list[ConfirmationDue] = field(default_factory=list)
    operator_holds: list[Placement] = field(default_factory=list)
    # the caseworker's
    answers: list[VacancyRequestOffer] = field(default_factory=list)
    awaiting_answers: list[VacancyRequest] = field(default_factory=list)
    own_holds: list[Placement] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    unread: int = 0


def _holds(today: date) -> QuerySet[Placement]:
    return (Placement.objects.select_related("offer")
            .filter(status=PlacementStatus.RESERVED, reserved_until__isnull=False,
                    reserved_until__lte=today + timedelta(days=DUE_DAYS))
            .order_by("reserved_until", "pk"))


def inbox_of(*, actor: Actor, today: date) -> Inbox:
    """What awaits the actor: as operator (its own offers), as caseworker (its own requests, its municipality's
    reservations), and the user's notifications, unread first."""
    if actor.user_id is None:
        raise NotAllowed("Du skal være logget ind.", message_en="Authentication required.")
    org = actor.organisation_id
    inbox = Inbox(is_operator=org is not None and can_manage_placement_as_operator(actor, operator_id=org),
                  is_caseworker=org is not None and can_send_vacancy_request(actor, municipality_id=org))
    if inbox.is_operator:
        inbox.awaiting_answer = list(
            VacancyRequestOffer.objects.select_related("request", "request__municipality", "offer")
            .filter(offer__operator_id=org, answer=Answer.PENDING, request__answer_by__gte=today)
            .order_by("request__answer_by", "pk"))
        offers = {offer.pk: offer for offer in Offer.objects.filter(operator_id=org).order_by("name")}
        for offer_id, confirmation in vacancy_confirmations(offer_ids=offers, today=today).items():
            until = confirmation.trusted_until
            if until is None or until <= today + timedelta(days=DUE_DAYS):
                inbox.confirmations_due.append(ConfirmationDue(offers[offer_id], confirmation,
                                                               expired=not confirmation.trusted))
        inbox.confirmations_due.sort(key=lambda due: (due.confirmation.trusted_until or today, due.offer.name))
        inbox.operator_holds = list(_holds(today).filter(offer__operator_id=org))
    if inbox.is_caseworker:
        answers = (VacancyRequestOffer.objects.select_related("request", "offer")
                   .filter(request__municipality_id=org, request__created_by_id=actor.user_id, placement__isnull=True,
                           request__answer_by__gte=today - timedelta(days=ANSWERS_SHOWN_DAYS))
                   .exclude(answer=Answer.PENDING))
        inbox.answers = sorted(answers, key=lambda r: (r.answer != Answer.YES, -(r.request.answer_by.toordinal()),
                                                       r.pk))
        inbox.awaiting_answers = list(
            VacancyRequest.objects.filter(municipality_id=org, created_by_id=actor.user_id)
            .annotate(pending=Count("recipients", filter=Q(recipients__answer=Answer.PENDING)),
                      asked=Count("recipients"))
            .filter(pending__gt=0, answer_by__gte=today).order_by("answer_by", "pk"))
        inbox.own_holds = list(_holds(today).filter(acting_municipality_id=org))
    notifications = Notification.objects.filter(user_id=actor.user_id)
    inbox.notifications = list(notifications.order_by(F("read_at").asc(nulls_first=True), "-created_at",
                                                      "-id")[:NOTIFICATIONS_SHOWN])
    inbox.unread = notification_unread_count(actor=actor)
    return inbox


def notification_unread_count(*, actor: Actor) -> int:
    """The navigation's count: one query on the (user, read_at) index."""
    if actor.user_id is None:
        return 0
    return Notification.objects.filter(user_id=actor.user_id, read_at__isnull=True).count()


@transaction.atomic
def notifications_mark_read(*, actor: Actor, notification_ids: list[int] | None = None) -> int:
    """Mark the user's own notifications read (the ones named, or all); another user's are never touched."""
    if actor.user_id is None:
        raise NotAllowed("Du skal være logget ind.", message_en="Authentication required.")
    unread = Notification.objects.filter(user_id=actor.user_id, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    ids = list(unread.values_list("pk", flat=True))
    if ids:
        Notification.objects.filter(pk__in=ids).update(read_at=timezone.now())
        audit_record(actor=actor, event_type="notification.read", organisation_id=actor.organisation_id,
                     after={"notifications": ids})
    return len(ids)

