"""Notifications: what awaits a user, shown in the app (the inbox) and sent by e-mail.

`notify` is the one way to tell users of an organisation something; callers pass the organisation and the roles that
should hear it, inside their own transaction, so a notification exists exactly when the write it tells of does.
"""
from collections.abc import Iterable

from rammeaftale.accounts.models import User
from rammeaftale.exchange.models import Notification


def notify(*, organisation_id: int, roles: Iterable[str], kind: str, text: str, link: str = "") -> list[Notification]:
    """One notification to each active user of the organisation holding one of the roles."""
    users = (User.objects.filter(organisation_id=organisation_id, is_active=True, user_roles__role__in=list(roles))
             .distinct().order_by("pk"))
    return Notification.objects.bulk_create(
        Notification(user=user, kind=kind, text=text[:300], link=link[:300]) for user in users)
