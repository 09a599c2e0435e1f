"""Notifications: what awaits a user, shown in the app (the inbox) and sent by e-mail.

`notify` is the one way to tell users of an organisation something, `notify_user` one user; callers call them inside
their own transaction, so a notification exists exactly when the write it tells of does. The e-mails go after the
transaction commits (`transaction.on_commit`): a rolled-back write sends nothing, and a failing mail server never
undoes a write (it is logged, and `emailed_at` stays empty).
"""
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from rammeaftale.accounts.models import User
from rammeaftale.exchange.models import Notification

logger = logging.getLogger(__name__)

SUBJECTS = {
    "request.received": "Ny forespørgsel om plads",
    "request.answered": "Svar på din forespørgsel",
    "request.expired": "Forespørgsel udløbet uden svar",
    "request.reserved": "Plads reserveret efter forespørgsel",
    "hold.released": "Reservation frigivet",
    "deadline.reminder": "Påmindelse om frist i årshjulet",
}


def notify(*, organisation_id: int, roles: Iterable[str], kind: str, text: str, link: str = "") -> list[Notification]:
    """One notification to each active user of the organisation holding one of the roles."""
    users = (User.objects.filter(organisation_id=organisation_id, is_active=True, user_roles__role__in=list(roles))
             .distinct().order_by("pk"))
    return _create([user.pk for user in users], kind=kind, text=text, link=link)


def notify_user(*, user_id: int, kind: str, text: str, link: str = "") -> list[Notification]:
    """One notification to the user, if active (the caseworker who sent a request hears its answers)."""
    users = User.objects.filter(pk=user_id, is_active=True).values_list("pk", flat=True)
    return _create(list(users), kind=kind, text=text, link=link)


def _create(user_ids: list[int], *, kind: str, text: str, link: str) -> list[Notification]:
    notifications = Notification.objects.bulk_create(
        Notification(user_id=user_id, kind=kind, text=text[:300], link=link[:300]) for user_id in user_ids)
    ids = [n.pk for n in notifications if n.pk is not None]
    if not ids:  # a backend that returns no keys from bulk_create (none of ours): the newest rows of these users
        ids = list(Notification.objects.filter(user_id__in=user_ids, kind=kind).order_by("-pk")
                   .values_list("pk", flat=True)[:len(user_ids)])
    if ids:
        transaction.on_commit(lambda: notifications_email(notification_ids=ids))
    return notifications


def absolute_link(link: str) -> str:
    return settings.RAMMEAFTALE_BASE_URL.rstrip("/") + link if link.startswith("/") else link


def notifications_email(*, notification_ids: list[int]) -> int:
    """E-mail each notification not yet e-mailed to its user's address (if set) and mark it `emailed_at`; returns
    how many went. Runs after the commit; a failure is logged and leaves the notification for the inbox only."""
    sent = 0
    pending = (Notification.objects.filter(pk__in=list(notification_ids), emailed_at__isnull=True)
               .exclude(user__email="").select_related("user").order_by("pk"))
    try:
        with get_connection(fail_silently=False) as connection:
            for notification in pending:
                body = notification.text
                if notification.link:
                    body += f"\n\nSe mere: {absolute_link(notification.link)}"
                body += ("\n\nDu får denne e-mail, fordi du er bruger af Rammeaftale. Beskeden står også i din "
                         "indbakke under Ledige pladser.")
                message = EmailMessage(
                    subject=f"Rammeaftale: {SUBJECTS.get(notification.kind, 'Ny besked')}", body=body,
                    to=[notification.user.email], connection=connection)
                message.send()
                Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
                sent += 1
    except Exception:  # noqa: BLE001 - the write is committed; the inbox still shows the notification
        logger.exception("Notification e-mail failed after %d sent (notifications %s)", sent,
                         list(notification_ids))
    return sent
