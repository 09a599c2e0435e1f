"""Who may do what: the predicates every selector and service asks; scoping lives here, never in templates."""
from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import Role
from rammeaftale.parties.models import OPERATOR_KINDS, OrganisationKind

# Which kinds of organisation a role can be held in: caseworkers buy places for a municipality's (or region's)
# citizens, operator staff run offers, the secretariat role is the regional secretariat's; economists and
# administrators exist everywhere.
ROLE_ORGANISATION_KINDS: dict[str, tuple[str, ...]] = {
    Role.CASEWORKER: (OrganisationKind.MUNICIPALITY, OrganisationKind.REGION),
    Role.ECONOMIST: tuple(OrganisationKind.values),
    Role.OPERATOR: OPERATOR_KINDS,
    Role.SECRETARIAT: (OrganisationKind.SECRETARIAT,),
    Role.ADMINISTRATOR: tuple(OrganisationKind.values),
}


def roles_for_organisation_kind(kind: str) -> list[str]:
    """The roles a user of this kind of organisation may hold, in the order Role lists them."""
    return [role for role in Role.values if kind in ROLE_ORGANISATION_KINDS[role]]


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
    """An organisation's administrators read its audit trail (the selector scopes it); the platform reads all.
    An administrator without an organisation reads nothing: no organisation's events are «its own»."""
    if actor.is_superuser:
        return True
    return actor.organisation_id is not None and actor.has_role(Role.ADMINISTRATOR)


def can_manage_users(actor: Actor, *, organisation_id: int | None) -> bool:
    """An organisation's administrators list its users, create them, set their roles, deactivate them, reset their
    passwords and lift their login lockouts; never another organisation's (a secretariat's administrator included:
    the municipalities of its region administer their own staff), and never platform superusers (made only by
    `rammeaftale createsuperuser`)."""
    if actor.is_superuser:
        return True
    return (organisation_id is not None and actor.organisation_id == organisation_id
            and actor.has_role(Role.ADMINISTRATOR))


def can_manage_tariffs(actor: Actor, *, operator_id: int, region_id: int | None) -> bool:
    """The operator's economists, operator staff and administrators budget and calculate its tariffs."""
    if actor.is_superuser:
        return True
    return actor.organisation_id == operator_id and actor.has_role(Role.ECONOMIST, Role.OPERATOR, Role.ADMINISTRATOR)


def can_maintain_price_index(actor: Actor) -> bool:
    """The P/L table is shared by all; the secretariats keep it."""
    return actor.has_role(Role.SECRETARIAT)



def is_region_secretariat(actor: Actor, *, region_id: int) -> bool:
    """The region's secretariat (its secretariat staff and administrators) acts for the agreement: the steering
    group's statuses, new places under the economic model; the platform may too."""
    return actor.is_superuser or (actor.organisation_kind == OrganisationKind.SECRETARIAT
                                  and actor.region_id == region_id
                                  and actor.has_role(Role.SECRETARIAT, Role.ADMINISTRATOR))


def can_buy_place(actor: Actor, *, acting_municipality_id: int) -> bool:
    """The acting municipality's caseworkers buy places for its citizens."""
    if actor.is_superuser:
        return True
    return actor.organisation_id == acting_municipality_id and actor.has_role(Role.CASEWORKER)


def can_see_placement(actor: Actor, *, acting_id: int, paying_id: int, operator_id: int,
                      payer_consented: bool) -> bool:
    """The buying side (acting and paying municipality) and the selling operator; an organisation on more than one
    side has the rights of each. The secretariat sees only aggregates, never a citizen.

    Until the paying municipality has consented, the purchase is a request between the two municipalities: only the
    acting one sees the citizen; the payer sees the request without personal data (`can_answer_payer_consent`), and
    the operator, whose place is not held yet, sees nothing."""
    if actor.is_superuser:
        return True
    if actor.organisation_id == acting_id and actor.has_role(Role.CASEWORKER, Role.ECONOMIST, Role.ADMINISTRATOR):
        return True
    if not payer_consented:
        return False
    if actor.organisation_id == paying_id and actor.has_role(Role.CASEWORKER, Role.ECONOMIST, Role.ADMINISTRATOR):
        return True
    return actor.organisation_id == operator_id and actor.has_role(Role.OPERATOR, Role.ECONOMIST, Role.ADMINISTRATOR)


def can_see_full_cpr(actor: Actor, *, acting_id: int, paying_id: int, operator_id: int,
                     payer_consented: bool) -> bool:
    """Those who work with the citizen: the buying side's caseworkers and the operator's staff (each read logged); an
    organisation on more than one side has the rights of each. Before the payer consents: the acting one only."""
    if actor.is_superuser:
        return True
    if actor.organisation_id == acting_id and actor.has_role(Role.CASEWORKER):
        return True
    if not payer_consented:
        return False
    if actor.organisation_id == paying_id and actor.has_role(Role.CASEWORKER):
        return True
    return actor.organisation_id == operator_id and actor.has_role(Role.OPERATOR)


def can_answer_payer_consent(actor: Actor, *, paying_id: int) -> bool:
    """The paying municipality's caseworkers, economists and administrators accept or decline a request to pay."""
    if actor.is_superuser:
        return True
    return actor.organisation_id == paying_id and actor.has_role(Role.CASEWORKER, Role.ECONOMIST, Role.ADMINISTRATOR)


def can_manage_placement_as_buyer(actor: Actor, *, acting_id: int) -> bool:
    if actor.is_superuser:
        return True
    return actor.organisation_id == acting_id and actor.has_role(Role.CASEWORKER)


def can_manage_placement_as_operator(actor: Actor, *, operator_id: int) -> bool:
    if actor.is_superuser:
        return True
    return actor.organisation_id == operator_id and actor.has_role(Role.OPERATOR, Role.ADMINISTRATOR)


def can_run_settlement(actor: Actor, *, seller_id: int) -> bool:
    """The seller's economists invoice its placements; the console runs as the platform."""
    if actor.is_superuser:
        return True
    return actor.organisation_id == seller_id and actor.has_role(Role.ECONOMIST, Role.ADMINISTRATOR)


def can_see_invoices_of(actor: Actor, *, organisation_id: int) -> bool:
    """An organisation's economists and administrators see the invoices it sends and receives."""
    if actor.is_superuser:
        return True
    return actor.organisation_id == organisation_id and actor.has_role(Role.ECONOMIST, Role.ADMINISTRATOR)


def can_list_placements(actor: Actor) -> bool:
    """Placements hold personal data: the buying and selling organisations' staff, never the secretariat."""
    return actor.is_superuser or (actor.organisation_id is not None and actor.has_role(
        Role.CASEWORKER, Role.ECONOMIST, Role.OPERATOR, Role.ADMINISTRATOR))


def can_use_billing(actor: Actor) -> bool:
    return actor.is_superuser or (actor.organisation_id is not None
                                  and actor.has_role(Role.ECONOMIST, Role.ADMINISTRATOR))


def can_report_occupancy(actor: Actor, *, operator_id: int) -> bool:
    """The operator's economists (and administrators) draft and submit its occupancy report."""
    if actor.is_superuser:
        return True
    return actor.organisation_id == operator_id and actor.has_role(Role.ECONOMIST, Role.ADMINISTRATOR)


def can_send_vacancy_request(actor: Actor, *, municipality_id: int | None) -> bool:
    """A municipality's caseworkers and administrators ask offers for a place and read its requests and answers."""
    if actor.is_superuser:
        return True
    return (municipality_id is not None and actor.organisation_id == municipality_id
            and actor.organisation_kind == "municipality" and actor.has_role(Role.CASEWORKER, Role.ADMINISTRATOR))


def can_see_vacancy_request(actor: Actor, *, municipality_id: int, operator_ids: set[int]) -> bool:
    """The requesting municipality (as it sends them) and the operators of the offers it went to (as they answer);
    nobody else: a request describes a citizen's need."""
    return (can_send_vacancy_request(actor, municipality_id=municipality_id)
            or any(can_manage_placement_as_operator(actor, operator_id=pk) for pk in operator_ids))


def can_issue_agreement_documents(actor: Actor, *, region_id: int) -> bool:
    """The secretariat of the agreement's region issues the Styringsaftale's annexes (the offers and tariffs it
    covers); the console runs as the platform."""
    if actor.is_superuser:
        return True
    return actor.has_role(Role.SECRETARIAT) and actor.region_id == region_id


def can_see_agreement_documents(actor: Actor, *, region_id: int) -> bool:
    """Every party in the agreement (each organisation of its region: municipalities, the region, operators there,
    the secretariat) sees and downloads the issued annexes."""
    if actor.is_superuser:
        return True
    return actor.organisation_id is not None and actor.region_id == region_id
