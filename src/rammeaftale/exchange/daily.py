"""The exchange's daily run: answers past their deadline expire, holds not activated are released, and e-mails a
failing mail server kept back are sent again."""
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from rammeaftale.accounts.actor import Actor
from rammeaftale.core.errors import NotAllowed
from rammeaftale.exchange.models import Notification
from rammeaftale.exchange.notifications import notifications_email
from rammeaftale.exchange.requests import holds_release, vacancy_requests_expire

EMAIL_RETRY_DAYS = 2  # an e-mail not sent within two days is stale: the inbox keeps the notification


@dataclass(frozen=True)
class DailyResult:
    today: date
    requests_expired: int  # answers that were still pending after their deadline
    holds_released: list[str]  # the released placements' references
    emails_sent: int  # of notifications whose e-mail had not gone yet (after this run's own, which go at commit)


def exchange_daily(*, actor: Actor, today: date) -> DailyResult:
    """Each step in its own transaction (its notifications e-mailed at its commit); run once a day, and safe to run
    again: what is done is not done twice."""
    if not actor.is_superuser:
        raise NotAllowed()
    expired = vacancy_requests_expire(actor=actor, today=today)
    released = holds_release(actor=actor, today=today)
    unsent = (Notification.objects.filter(emailed_at__isnull=True,
                                          created_at__gte=timezone.now() - timedelta(days=EMAIL_RETRY_DAYS))
              .exclude(user__email="").values_list("pk", flat=True))
    return DailyResult(today=today, requests_expired=expired, holds_released=[p.reference for p in released],
                       emails_sent=notifications_email(notification_ids=list(unsent)))
