"""Writes to accounts: users, their roles, passwords, active state and login lockouts, each audited.

No service here makes a platform superuser (or Django admin staff): that is `rammeaftale createsuperuser` only.
A password is never written to the audit trail, only that it was set and whether it must be changed.
"""
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.crypto import get_random_string

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.login_throttle import login_lockouts_reset
from rammeaftale.accounts.models import Role, User, UserRole
from rammeaftale.accounts.permissions import ROLE_ORGANISATION_KINDS, can_manage_users
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.parties.models import Organisation, OrganisationKind

# «i en kommune», «i et sekretariat»: the kinds of organisation as a role's rule names them.
_KIND_PHRASES = {
    OrganisationKind.MUNICIPALITY: "en kommune",
    OrganisationKind.REGION: "en region",
    OrganisationKind.PRIVATE_OPERATOR: "en privat driftsherre",
    OrganisationKind.SECRETARIAT: "et sekretariat",
}
# Easy to read aloud and type: no 0/O, 1/l/I.
_ONE_TIME_CHARS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _roles_validate(*, organisation: Organisation | None, roles: list[str]) -> None:
    if organisation is None:  # a platform superuser: Django admin's
        raise DomainError("Brugeren hører ikke til en organisation, så den kan ikke have roller her.", field="roles")
    if not roles:
        raise DomainError("En bruger skal have mindst én rolle.", field="roles")
    for role in roles:
        if role not in Role.values:
            raise DomainError(f"Ukendt rolle «{role}».", field="roles")
    for role in roles:
        kinds = ROLE_ORGANISATION_KINDS[role]
        if organisation.kind not in kinds:
            phrases = [_KIND_PHRASES[kind] for kind in kinds]
            where = ", ".join(phrases[:-1]) + " eller " + phrases[-1] if len(phrases) > 1 else phrases[0]
            raise DomainError(f"Rollen {Role(role).label.lower()} kan kun gives til brugere i {where}.",
                              field="roles", message_en=f"The role {role} is not held in a {organisation.kind}.")


def _password_validate(*, user: User, password: str) -> None:
    """Django's AUTH_PASSWORD_VALIDATORS, their messages in Danish, under the field «Adgangskode»."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise DomainError("Adgangskode: " + " ".join(error.messages), field="password",
                          message_en="The password does not pass the password validators.") from error


def _details_validate(*, first_name: str, last_name: str, email: str) -> None:
    for name, value, label in (("first_name", first_name, "Fornavn"), ("last_name", last_name, "Efternavn")):
        if len(value) > User._meta.get_field(name).max_length:
            raise DomainError(f"{label}: højst {User._meta.get_field(name).max_length} tegn.", field=name)
    if email:
        try:
            validate_email(email)
        except ValidationError as error:
            raise DomainError(f"E-mail: «{email}» er ikke en gyldig e-mailadresse.", field="email") from error


def _user_managed(actor: Actor, user: User, *, doing: str) -> None:
    """Only the user's own organisation's administrator (or the platform); a platform superuser sitting in the
    organisation is the platform's, not its administrator's."""
    if not can_manage_users(actor, organisation_id=user.organisation_id) or (
            user.is_superuser and not actor.is_superuser):
        raise NotAllowed(f"Kun organisationens administrator kan {doing}.")


def _roles_replace(*, user: User, roles: list[str]) -> None:
    UserRole.objects.filter(user=user).delete()
    UserRole.objects.bulk_create([UserRole(user=user, role=role) for role in sorted(set(roles))])


def one_time_password() -> str:
    """A random password to hand over once, in three groups of four (about 70 bits); the user must change it."""
    return "-".join(get_random_string(4, _ONE_TIME_CHARS) for _ in range(3))


@transaction.atomic
def user_create(
    *, actor: Actor, username: str, password: str, organisation: Organisation, roles: list[str],
    first_name: str = "", last_name: str = "", email: str = "", password_change_required: bool = False,
) -> User:
    """A user of one organisation, never a superuser; an organisation's administrator creates its users, the
    platform any. The password passes AUTH_PASSWORD_VALIDATORS; given by an administrator, it is to be changed at
    the first login (`password_change_required`)."""
    if not can_manage_users(actor, organisation_id=organisation.pk):
        raise NotAllowed("Kun organisationens administrator kan oprette brugere.")
    username = username.strip()
    if not username:
        raise DomainError("Brugernavn mangler.", field="username")
    try:
        User.username_validator(username)
    except ValidationError as error:
        raise DomainError(f"Brugernavn: «{username}» må kun indeholde bogstaver, tal og tegnene @ . + - _.",
                          field="username") from error
    if len(username) > User._meta.get_field("username").max_length:
        raise DomainError("Brugernavn: højst 150 tegn.", field="username")
    clash = f"Brugernavn: «{username}» er optaget; vælg et andet brugernavn."
    # Case-insensitive: «Anna» beside «anna» would be two users a person cannot tell apart at the login.
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(clash, field="username", message_en="The username is taken.")
    _roles_validate(organisation=organisation, roles=roles)
    _details_validate(first_name=first_name, last_name=last_name, email=email)
    user = User(
        username=username, organisation=organisation, first_name=first_name, last_name=last_name, email=email,
        password_change_required=password_change_required,
    )
    _password_validate(user=user, password=password)
    user.set_password(password)
    try:
        with transaction.atomic():  # a concurrent creation of the same name: the message, not a server error
            user.save()
    except IntegrityError as error:
        raise DomainError(clash, field="username", message_en="The username is taken.") from error
    _roles_replace(user=user, roles=roles)
    audit_record(
        actor=actor, event_type="user.created", organisation_id=organisation.pk, obj=user,
        after={"username": username, "organisation": organisation.pk, "roles": sorted(set(roles)),
               "first_name": first_name, "last_name": last_name, "email": email,
               "password_change_required": password_change_required},
    )
    return user


def _own_administration_kept(*, actor: Actor, user: User, roles: list[str]) -> None:
    if user.pk == actor.user_id and not actor.is_superuser and Role.ADMINISTRATOR not in roles:
        raise DomainError("Roller: du kan ikke fjerne din egen administratorrolle; så kunne ingen administrere "
                          "organisationens brugere. Bed en anden administrator om det.", field="roles",
                          message_en="An administrator cannot remove their own administrator role.")


@transaction.atomic
def user_roles_set(*, actor: Actor, user: User, roles: list[str]) -> User:
    _user_managed(actor, user, doing="ændre roller")
    _roles_validate(organisation=user.organisation, roles=roles)
    _own_administration_kept(actor=actor, user=user, roles=roles)
    before = sorted(user.role_codes)
    _roles_replace(user=user, roles=roles)
    audit_record(actor=actor, event_type="user.roles_changed", organisation_id=user.organisation_id, obj=user,
                 before={"roles": before}, after={"roles": sorted(set(roles))})
    return user


@transaction.atomic
def user_update(*, actor: Actor, user: User, first_name: str, last_name: str, email: str,
                roles: list[str]) -> list[str]:
    """Name, e-mail and roles of a user; the audit event holds only the fields that changed (before and after).
    Returns the names of the changed fields (none: nothing written)."""
    _user_managed(actor, user, doing="ændre brugere")
    _roles_validate(organisation=user.organisation, roles=roles)
    _own_administration_kept(actor=actor, user=user, roles=roles)
    _details_validate(first_name=first_name, last_name=last_name, email=email)
    before = {"first_name": user.first_name, "last_name": user.last_name, "email": user.email,
              "roles": sorted(user.role_codes)}
    after = {"first_name": first_name, "last_name": last_name, "email": email, "roles": sorted(set(roles))}
    changed = [key for key in before if before[key] != after[key]]
    if not changed:
        return []
    user.first_name, user.last_name, user.email = first_name, last_name, email
    user.save(update_fields=["first_name", "last_name", "email"])
    if "roles" in changed:
        _roles_replace(user=user, roles=roles)
    audit_record(actor=actor, event_type="user.changed", organisation_id=user.organisation_id, obj=user,
                 before={key: before[key] for key in changed}, after={key: after[key] for key in changed})
    return changed


@transaction.atomic
def user_active_set(*, actor: Actor, user: User, is_active: bool) -> User:
    """Deactivates a user (no login, open sessions end: Django's backend refuses an inactive user) or reactivates
    one; an administrator never deactivates themself, so the organisation keeps someone to administer it."""
    _user_managed(actor, user, doing="deaktivere og genaktivere brugere")
    if not is_active and user.pk == actor.user_id:
        raise DomainError("Du kan ikke deaktivere dig selv; så kunne ingen administrere organisationens brugere. "
                          "Bed en anden administrator om det.", field="is_active",
                          message_en="An administrator cannot deactivate themself.")
    if user.is_active == is_active:
        return user
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, event_type="user.reactivated" if is_active else "user.deactivated",
                 organisation_id=user.organisation_id, obj=user,
                 before={"is_active": not is_active}, after={"is_active": is_active})
    return user


@transaction.atomic
def user_password_reset(*, actor: Actor, user: User, password: str) -> int:
    """An administrator gives the user a new password (validated), to be changed at the next login, and lifts the
    user's login lockout; returns the lockout records cleared. The audit event says so, never the password."""
    _user_managed(actor, user, doing="nulstille adgangskoder")
    _password_validate(user=user, password=password)
    user.set_password(password)
    user.password_change_required = True
    user.save(update_fields=["password", "password_change_required"])
    cleared = login_lockouts_reset(username=user.username)
    audit_record(actor=actor, event_type="user.password_reset", organisation_id=user.organisation_id, obj=user,
                 after={"password_change_required": True, "login_records_cleared": cleared})
    return cleared


@transaction.atomic
def user_password_change(*, actor: Actor, user: User, password: str) -> User:
    """The user chooses their own password (the form checked the old one): the requirement to change it ends."""
    if actor.user_id != user.pk:
        raise NotAllowed("Kun brugeren selv kan skifte sin adgangskode her.")
    _password_validate(user=user, password=password)
    was_required = user.password_change_required
    user.set_password(password)
    user.password_change_required = False
    user.save(update_fields=["password", "password_change_required"])
    audit_record(actor=actor, event_type="user.password_changed", organisation_id=user.organisation_id, obj=user,
                 before={"password_change_required": was_required}, after={"password_change_required": False})
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
