"""Writes to accounts: users, their roles and their login lockouts, each audited.

No service here makes a platform superuser (or Django admin staff): that is `rammeaftale createsuperuser` only.
"""
from django.db import transaction

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.login_throttle import login_lockouts_reset
from rammeaftale.accounts.models import Role, User, UserRole
from rammeaftale.accounts.permissions import can_manage_users
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.parties.models import OPERATOR_KINDS, Organisation, OrganisationKind


def _roles_validate(*, organisation: Organisation, roles: list[str]) -> None:
    if not roles:
        raise DomainError("En bruger skal have mindst én rolle.", field="roles")
    for role in roles:
        if role not in Role.values:
            raise DomainError(f"Ukendt rolle «{role}».", field="roles")
    if Role.SECRETARIAT in roles and organisation.kind != OrganisationKind.SECRETARIAT:
        raise DomainError("Rollen sekretariat kan kun gives til brugere i et sekretariat.", field="roles")
    if Role.OPERATOR in roles and organisation.kind not in OPERATOR_KINDS:
        raise DomainError("Rollen driftsherre kræver en kommune, region eller privat driftsherre.", field="roles")
    if Role.CASEWORKER in roles and organisation.kind not in (OrganisationKind.MUNICIPALITY, OrganisationKind.REGION):
        raise DomainError("Rollen sagsbehandler kræver en kommune eller region.", field="roles")


@transaction.atomic
def user_create(
    *, actor: Actor, username: str, password: str, organisation: Organisation, roles: list[str],
    first_name: str = "", last_name: str = "", email: str = "",
) -> User:
    """A user of one organisation, never a superuser; an organisation's administrator creates its users, the
    platform any."""
    if not can_manage_users(actor, organisation_id=organisation.pk):
        raise NotAllowed("Kun organisationens administrator kan oprette brugere.")
    if not username.strip():
        raise DomainError("Brugernavn mangler.", field="username")
    if User.objects.filter(username=username).exists():
        raise DomainError(f"Brugernavnet «{username}» er optaget.", field="username")
    _roles_validate(organisation=organisation, roles=roles)
    user = User(
        username=username, organisation=organisation, first_name=first_name, last_name=last_name, email=email,
    )
    user.set_password(password)
    user.save()
    UserRole.objects.bulk_create([UserRole(user=user, role=role) for role in sorted(set(roles))])
    audit_record(
        actor=actor, event_type="user.created", organisation_id=organisation.pk, obj=user,
        after={"username": username, "organisation": organisation.pk, "roles": sorted(set(roles))},
    )
    return user


@transaction.atomic
def user_roles_set(*, actor: Actor, user: User, roles: list[str]) -> User:
    if not can_manage_users(actor, organisation_id=user.organisation_id) or (
            user.is_superuser and not actor.is_superuser):
        raise NotAllowed("Kun organisationens administrator kan ændre roller.")
    _roles_validate(organisation=user.organisation, roles=roles)
    before = sorted(user.role_codes)
    UserRole.objects.filter(user=user).delete()
    UserRole.objects.bulk_create([UserRole(user=user, role=role) for role in sorted(set(roles))])
    audit_record(actor=actor, event_type="user.roles_changed", organisation_id=user.organisation_id, obj=user,
                 before={"roles": before}, after={"roles": sorted(set(roles))})
    return user


@transaction.atomic
def user_login_unlock(*, actor: Actor, user: User) -> int:
    """Lifts the user's login lockout (every address) before the cool-off ends; returns the records cleared."""
    if not can_manage_users(actor, organisation_id=user.organisation_id):
        raise NotAllowed("Kun organisationens administrator kan ophæve en spærring.")
    cleared = login_lockouts_reset(username=user.username)
    audit_record(actor=actor, event_type="login.unlocked", organisation_id=user.organisation_id, obj=user,
                 after={"username": user.username, "records_cleared": cleared})
    return cleared
