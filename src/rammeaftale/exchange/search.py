"""Searching the vacancies (`/ledige-pladser/`): the offers that match a need, nearest and confirmed first.

The offers' own facts (paragraph, target group, type, ages, place, category, operator) are filtered in the database,
which also orders them: first the offers whose operator has confirmed free places from the date asked (trusted: the
rulebook's `exchange.confirmation_valid_days`), then by distance from the searching municipality (the same
municipality, a neighbour in the region, the region, other regions), then by name. Free places are the occupancy
engine's count (`placements.selectors.free_places_of`): the fewest free places in the first `FREE_FOR_DAYS` days from
the date. They and the basis tariff of the date (the tariff timeline) are read for the offers in that order, a batch at
a time, until the page asked for is full: a search that shows 25 offers reads the free places of about 25, not of
every offer in the country. The total is the number of offers matching the database's filters; how many of them
have free places is counted only when all are read (the XLSX export, the API's `all`).
"""
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, IntegerField, Q, Value, When

from rammeaftale.accounts.actor import Actor
from rammeaftale.bulk import id_lists
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.engine.occupancy import Span
from rammeaftale.exchange.models import VacancyConfirmation
from rammeaftale.exchange.selectors import Confirmation, vacancy_confirmations
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements.selectors import free_places_of
from rammeaftale.registry.models import (
    AGE_MAX,
    Category,
    Offer,
    OfferCategory,
    OfferType,
    Service,
    ServiceKind,
    ServiceUnit,
)
from rammeaftale.registry.neighbours import neighbour_codes
from rammeaftale.registry.rules import rules_in_force_by_region
from rammeaftale.tariffs.timeline import TariffSpan, tariffs_on

FREE_FOR_DAYS = 30  # a place counts as free when it is free on every day of the first 30 from the date (assumed)
PAGE_SIZE = 25
EXPORT_MAX = 5000  # the XLSX export's rows at most (the whole country has about 7,000 offers)
DAYS_PER_YEAR = Decimal(365)

OPERATOR_KINDS = {
    "kommunal": (OrganisationKind.MUNICIPALITY, "Kommunal"),
    "regional": (OrganisationKind.REGION, "Regional"),
    "privat": (OrganisationKind.PRIVATE_OPERATOR, "Privat"),
}
KIND_LABELS = {kind: label for kind, label in OPERATOR_KINDS.values()}
DISTANCES = ("Samme kommune", "Nabokommune i regionen", "I regionen", "Andre regioner")
PUBLIC_KINDS = ("kommunal", "regional")


@dataclass(frozen=True)
class VacancySearch:
    """What a caseworker looks for. Empty fields do not filter; ages are the citizen's (offers whose age range
    overlaps them); the tariff range is in kroner a day (a monthly tariff counts as 12/365 of it a day; offers
    priced by the hour fall outside a range)."""

    paragraph: str = ""  # LegalParagraph.code
    target_group: str = ""  # TargetGroup.code
    offer_type: str = ""
    age_from: int | None = None
    age_to: int | None = None
    region_id: int | None = None
    municipality_id: int | None = None
    category: str = ""
    operator_kinds: tuple[str, ...] = ()  # keys of OPERATOR_KINDS
    tariff_min_kr: int | None = None
    tariff_max_kr: int | None = None
    free_from: date | None = None  # None: today
    need: int = 1  # places wanted
    only_free: bool = True
    exclude_offer_id: int | None = None  # e.g. the private offer a purchase is about


@dataclass(frozen=True)
class ShownTariff:
    service_id: int
    service_name: str
    unit: str  # ServiceUnit
    amount_ore: int
    tariff_id: int | None  # the year's tariff: its page shows the breakdown
    provisional: bool

    @property
    def unit_label(self) -> str:
        return ServiceUnit(self.unit).label


@dataclass(frozen=True)
class VacancyHit:
    offer_id: int
    name: str
    offer_type: str
    operator_name: str
    operator_kind: str  # OrganisationKind
    municipality: str
    region: str
    city: str
    age_from: int | None
    age_to: int | None
    category: str
    distance: int  # index into DISTANCES
    places: int  # on the date
    free: int  # the fewest free places in the FREE_FOR_DAYS days from the date
    confirmation: Confirmation | None
    tariff: ShownTariff | None

    @property
    def distance_label(self) -> str:
        return DISTANCES[self.distance]

    @property
    def operator_kind_label(self) -> str:
        return KIND_LABELS.get(self.operator_kind, "")

    @property
    def offer_type_label(self) -> str:
        return OfferType(self.offer_type).label if self.offer_type in OfferType.values else self.offer_type

    @property
    def category_label(self) -> str:
        return Category(self.category).label if self.category in Category.values else ""

    @property
    def confirmed_free(self) -> bool:
        return self.confirmation is not None and self.confirmation.trusted and self.confirmation.places > 0


@dataclass
class VacancyResults:
    search: VacancySearch
    free_from: date
    matching: int  # offers matching the database's filters
    hits: list[VacancyHit] = field(default_factory=list)  # the page asked for
    more: bool = False  # more hits after these
    read: int = 0  # offers whose free places were read


def search_check(search: VacancySearch, *, today: date) -> None:
    """A search that cannot be answered: a clear Danish message naming the field, nothing searched."""
    for name, age in (("age_from", search.age_from), ("age_to", search.age_to)):
        if age is not None and not 0 <= age <= AGE_MAX:
            raise DomainError(f"Alderen skal være mellem 0 og {AGE_MAX} år (fik {age}).", field=name,
                              message_en=f"{name} must be between 0 and {AGE_MAX}")
    if search.age_from is not None and search.age_to is not None and search.age_from > search.age_to:
        raise DomainError(f"Aldersintervallet er umuligt: «alder fra» ({search.age_from}) er større end «alder til» "
                          f"({search.age_to}).", field="age_to", code="impossible_age_range",
                          message_en="age_from is greater than age_to")
    if search.free_from is not None and search.free_from < today:
        raise DomainError(f"«Ledig fra» ({search.free_from:%d.%m.%Y}) ligger før i dag ({today:%d.%m.%Y}); der "
                          "søges ledige pladser fra i dag og frem.", field="free_from", code="date_in_past",
                          message_en="free_from is before today")
    for name, amount in (("tariff_min_kr", search.tariff_min_kr), ("tariff_max_kr", search.tariff_max_kr)):
        if amount is not None and amount < 0:
            raise DomainError(f"Taksten kan ikke være negativ ({amount} kr.).", field=name,
                              message_en=f"{name} must not be negative")
    if (search.tariff_min_kr is not None and search.tariff_max_kr is not None
            and search.tariff_min_kr > search.tariff_max_kr):
        raise DomainError(f"Taksten «fra» ({search.tariff_min_kr} kr.) er større end «til» ({search.tariff_max_kr} "
                          "kr.).", field="tariff_max_kr", message_en="tariff_min_kr is greater than tariff_max_kr")
    if not 1 <= search.need <= 50:
        raise DomainError("Antal pladser skal være mellem 1 og 50.", field="need", message_en="need out of range")
    unknown = [kind for kind in search.operator_kinds if kind not in OPERATOR_KINDS]
    if unknown:
        raise DomainError(f"Ukendt driftsform: {', '.join(unknown)}.", field="operator_kinds",
                          message_en="unknown operator kind")


@dataclass(frozen=True)
class _Origin:
    """Where the search is made from: the searching user's municipality and its neighbours, and its region."""

    municipality_id: int | None
    neighbour_ids: tuple[int, ...]
    region_id: int | None


def _origin(actor: Actor) -> _Origin:
    if actor.organisation_kind != OrganisationKind.MUNICIPALITY or actor.organisation_id is None:
        return _Origin(None, (), actor.region_id)
    code = Organisation.objects.filter(pk=actor.organisation_id).values_list("code", flat=True).first() or ""
    neighbours = tuple(Organisation.objects.filter(
        kind=OrganisationKind.MUNICIPALITY, region_id=actor.region_id,
        code__in=sorted(neighbour_codes().get(code, ()))).values_list("pk", flat=True))
    return _Origin(actor.organisation_id, neighbours, actor.region_id)


def _trusted_since(day: date) -> dict[int, date]:
    """By region: the oldest confirmation day still trusted on `day` (the rules of the region in force then)."""
    return {region_id: day - timedelta(days=rules.rulebook.exchange.confirmation_valid_days.value - 1)
            for region_id, rules in rules_in_force_by_region(on=day).items()}


def _confirmed_free_ids(*, free_from: date, today: date) -> set[int]:
    """The offers whose newest confirmation is trusted today and says places are free by `free_from`."""
    since = _trusted_since(today)
    if not since:
        return set()
    newest: dict[int, tuple[int, date]] = {}
    recent = (VacancyConfirmation.objects.filter(confirmed_on__gte=min(since.values()), confirmed_on__lte=today)
              .order_by("offer_id", "-confirmed_on", "-id")
              .values_list("offer_id", "places", "free_from", "confirmed_on", "offer__municipality__region_id"))
    result = set()
    for offer_id, places, free_day, confirmed_on, region_id in recent:
        if offer_id in newest:
            continue
        newest[offer_id] = (places, free_day)
        if places > 0 and free_day <= free_from and region_id in since and confirmed_on >= since[region_id]:
            result.add(offer_id)
    # A newer confirmation outside the window (none: the window ends today) cannot hide an older one inside it.
    return result


def _candidates(search: VacancySearch, *, origin: _Origin, confirmed_ids: set[int], year: int) -> list[int]:
    """The ids of the offers matching the database's filters, in the result's order."""
    offers = Offer.objects.all()
    if search.paragraph:
        offers = offers.filter(paragraphs__code=search.paragraph)
    if search.target_group:
        offers = offers.filter(target_groups__code=search.target_group)
    if search.offer_type:
        offers = offers.filter(offer_type=search.offer_type)
    if search.age_to is not None:
        offers = offers.filter(Q(age_from__isnull=True) | Q(age_from__lte=search.age_to))
    if search.age_from is not None:
        offers = offers.filter(Q(age_to__isnull=True) | Q(age_to__gte=search.age_from))
    if search.region_id:
        offers = offers.filter(municipality__region_id=search.region_id)
    if search.municipality_id:
        offers = offers.filter(municipality_id=search.municipality_id)
    if search.category:
        offers = offers.filter(pk__in=OfferCategory.objects.filter(year=year, category=search.category)
                               .values("offer_id"))
    if search.operator_kinds:
        offers = offers.filter(operator__kind__in=[OPERATOR_KINDS[kind][0] for kind in search.operator_kinds])
    if search.exclude_offer_id:
        offers = offers.exclude(pk=search.exclude_offer_id)
    distance = [When(municipality_id=origin.municipality_id, then=Value(0))] if origin.municipality_id else []
    if origin.neighbour_ids:
        distance.append(When(municipality_id__in=origin.neighbour_ids, then=Value(1)))
    if origin.region_id:
        distance.append(When(municipality__region_id=origin.region_id, then=Value(2)))
    order = ["distance", "name", "id"]
    offers = offers.annotate(distance=Case(*distance, default=Value(3), output_field=IntegerField()))
    if confirmed_ids:  # (a Case of constants alone would be ordered by as a column number: ORDER BY 1)
        offers = offers.annotate(confirmed_rank=Case(When(pk__in=sorted(confirmed_ids), then=Value(0)),
                                                     default=Value(1), output_field=IntegerField()))
        order.insert(0, "confirmed_rank")
    return list(offers.order_by(*order).values_list("pk", flat=True))


def _basis_tariffs(offer_ids: list[int], day: date) -> dict[int, ShownTariff]:
    """Each offer's basis service and its tariff on the day (the lowest, where an offer has several)."""
    services: dict[int, list[tuple[int, str, str]]] = {}
    for ids in id_lists(offer_ids):
        for service_id, offer_id, name, unit in (Service.objects.filter(offer_id__in=ids, kind=ServiceKind.BASIS)
                                                 .order_by("offer_id", "pk")
                                                 .values_list("pk", "offer_id", "name", "unit")):
            services.setdefault(offer_id, []).append((service_id, name, unit))
    spans: dict[int, TariffSpan] = tariffs_on(
        service_ids=[sid for rows in services.values() for sid, _, _ in rows], day=day)
    result = {}
    for offer_id, rows in services.items():
        shown = [ShownTariff(sid, name, unit, spans[sid].amount_ore, spans[sid].tariff_id, spans[sid].provisional)
                 for sid, name, unit in rows if sid in spans]
        if shown:
            result[offer_id] = min(shown, key=lambda tariff: (_per_day_ore(tariff) is None, _per_day_ore(tariff) or 0))
    return result


def _per_day_ore(tariff: ShownTariff | None) -> Decimal | None:
    if tariff is None:
        return None
    if tariff.unit == ServiceUnit.DAY:
        return Decimal(tariff.amount_ore)
    if tariff.unit == ServiceUnit.MONTH:
        return Decimal(tariff.amount_ore) * 12 / DAYS_PER_YEAR
    return None


def _in_tariff_range(search: VacancySearch, tariff: ShownTariff | None) -> bool:
    if search.tariff_min_kr is None and search.tariff_max_kr is None:
        return True
    per_day = _per_day_ore(tariff)
    if per_day is None:
        return False
    kroner = (per_day / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return ((search.tariff_min_kr is None or kroner >= search.tariff_min_kr)
            and (search.tariff_max_kr is None or kroner <= search.tariff_max_kr))


def _batches(ids: list[int], first: int) -> Iterator[list[int]]:
    """The ids in growing batches: a first page rarely needs more than the first one."""
    start, size = 0, first
    while start < len(ids):
        yield ids[start:start + size]
        start += size
        size = min(size * 4, 2000)


def _details(offer_ids: list[int], year: int) -> dict[int, dict]:
    rows = {}
    for ids in id_lists(offer_ids):
        for row in Offer.objects.filter(pk__in=ids).values(
                "pk", "name", "offer_type", "city", "age_from", "age_to", "operator__name", "operator__kind",
                "municipality_id", "municipality__name", "municipality__region_id", "municipality__region__name"):
            rows[row["pk"]] = row
        for offer_id, category in OfferCategory.objects.filter(offer_id__in=ids, year=year).values_list(
                "offer_id", "category"):
            rows[offer_id]["category"] = category
    return rows


def _hit(row: dict, *, distance: int, free, confirmation, tariff) -> VacancyHit:
    kind = row["operator__kind"]
    operator = row["operator__name"]
    if kind == OrganisationKind.MUNICIPALITY:
        operator = f"{operator} Kommune"
    elif kind == OrganisationKind.REGION:
        operator = f"Region {operator}"
    return VacancyHit(
        offer_id=row["pk"], name=row["name"], offer_type=row["offer_type"], operator_name=operator,
        operator_kind=kind, municipality=row["municipality__name"], region=row["municipality__region__name"],
        city=row["city"], age_from=row["age_from"], age_to=row["age_to"], category=row.get("category", ""),
        distance=distance, places=free.places, free=free.free, confirmation=confirmation, tariff=tariff)


def vacancy_search(*, actor: Actor, search: VacancySearch, today: date, offset: int = 0,
                   limit: int | None = PAGE_SIZE) -> VacancyResults:
    """The offers matching `search` from `offset`, at most `limit` of them (None: all, up to EXPORT_MAX), in the
    order above. Public facts about offers: every logged-in user may search."""
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.", message_en="Authentication required.")
    search_check(search, today=today)
    free_from = search.free_from or today
    origin = _origin(actor)
    confirmed_ids = _confirmed_free_ids(free_from=free_from, today=today)
    ids = _candidates(search, origin=origin, confirmed_ids=confirmed_ids, year=free_from.year)
    results = VacancyResults(search=search, free_from=free_from, matching=len(ids))
    wanted = offset + (EXPORT_MAX if limit is None else limit)
    kept: list[tuple[int, object, ShownTariff | None]] = []
    for batch in _batches(ids, first=max(2 * (offset + (limit or PAGE_SIZE)), 50)):
        results.read += len(batch)
        free = free_places_of([Span(offer_id, free_from, free_from + timedelta(days=FREE_FOR_DAYS))
                               for offer_id in batch], need=search.need)
        tariffs = _basis_tariffs(batch, free_from)
        for offer_id, places in zip(batch, free, strict=True):
            tariff = tariffs.get(offer_id)
            if search.only_free and places.free < search.need and offer_id not in confirmed_ids:
                continue
            if not _in_tariff_range(search, tariff):
                continue
            kept.append((offer_id, places, tariff))
            if len(kept) > wanted:
                break
        if len(kept) > wanted:
            break
    results.more = len(kept) > wanted
    page = kept[offset:wanted]
    rows = _details([offer_id for offer_id, _, _ in page], free_from.year)
    confirmations = vacancy_confirmations(offer_ids=[offer_id for offer_id, _, _ in page], today=today)
    results.hits = [_hit(rows[offer_id], distance=_distance(origin, rows[offer_id]), free=places,
                         confirmation=confirmations.get(offer_id), tariff=tariff)
                    for offer_id, places, tariff in page]
    return results



def _distance(origin: _Origin, row: dict) -> int:
    """The offer's distance class (DISTANCES), as the database ordered them."""
    if origin.municipality_id and row["municipality_id"] == origin.municipality_id:
        return 0
    if row["municipality_id"] in origin.neighbour_ids:
        return 1
    if origin.region_id and row["municipality__region_id"] == origin.region_id:
        return 2
    return 3
