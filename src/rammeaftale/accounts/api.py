"""REST endpoints for accounts: who am I, and the audit trail of one's own organisation."""
from datetime import datetime
from typing import Any

from ninja import Field, Router, Schema
from ninja.pagination import paginate

from rammeaftale.accounts.actor import actor_from_user
from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.accounts.selectors import audit_event_list
from rammeaftale.api_contract import Pages, errors

router = Router(tags=["Brugere og revisionsspor"])


class OrganisationBrief(Schema):
    id: int
    kind: str
    name: str
    display_name: str
    region_id: int | None

    @staticmethod
    def resolve_display_name(obj) -> str:
        return str(obj)


class RoleOut(Schema):
    code: str
    label: str


class MeOut(Schema):
    username: str
    first_name: str
    last_name: str
    is_superuser: bool
    organisation: OrganisationBrief | None
    roles: list[RoleOut]


class AuditEventOut(Schema):
    id: int
    occurred_at: datetime
    event_type: str
    actor_username: str
    actor_organisation: OrganisationBrief | None = Field(description="Den organisation, brugeren handlede for.")
    organisation: OrganisationBrief | None = Field(description="Den berørte organisation.")
    object_type: str
    object_id: str
    object_repr: str
    before: Any
    after: Any
    reason: str


@router.get("/me", response={200: MeOut, **errors()}, summary="Den indloggede bruger: organisation og roller")
def me(request):
    user = request.auth
    actor = actor_from_user(user)
    return {
        "username": user.get_username(), "first_name": user.first_name, "last_name": user.last_name,
        "is_superuser": user.is_superuser, "organisation": user.organisation,
        "roles": [{"code": code, "label": Role(code).label} for code in sorted(actor.roles)],
    }


@router.get("/audit", response={200: list[AuditEventOut], **errors(403, 422)},
            summary="Revisionsspor for egen organisation (administratorer)")
@paginate(Pages)
def audit_list(request, event_type: str = "", q: str = "") -> list[AuditEvent]:
    """`event_type` matcher begyndelsen (fx «offer.» eller «admin.»); `q` søger i objekt og brugernavn."""
    return audit_event_list(actor=actor_from_user(request.auth), event_type=event_type, text=q.strip())
