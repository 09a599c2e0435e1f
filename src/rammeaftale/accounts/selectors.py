"""Reads from accounts: the audit trail and users, scoped to the acting user's organisation."""
from datetime import datetime

from django.db.models import Q, QuerySet

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.login_throttle import login_lockouts
from rammeaftale.accounts.models import AuditEvent, User
from rammeaftale.accounts.permissions import can_browse_audit, can_manage_users
from rammeaftale.core.errors import NotAllowed, NotFound
from rammeaftale.parties.models import Organisation


def audit_event_list(*, actor: Actor, event_type: str = "", text: str = "") -> QuerySet[AuditEvent]:
    """Administrators see the events of their own organisation (as actor or as the organisation concerned)."""
    if not can_browse_audit(actor):
        raise NotAllowed("Kun administratorer kan se revisionssporet.", message_en="Administrators only.")
    events = AuditEvent.objects.select_related("actor_organisation", "organisation").order_by("-occurred_at", "-id")
    if not actor.is_superuser:
        events = events.filter(
            Q(organisation_id=actor.organisation_id) | Q(actor_organisation_id=actor.organisation_id)
        )
    if event_type:
        events = events.filter(event_type__startswith=event_type)
    if text:
        events = events.filter(Q(object_repr__icontains=text) | Q(actor_username__icontains=text))
    return events


def user_list(*, actor: Actor) -> QuerySet[User]:
    """An organisation's administrator sees its users; nobody sees another organisation's staff list."""
    if not can_manage_users(actor, organisation_id=actor.organisation_id):
        raise NotAllowed("Kun administratorer kan se brugerlisten.")
    users = User.objects.select_related("organisation").prefetch_related("user_roles").order_by("username")
    return users if actor.is_superuser else users.filter(organisation_id=actor.organisation_id)


def user_organisation(*, actor: Actor) -> Organisation:
    """The organisation whose users the actor creates: its own. The platform, in none, uses Django admin."""
    if actor.organisation_id is None or not can_manage_users(actor, organisation_id=actor.organisation_id):
        raise NotAllowed("Kun en organisations administrator kan oprette brugere her.")
    return Organisation.objects.get(pk=actor.organisation_id)


def user_get(*, actor: Actor, user_id: int) -> User:
    """One user the actor manages; another organisation's user is «not found», not «not allowed»."""
    user = user_list(actor=actor).filter(pk=user_id).first()
    if user is None:
        raise NotFound("Brugeren findes ikke.", message_en="User not found.")
    return user


def user_lockouts(*, actor: Actor, users: list[User]) -> dict[int, datetime]:
    """Which of these users (the actor's own) are locked out of logging in now, and until when."""
    managed = [user for user in users if can_manage_users(actor, organisation_id=user.organisation_id)]
    until = login_lockouts(usernames=[user.username for user in managed])
    return {user.pk: until[user.username] for user in managed if user.username in until}


def audit_event_types(*, actor: Actor) -> list[str]:
    """The event types the actor's audit trail holds, for the filter menu."""
    events = audit_event_list(actor=actor).order_by("event_type")
    return list(events.values_list("event_type", flat=True).distinct())
