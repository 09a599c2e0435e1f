"""Public places before private (Sjælland 2025–26, `market.check_public_vacancies_before_private`).

Seed-004, Fokusområde 1, «Fælles om kvalitet»: "Vi afstemmer altid ledige bo- og døgntilbud i andre kommuner og i
regionen før køb hos private". Where the buyer's rules say so, buying a place in a private offer first shows the
public (municipal and regional) vacancies in the buyer's region that match the private offer (its type and legal
basis) from the start date, by the search (`exchange.search`). Buying private anyway when there are any takes a
reason. What was shown (a snapshot), the reason and the user are kept (`placements.PublicVacancyCheck`), tied to the
placement when it is bought (`placements.services.placement_request` requires the check), and listed for the
region's secretariat by year.
"""
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.models import Role
from rammeaftale.accounts.permissions import can_buy_place
from rammeaftale.core.cpr_text import contains_cpr
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.exchange.search import PUBLIC_KINDS, VacancyHit, VacancySearch, vacancy_search
from rammeaftale.parties.models import OrganisationKind
from rammeaftale.placements.models import PublicVacancyCheck
from rammeaftale.placements.services import public_check_required
from rammeaftale.registry.models import Offer
from rammeaftale.registry.rules import rules_in_force

SHOWN_MAX = 25  # the public vacancies shown and kept in the snapshot
REASON_MAX = 2000


@dataclass(frozen=True)
class PublicAlternatives:
    """The public vacancies matching a private offer from a start date, for a buyer whose rules ask for them."""

    offer: Offer
    start: date
    required: bool  # the buyer's rules ask for the check (else it is not needed)
    hits: list[VacancyHit]
    matching: int  # public offers of that type and basis in the region, with or without vacancies
    rule_da: str = ""  # where it is required: the rule's words and its agreement, from the rulebook


def _search_for(offer: Offer, *, region_id: int | None, start: date) -> VacancySearch:
    paragraph = offer.paragraphs.order_by("pk").values_list("code", flat=True).first() or ""
    return VacancySearch(paragraph=paragraph, offer_type=offer.offer_type, region_id=region_id, free_from=start,
                         operator_kinds=PUBLIC_KINDS, exclude_offer_id=offer.pk)


def public_alternatives(*, actor: Actor, offer: Offer, start: date, today: date) -> PublicAlternatives:
    """What the caseworker is shown before buying in the private `offer` from `start`."""
    if not can_buy_place(actor, acting_municipality_id=actor.organisation_id):
        raise NotAllowed("Kun kommunens sagsbehandlere kan købe en plads.")
    required = (offer.operator.kind == OrganisationKind.PRIVATE_OPERATOR
                and public_check_required(buyer_region_id=actor.region_id, offer=offer, start=start))
    rule_da = _rule_da(region_id=actor.region_id, start=start) if required else ""
    results = vacancy_search(actor=actor, search=_search_for(offer, region_id=actor.region_id,
                                                             start=max(start, today)),
                             today=today, limit=SHOWN_MAX)
    return PublicAlternatives(offer=offer, start=start, required=required, hits=results.hits,
                              matching=results.matching, rule_da=rule_da)


def _rule_da(*, region_id: int, start: date) -> str:
    """«Rammeaftale 2025–2026, Sjælland: »…«» from the rules in force on the start day (the parameter's source)."""
    rules = rules_in_force(region=region_id, on=start)
    flag = rules.rulebook.market.check_public_vacancies_before_private
    quote = flag.source.quote if flag is not None and flag.source is not None else ""
    return f"{rules.agreement.name}: »{quote}«" if quote else rules.agreement.name


def _snapshot(hit: VacancyHit) -> dict:
    return {"offer_id": hit.offer_id, "name": hit.name, "operator": hit.operator_name, "municipality": hit.municipality,
            "distance": hit.distance_label, "free": hit.free, "places": hit.places,
            "confirmed": hit.confirmed_free, "tariff_ore": hit.tariff.amount_ore if hit.tariff else None,
            "tariff_unit": hit.tariff.unit if hit.tariff else None}


@transaction.atomic
def public_vacancy_check(*, actor: Actor, offer: Offer, start: date, reason: str, today: date) -> PublicVacancyCheck:
    """The caseworker has seen the public vacancies; kept with what was shown and, when there were any, the reason
    for buying private anyway (refused without one). The purchase that follows names this check."""
    alternatives = public_alternatives(actor=actor, offer=offer, start=start, today=today)
    if offer.operator.kind != OrganisationKind.PRIVATE_OPERATOR:
        raise DomainError(f"{offer.name} er ikke et privat tilbud; der skal ikke afstemmes offentlige pladser.",
                          field="offer", message_en="the offer is not private")
    reason = reason.strip()
    if alternatives.hits and not reason:
        raise DomainError(
            f"Der er {len(alternatives.hits)} offentlig{'e' if len(alternatives.hits) != 1 else ''} tilbud med ledige "
            "pladser, der matcher. Skriv, hvorfor der alligevel købes hos en privat driftsherre.",
            field="reason", code="reason_required", message_en="public vacancies exist: a reason is required")
    if len(reason) > REASON_MAX:
        raise DomainError(f"Begrundelsen er {len(reason)} tegn; højst {REASON_MAX}.", field="reason",
                          message_en=f"reason longer than {REASON_MAX} characters")
    if contains_cpr(reason):
        raise DomainError("Begrundelsen ser ud til at indeholde et CPR-nummer; sekretariatet ser den. Skriv uden "
                          "personoplysninger.", field="reason", code="cpr_in_text",
                          message_en="the reason appears to contain a CPR number")
    check = PublicVacancyCheck.objects.create(
        buyer_id=actor.organisation_id, offer=offer, start_date=start, reason=reason, checked_by_id=actor.user_id,
        public_vacancies=[_snapshot(hit) for hit in alternatives.hits])
    audit_record(actor=actor, event_type="placement.public_vacancies_checked", organisation_id=actor.organisation_id,
                 obj=check, after={"offer": offer.pk, "start": start.isoformat(), "public_vacancies":
                                   len(alternatives.hits), "reason": reason, "required": alternatives.required})
    return check


@dataclass(frozen=True)
class CheckRow:
    check: PublicVacancyCheck
    shown: int  # public vacancies shown


def public_checks_of_year(*, actor: Actor, year: int) -> list[CheckRow]:
    """The secretariat's yearly list: the purchases in private offers by the region's municipalities, with the public
    vacancies shown and the reason (checks a purchase followed). A municipality sees its own."""
    if actor.is_superuser:
        scope = {}
    elif actor.has_role(Role.SECRETARIAT) and actor.organisation_kind == OrganisationKind.SECRETARIAT:
        scope = {"buyer__region_id": actor.region_id}
    elif actor.has_role(Role.CASEWORKER, Role.ECONOMIST, Role.ADMINISTRATOR) and (
            actor.organisation_kind == OrganisationKind.MUNICIPALITY):
        scope = {"buyer_id": actor.organisation_id}
    else:
        raise NotAllowed("Listen over køb hos private er for regionens sekretariat og kommunerne selv.")
    checks = (PublicVacancyCheck.objects.filter(placement__isnull=False, checked_at__year=year, **scope)
              .select_related("buyer", "offer", "offer__operator", "checked_by", "placement")
              .order_by("checked_at", "pk"))
    return [CheckRow(check, len(check.public_vacancies)) for check in checks]
