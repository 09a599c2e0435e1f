"""Reads for the Styringsaftale's annexes: which offers an agreement covers in a year, each offer's state on a day,
the data snapshot an issued version keeps, and the versions a party of the agreement may see.

"Covered" (docs/agreement-documents.md): every offer located in a municipality of the agreement's region — the same
offers the tariff list shows — in the tariff list's order (offer name, then id). The seeds define the covered offers
by use ("Tilbudstyper … der anvendes af andre kommuner end driftsherrens kommune, er omfattet af Styringsaftalen …
De konkrete tilbud omfattet af Styringsaftalen fremgår af bilag 9", Syddanmark 2017; Sjælland 2025–26: "Kommunale
tilbud, som alene anvendes af driftskommunen, indgar ikke"); the annex lists every offer of the region with its
category for the year, so the secretariat's list of covered offers is the category column, not a guess from sales.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import date

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.permissions import can_issue_agreement_documents, can_see_agreement_documents
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.exports.models import AgreementDocument, AnnexKind
from rammeaftale.parties.models import Organisation
from rammeaftale.registry.history import offer_statuses_on, operators_on
from rammeaftale.registry.models import (
    Agreement,
    Category,
    Offer,
    OfferCapacity,
    OfferCategory,
    OfferStatus,
    OfferType,
)
from rammeaftale.registry.rules import RulesInForce, rules_in_force
from rammeaftale.registry.selectors import offer_groups_of
from rammeaftale.tariffs.selectors import tariff_list

OFFER_TYPE_LABELS = dict(OfferType.choices)
CATEGORY_LABELS = dict(Category.choices)


def _require_login(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.", message_en="Authentication required.")


# The state of an offer on a day.


@dataclass(frozen=True)
class OfferState:
    operator_id: int
    operator_name: str
    places: int | None  # None: no capacity on record on the day


def offer_states_on(*, offers: list[Offer], on: date) -> dict[int, OfferState]:
    """State of the offer on a day: who operates it and how many places it has that day, by offer id.

    The one place the annexes read an offer's operator and capacity: the operator of the day from the registry's
    dated history (`registry.history.operators_on`: after a takeover, the new operator), the capacity its newest
    `OfferCapacity` from on or before the day. An offer closed on the day is left out.
    """
    closed = {offer_id for offer_id, status in offer_statuses_on([offer.pk for offer in offers], on).items()
              if status == OfferStatus.CLOSED}
    operators = operators_on(offers, on)
    names = Organisation.objects.in_bulk(set(operators.values()))
    places: dict[int, int] = {}
    for offer_id, count in (OfferCapacity.objects.filter(offer__in=[offer.pk for offer in offers], valid_from__lte=on)
                            .order_by("offer_id", "valid_from").values_list("offer_id", "places")):
        places[offer_id] = count  # the newest record not after the day wins
    return {offer.pk: OfferState(operator_id=operators[offer.pk], operator_name=str(names[operators[offer.pk]]),
                                 places=places.get(offer.pk)) for offer in offers if offer.pk not in closed}


# Which offers, and under which rules.


def covered_offers(*, agreement: Agreement) -> list[Offer]:
    """The offers the agreement covers (module docstring), in the tariff list's order."""
    return list(Offer.objects.select_related("operator", "municipality")
                .filter(municipality__region_id=agreement.region_id).order_by("name", "id"))


def annex_rules(*, agreement: Agreement, year: int) -> RulesInForce:
    """The rules an annex for the year is made under: those in force on the year's 1 January
    (`registry.rules.rules_in_force`), and they must be this agreement's. A Danish DomainError otherwise."""
    try:
        rules = rules_in_force(region=agreement.region, on=date(year, 1, 1))
    except DomainError as error:
        raise DomainError(
            f"Bilaget for {year} kan ikke dannes: ingen regelbog gælder for året. Reglen: et bilag dannes efter "
            f"de regler, der gælder 1. januar {year} (rammeaftalens regler, docs/rulebooks.md «Which rules apply on "
            f"a day»). {error.message_da} Intet er gemt.",
            field="year", code="no_rulebook", message_en=f"no rulebook governs {year}: {error.message_en}",
        ) from error
    if rules.agreement.pk != agreement.pk:
        raise DomainError(
            f"Bilaget for {year} hører til «{rules.agreement.name}», ikke «{agreement.name}»: et bilag dannes "
            f"under den aftale, hvis regler gælder 1. januar {year}. Intet er gemt.",
            field="year", code="other_agreement",
            message_en=f"{year} is governed by agreement {rules.agreement.pk}",
        )
    return rules


# The data an issued version keeps.


def _offers_annex(offers: list[Offer], *, year: int, on: date) -> list[dict]:
    states = offer_states_on(offers=offers, on=on)
    paragraphs, groups = offer_groups_of([offer.pk for offer in offers])
    categories = dict(OfferCategory.objects.filter(offer__in=offers, year=year).values_list("offer_id", "category"))
    return [{
        "offer_id": offer.pk, "name": offer.name, "tilbudsportalen_id": offer.tilbudsportalen_id or "",
        "operator": states[offer.pk].operator_name, "municipality": offer.municipality.name,
        "offer_type": OFFER_TYPE_LABELS.get(offer.offer_type, offer.offer_type),
        "paragraphs": [paragraph.label for paragraph in paragraphs[offer.pk]],
        "target_groups": [group.name for group in groups[offer.pk]],
        "category": CATEGORY_LABELS.get(categories[offer.pk]) if offer.pk in categories else None,
        "places": states[offer.pk].places,
    } for offer in offers if offer.pk in states]  # an offer closed on the day is not covered


def _tariff_annex(actor: Actor, agreement: Agreement, offers: list[Offer], *, year: int, on: date) -> list[dict]:
    """Per covered offer its tariffs of the year as the tariff list has them (the one reading of which tariff is
    in force: `tariffs.selectors.tariff_list`); an offer without any keeps an empty list."""
    by_offer: dict[int, list[dict]] = {}
    for row in tariff_list(actor=actor, agreement=agreement, year=year).rows:
        tariff, service = row.tariff, row.tariff.service
        by_offer.setdefault(service.offer_id, []).append({
            "service": service.name, "kind": service.get_kind_display(), "unit": service.get_unit_display(),
            "amount_ore": tariff.amount_ore, "monthly_ore": tariff.monthly_ore,
            "previous_ore": row.previous.amount_ore if row.previous else None,
            "provisional": tariff.is_provisional,
        })
    states = offer_states_on(offers=offers, on=on)
    return [{"offer_id": offer.pk, "name": offer.name, "operator": states[offer.pk].operator_name,
             "tariffs": by_offer.get(offer.pk, [])} for offer in offers if offer.pk in states]


def annex_snapshot(*, actor: Actor, agreement: Agreement, year: int, kind: str) -> dict:
    """What an annex for the year holds, as JSON: the offers (or their tariffs) as the data stands now, in the state
    of 1 January of the year. No dates of issue: the same data gives the same snapshot and checksum."""
    rules = annex_rules(agreement=agreement, year=year)
    on = date(year, 1, 1)
    offers = covered_offers(agreement=agreement)
    rows = (_offers_annex(offers, year=year, on=on) if kind == AnnexKind.OFFERS
            else _tariff_annex(actor, agreement, offers, year=year, on=on))
    return {
        "agreement": {"id": agreement.pk, "name": agreement.name, "region": agreement.region.name},
        "year": year, "kind": kind, "state_on": on.isoformat(),
        "rules": {"name": rules.rulebook.rulebook.name, "rulebook": agreement.rulebook.key,
                  "rulebook_version": agreement.rulebook.version, "warning": rules.warning_da},
        "rows": rows,
    }


def snapshot_sha256(snapshot: dict) -> str:
    """The checksum of an annex's content: SHA-256 of its snapshot as canonical JSON (sorted keys, UTF-8)."""
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# The versions.


@dataclass(frozen=True)
class AnnexVersions:
    """The issued annexes of one agreement for its parties, newest year first, and whether the actor may issue."""

    agreement: Agreement
    documents: list[AgreementDocument]
    years: list[int]  # the years an annex may be asked for on the page
    default_year: int
    may_issue: bool


def _visible(actor: Actor, agreement: Agreement) -> None:
    _require_login(actor)
    if not can_see_agreement_documents(actor, region_id=agreement.region_id):
        raise NotAllowed("Kun rammeaftalens parter (organisationerne i regionen) ser aftalens bilag.",
                         message_en="only the agreement's parties see its annexes")


def _agreement(agreement_id: int) -> Agreement:
    agreement = Agreement.objects.select_related("region", "rulebook").filter(pk=agreement_id).first()
    if agreement is None:
        raise NotFound("Rammeaftalen findes ikke.", message_en="Agreement not found.")
    return agreement


def agreement_for_annexes(*, actor: Actor, agreement_id: int) -> Agreement:
    agreement = _agreement(agreement_id)
    _visible(actor, agreement)
    return agreement


def _governed_by(agreement: Agreement, year: int) -> bool:
    try:
        return annex_rules(agreement=agreement, year=year) is not None
    except DomainError:
        return False


def annex_versions(*, actor: Actor, agreement_id: int, today: date) -> AnnexVersions:
    agreement = agreement_for_annexes(actor=actor, agreement_id=agreement_id)
    documents = list(AgreementDocument.objects.filter(agreement=agreement).defer("snapshot")
                     .order_by("-year", "kind", "-version"))
    # The years whose rules are this agreement's (its own, and after them while carried on), up to next year:
    # annexes are issued ahead. Years already issued stay listed.
    years = {year for year in range(agreement.year_from, max(agreement.year_to, today.year) + 2)
             if _governed_by(agreement, year)}
    years = sorted(years | {document.year for document in documents}, reverse=True)
    default_year = today.year + 1 if today.year + 1 in years else (years[0] if years else today.year + 1)
    return AnnexVersions(agreement=agreement, documents=documents, years=years, default_year=default_year,
                         may_issue=can_issue_agreement_documents(actor, region_id=agreement.region_id))


def annex_document_get(*, actor: Actor, document_id: int) -> AgreementDocument:
    """One issued version with its snapshot, for a party of its agreement."""
    document = AgreementDocument.objects.select_related("agreement", "agreement__region").filter(
        pk=document_id).first()
    if document is None:
        raise NotFound("Bilaget findes ikke.", message_en="Annex not found.")
    _visible(actor, document.agreement)
    return document
