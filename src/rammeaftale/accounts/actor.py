"""The acting user: organisation, region and roles, resolved once per request and passed to every selector."""
from dataclasses import dataclass

from rammeaftale.accounts.models import Role


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    organisation_id: int | None
    organisation_kind: str | None
    region_id: int | None
    roles: frozenset[str]
    is_superuser: bool = False

    @classmethod
    def system(cls, *, username: str = "system") -> "Actor":
        """The platform itself (console commands run by the operator of the installation)."""
        return cls(
            user_id=None, username=username, organisation_id=None, organisation_kind=None, region_id=None,
            roles=frozenset(Role.values), is_superuser=True,
        )

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or any(role in self.roles for role in roles)

    @property
    def is_authenticated(self) -> bool:
        return self.is_superuser or self.organisation_id is not None


ANONYMOUS = Actor(
    user_id=None, username="", organisation_id=None, organisation_kind=None, region_id=None, roles=frozenset()
)


def actor_from_user(user) -> Actor:
    """The Actor for a Django user; an anonymous or organisation-less user may do nothing, and neither may a user
    who must first replace the password an administrator gave them (named, to change it; no organisation, no
    roles: the pages lead to the password change, and the API's answers hold nothing)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    if getattr(user, "password_change_required", False):
        return Actor(user_id=user.pk, username=user.get_username(), organisation_id=None, organisation_kind=None,
                     region_id=None, roles=frozenset())
    organisation = user.organisation
    return Actor(
        user_id=user.pk,
        username=user.get_username(),
        organisation_id=organisation.pk if organisation else None,
        organisation_kind=organisation.kind if organisation else None,
        region_id=organisation.region_id if organisation else None,
        roles=user.role_codes,
        is_superuser=user.is_superuser,
    )


def actor_for_request(request) -> Actor:
    """Cached on the request so one page resolves the actor once."""
    if not hasattr(request, "_actor"):
        request._actor = actor_from_user(getattr(request, "user", None))
    return request._actor
