"""Who may do what: the predicates every selector and service asks; scoping lives here, never in templates."""
from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import Role


def can_see_offer_internals(actor: Actor, *, operator_id: int, region_id: int | None) -> bool:
    """The operator's own users, and the secretariat of the offer's region, see its internal notes."""
    if actor.is_superuser:
        return True
    if actor.organisation_id == operator_id:
        return True
    return actor.has_role(Role.SECRETARIAT) and region_id is not None and actor.region_id == region_id


def can_manage_offer(actor: Actor, *, operator_id: int, region_id: int | None) -> bool:
    """Operator staff and administrators of the operator, or the region's secretariat, maintain an offer."""
    if actor.is_superuser:
        return True
    if actor.organisation_id == operator_id and actor.has_role(Role.OPERATOR, Role.ADMINISTRATOR):
        return True
    return actor.has_role(Role.SECRETARIAT) and region_id is not None and actor.region_id == region_id


def can_import_offers(actor: Actor) -> bool:
    return actor.has_role(Role.OPERATOR, Role.ADMINISTRATOR, Role.SECRETARIAT)


def can_browse_audit(actor: Actor) -> bool:
    return actor.has_role(Role.ADMINISTRATOR)


def can_manage_tariffs(actor: Actor, *, operator_id: int, region_id: int | None) -> bool:
    """The operator's economists, operator staff and administrators budget and calculate its tariffs."""
    if actor.is_superuser:
        return True
    return actor.organisation_id == operator_id and actor.has_role(Role.ECONOMIST, Role.OPERATOR, Role.ADMINISTRATOR)


def can_maintain_price_index(actor: Actor) -> bool:
    """The P/L table is shared by all; the secretariats keep it."""
    return actor.has_role(Role.SECRETARIAT)

