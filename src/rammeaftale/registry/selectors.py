"""Reads from the registry, each taking the acting user: public offer data for everyone logged in,
internal notes only for the operator's own users and the region's secretariat."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.permissions import can_manage_offer, can_see_offer_internals
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.parties.models import Organisation, OrganisationKind, Population
from rammeaftale.registry.history import offer_closing_date, offer_status_on, operator_periods
from rammeaftale.registry.models import (
    Agreement,
    LegalParagraph,
    Offer,
    OfferCapacity,
    OfferCategory,
    OfferStatus,
    Service,
    TargetGroup,
)
from rammeaftale.registry.regions import REGION_ALIASES, REGION_CODES
from rammeaftale.registry.rules import RulesInForce, rules_in_force


def _require_login(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.", message_en="Authentication required.")


@dataclass(frozen=True)
class OfferFilters:
    region_id: int | None = None
    operator_id: int | None = None
    paragraph: str = ""
    target_group: str = ""
    category: str = ""
    offer_type: str = ""
    text: str = ""
    year: int | None = None


def offer_list(*, actor: Actor, on: date, filters: OfferFilters = OfferFilters()) -> QuerySet[Offer]:
    """Offers with their capacity on `on` (default today) and category of the filter year (default this year)."""
    _require_login(actor)
    year = filters.year or on.year
    capacity_now = OfferCapacity.objects.filter(offer=OuterRef("pk"), valid_from__lte=on).order_by("-valid_from")
    category_of_year = OfferCategory.objects.filter(offer=OuterRef("pk"), year=year)
    offers = (
        Offer.objects.select_related("operator", "municipality", "municipality__region")
        .annotate(
            places_now=Subquery(capacity_now.values("places")[:1]),
            category_code=Subquery(category_of_year.values("category")[:1]),
        )
        .order_by("name", "id")
    )
    if filters.region_id:
        offers = offers.filter(municipality__region_id=filters.region_id)
    if filters.operator_id:
        offers = offers.filter(operator_id=filters.operator_id)
    if filters.paragraph:
        offers = offers.filter(paragraphs__code=filters.paragraph)
    if filters.target_group:
        offers = offers.filter(target_groups__code=filters.target_group)
    if filters.category:
        offers = offers.filter(categories__year=year, categories__category=filters.category)
    if filters.offer_type:
        offers = offers.filter(offer_type=filters.offer_type)
    if filters.text:
        for word in filters.text.split():
            offers = offers.filter(
                Q(name__icontains=word) | Q(operator__name__icontains=word) | Q(city__icontains=word)
                | Q(address__icontains=word) | Q(municipality__name__icontains=word)
                | Q(tilbudsportalen_id__iexact=word) | Q(description__icontains=word)
            )
    if filters.paragraph or filters.target_group or filters.category:
        offers = offers.distinct()
    return offers


def offer_groups_of(ids: list[int]) -> tuple[dict[int, list[LegalParagraph]], dict[int, list[TargetGroup]]]:
    """These offers' legal paragraphs and target groups (in their models' order), by offer id: one narrow query
    each. Django's prefetch of the two relations cost more than the page's own query (7 of 11 ms for 50 offers)."""
    paragraphs: dict[int, list[LegalParagraph]] = defaultdict(list)
    groups: dict[int, list[TargetGroup]] = defaultdict(list)
    if ids:
        for offer_id, pk, code, law, paragraph, subsection, title in (
                Offer.paragraphs.through.objects.filter(offer_id__in=ids)
                .order_by("legalparagraph__law", "legalparagraph__code")
                .values_list("offer_id", "legalparagraph_id", "legalparagraph__code", "legalparagraph__law",
                             "legalparagraph__paragraph", "legalparagraph__subsection", "legalparagraph__title")):
            paragraphs[offer_id].append(LegalParagraph(pk=pk, code=code, law=law, paragraph=paragraph,
                                                       subsection=subsection, title=title))
        for offer_id, pk, code, name in (
                Offer.target_groups.through.objects.filter(offer_id__in=ids).order_by("targetgroup__name")
                .values_list("offer_id", "targetgroup_id", "targetgroup__code", "targetgroup__name")):
            groups[offer_id].append(TargetGroup(pk=pk, code=code, name=name))
    return paragraphs, groups


def offer_groups_attach(offers: list[Offer]) -> list[Offer]:
    """A page of `offer_list` with each offer's legal paragraphs and target groups as `paragraph_list` and
    `target_group_list` (`offer_groups_of`)."""
    paragraphs, groups = offer_groups_of([offer.pk for offer in offers])
    for offer in offers:
        offer.paragraph_list, offer.target_group_list = paragraphs[offer.pk], groups[offer.pk]
    return offers


@dataclass
class OfferDetail:
    offer: Offer
    capacities: list[OfferCapacity]
    places_now: int | None
    categories: list[OfferCategory]
    services: list[Service]
    rules: RulesInForce | None  # the agreement whose rules govern the offer today (None: no agreement)
    internal_note: str | None
    can_manage: bool
    tariffs_by_service: dict[int, list] = field(default_factory=dict)
    status: str = OfferStatus.OPEN  # on the day
    closing_date: date | None = None
    operator_history: list[tuple[Organisation, date | None, date | None]] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return OfferStatus(self.status).label

    @property
    def agreement(self) -> Agreement | None:
        return self.rules.agreement if self.rules else None


def offer_detail(*, actor: Actor, offer_id: int, on: date) -> OfferDetail:
    _require_login(actor)
    offer = (
        Offer.objects.select_related("operator", "municipality", "municipality__region")
        .prefetch_related("paragraphs", "target_groups", Prefetch("services", Service.objects.prefetch_related("tariffs")))
        .filter(pk=offer_id)
        .first()
    )
    if offer is None:
        raise NotFound("Tilbuddet findes ikke.", message_en="Offer not found.")
    region_id = offer.municipality.region_id
    capacities = list(offer.capacities.order_by("valid_from"))
    current = [c for c in capacities if c.valid_from <= on]
    services = list(offer.services.all())
    return OfferDetail(
        offer=offer,
        capacities=capacities,
        places_now=current[-1].places if current else None,
        categories=list(offer.categories.order_by("-year")),
        services=services,
        rules=_rules_or_none(offer.municipality.region, on),
        internal_note=offer.internal_note if can_see_offer_internals(
            actor, operator_id=offer.operator_id, region_id=region_id) else None,
        can_manage=can_manage_offer(actor, operator_id=offer.operator_id, region_id=region_id),
        tariffs_by_service={s.pk: sorted(s.tariffs.all(), key=lambda t: -t.year) for s in services},
        status=offer_status_on(offer, on), closing_date=offer_closing_date(offer),
        operator_history=_operator_history(offer),
    )


def _operator_history(offer: Offer) -> list[tuple[Organisation, date | None, date | None]]:
    periods = operator_periods([offer.pk]).get(offer.pk, [])
    names = Organisation.objects.in_bulk([operator_id for operator_id, _, _ in periods])
    return [(names[operator_id], valid_from, valid_to) for operator_id, valid_from, valid_to in periods]


def _rules_or_none(region: Organisation, on: date) -> RulesInForce | None:
    try:
        return rules_in_force(region=region, on=on)
    except DomainError:
        return None


def agreement_list(*, actor: Actor) -> QuerySet[Agreement]:
    _require_login(actor)
    # Without the rulebooks' content (tens of KB of JSON each): `rulebook_of` loads it where a page needs the rules.
    return (Agreement.objects.select_related("region", "rulebook").defer("rulebook__content")
            .order_by("region__name", "-year_from"))


def agreement_get(*, actor: Actor, agreement_id: int) -> Agreement:
    _require_login(actor)
    agreement = (Agreement.objects.select_related("region", "rulebook").defer("rulebook__content")
                 .filter(pk=agreement_id).first())
    if agreement is None:
        raise NotFound("Rammeaftalen findes ikke.", message_en="Agreement not found.")
    return agreement


def organisation_list(*, actor: Actor, kind: str = "", region_id: int | None = None) -> QuerySet[Organisation]:
    """Parties are public master data (names, codes, CVR, EAN)."""
    _require_login(actor)
    organisations = Organisation.objects.select_related("region").order_by("name")
    if kind:
        organisations = organisations.filter(kind=kind)
    if region_id:
        organisations = organisations.filter(region_id=region_id)
    return organisations


def region_list(*, actor: Actor) -> QuerySet[Organisation]:
    return organisation_list(actor=actor, kind=OrganisationKind.REGION)


def offer_region_list(*, actor: Actor) -> QuerySet[Organisation]:
    """Regions with at least one offer in their municipalities: a filter of offers lists no region it would empty
    (issue 16). Every logged-in user reads every offer, so it is the same list for all."""
    return region_list(actor=actor).filter(Exists(Offer.objects.filter(municipality__region_id=OuterRef("pk"))))


def offer_municipality_list(*, actor: Actor) -> QuerySet[Organisation]:
    """Municipalities where at least one offer is located (a filter by the offer's municipality)."""
    return organisation_list(actor=actor, kind=OrganisationKind.MUNICIPALITY).filter(
        Exists(Offer.objects.filter(municipality_id=OuterRef("pk"))))


def operator_list(*, actor: Actor, region_id: int | None = None) -> QuerySet[Organisation]:
    """Organisations that run at least one offer."""
    # EXISTS, not a join with DISTINCT over every column: the national demo's 400 operators in 1 ms, not 80 ms;
    # only what a filter's option shows (the name as __str__ gives it), not 400 regions beside them.
    return organisation_list(actor=actor, region_id=region_id).filter(
        Exists(Offer.objects.filter(operator_id=OuterRef("pk")))).select_related(None).only("id", "kind", "name")


def population_of(*, organisation_id: int, year: int) -> int | None:
    """Inhabitants in a year, falling back to the newest earlier year on record."""
    record = (
        Population.objects.filter(organisation_id=organisation_id, year__lte=year).order_by("-year").first()
    )
    return record.inhabitants if record else None


def paragraph_list(*, actor: Actor) -> QuerySet[LegalParagraph]:
    _require_login(actor)
    return LegalParagraph.objects.order_by("id")  # the order of data/paragraphs.csv (§ 85 before § 101)


def target_group_list(*, actor: Actor) -> QuerySet[TargetGroup]:
    _require_login(actor)
    return TargetGroup.objects.order_by("name")


def region_resolve(text: str) -> Organisation:
    """A region by id, official code (1083) or name (syddanmark, Region Sjælland)."""
    value = (text or "").strip()
    key = value.lower().removeprefix("region ").strip()
    code = REGION_CODES.get(REGION_ALIASES.get(key, key), key)
    regions = Organisation.objects.filter(kind=OrganisationKind.REGION)
    region = regions.filter(code=code).first()
    if region is None and value.isdigit() and len(value) <= 18:
        region = regions.filter(pk=int(value)).first()
    if region is None and key:
        region = regions.filter(name__iexact=key).first()
    if region is None:
        raise DomainError(
            f"Ukendt region «{text}»: angiv regionens kode (fx 1083), navn (fx syddanmark) eller id.",
            field="region", code="unknown_region", message_en=f"unknown region {text!r}",
        )
    return region
