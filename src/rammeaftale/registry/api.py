"""REST endpoints for the registry: parties, regions, agreements with their rulebooks, offers, capacity and import."""
from datetime import date, datetime
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from rammeaftale import rulebooks
from rammeaftale.accounts.actor import actor_from_user
from rammeaftale.accounts.permissions import can_import_offers
from rammeaftale.api_contract import BodyInt, DictSchema, ErrorOut, Id, Pages, Rows, errors
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.money import ore_to_kr
from rammeaftale.parties.models import Organisation, OrganisationKind, Population
from rammeaftale.registry import importing, selectors, services
from rammeaftale.registry.models import Category, Offer, OfferType
from rammeaftale.registry.rules import rulebook_of

router = Router(tags=["Register"])


# --- schemas ------------------------------------------------------------------------------------------------------


class OrganisationRef(DictSchema):
    id: int
    kind: str
    name: str
    display_name: str = Field(description="Som på siderne, fx «Esbjerg Kommune» eller «Region Syddanmark».")

    @staticmethod
    def resolve_display_name(obj: Organisation) -> str:
        return str(obj)


class OrganisationOut(Schema):
    id: int
    kind: str
    kind_label: str
    code: str
    name: str
    display_name: str
    region_id: int | None
    region_name: str | None
    cvr: str
    ean: str
    population: int | None = Field(description="Indbyggere i det nyeste år til og med i år.")
    population_year: int | None


class RegionOut(Schema):
    id: int
    code: str
    name: str
    display_name: str
    population: int | None
    population_year: int | None
    municipalities: int = Field(description="Antal kommuner i regionen.")


class RulebookRef(Schema):
    id: int
    key: str
    version: int
    name: str
    sha256: str
    loaded_at: datetime


class AgreementOut(Schema):
    id: int
    name: str
    region: OrganisationRef
    year_from: int
    year_to: int
    is_demo: bool
    note: str
    rulebook: RulebookRef


class ParameterSourceOut(Schema):
    doc: str
    title: str
    kind: str
    section: str
    quote: str | None
    url: str | None
    file: str | None
    via: str | None
    via_title: str | None
    via_section: str | None


class RulebookParameterOut(Schema):
    path: str
    section_label_da: str
    label_da: str
    value: Any = Field(description="Værdien som i regelbogens JSON (decimaltal som tekst).")
    value_display: str
    source: ParameterSourceOut | None = Field(description="Kilden; mangler den, står begrundelsen i `assumed`.")
    assumed: str | None
    informational: bool = Field(description="Til orientering: vises, men ingen beregning eller kontrol bruger den.")


class AgreementDetailOut(AgreementOut):
    parameters: list[RulebookParameterOut]


class ParagraphOut(DictSchema):
    code: str
    label: str
    title: str


class TargetGroupOut(DictSchema):
    code: str
    name: str


class OfferOut(DictSchema):
    id: int
    name: str
    operator: OrganisationRef
    municipality: OrganisationRef
    region: OrganisationRef
    offer_type: str
    offer_type_label: str
    tilbudsportalen_id: str | None
    address: str
    postcode: str
    city: str
    is_short_stay: bool
    places_now: int | None = Field(description="Pladser i dag (nyeste kapacitet med gyldighed fra i dag eller før).")
    category: str | None = Field(description="Kategori i det filtrerede år (standard: i år).")
    category_label: str | None
    paragraphs: list[ParagraphOut]
    target_groups: list[TargetGroupOut]

    @staticmethod
    def resolve_region(obj: Offer) -> Organisation:
        return obj.municipality.region

    @staticmethod
    def resolve_offer_type_label(obj: Offer) -> str:
        return obj.get_offer_type_display()

    @staticmethod
    def resolve_category(obj: Offer) -> str | None:
        return obj.category_code

    @staticmethod
    def resolve_category_label(obj: Offer) -> str | None:
        return Category(obj.category_code).label if obj.category_code else None

    @staticmethod
    def resolve_paragraphs(obj: Offer) -> list[dict]:
        return _paragraphs(obj)

    @staticmethod
    def resolve_target_groups(obj: Offer) -> list[dict]:
        return _target_groups(obj)


class CapacityOut(Schema):
    id: int
    valid_from: date
    places: int
    note: str


class CategoryOut(Schema):
    year: int
    category: str
    category_label: str
    reason: str


class OfferTariffOut(Schema):
    id: int
    year: int
    amount_kr: str = Field(description="Takst pr. enhed i kroner med to decimaler, fx «2345.50».")
    amount_ore: int
    monthly_kr: str | None
    monthly_ore: int | None
    origin: str
    note: str


class ServiceOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    unit: str
    unit_label: str
    tariffs: list[OfferTariffOut] = Field(description="Nyeste år først.")


class AgreementRef(Schema):
    id: int
    name: str


class OfferDetailOut(Schema):
    id: int
    name: str
    operator: OrganisationRef
    municipality: OrganisationRef
    region: OrganisationRef
    offer_type: str
    offer_type_label: str
    tilbudsportalen_id: str | None
    address: str
    postcode: str
    city: str
    is_short_stay: bool
    description: str
    internal_note: str | None = Field(description="Kun for driftsherrens egne brugere og regionens sekretariat.")
    can_manage: bool
    places_now: int | None
    agreement: AgreementRef | None
    paragraphs: list[ParagraphOut]
    target_groups: list[TargetGroupOut]
    capacities: list[CapacityOut]
    categories: list[CategoryOut]
    services: list[ServiceOut]


class CapacityIn(Schema):
    valid_from: date
    places: BodyInt = Field(description="Antal pladser fra datoen; må ikke være negativt.")
    note: str = Field("", max_length=200)


class OfferFiltersIn(Schema):
    region: Id | None = Field(None, description="Regionens id (tilbud beliggende i regionen).")
    operator: Id | None = Field(None, description="Driftsherrens id.")
    paragraph: str = Field("", description="Lovparagrafens kode, fx «sel-108».")
    target_group: str = Field("", description="Målgruppens kode, fx «autisme».")
    category: str = Field("", description="Kategori i året: " + ", ".join(Category.values) + ".")
    offer_type: str = Field("", description="Tilbudstype: residential, day, outpatient eller education.")
    q: str = Field("", max_length=200, description="Fritekst: navn, driftsherre, by, adresse, Tilbudsportalen-id.")
    year: int | None = Field(None, ge=2000, le=2100, description="År for kategorien (standard: i år).")


class ImportDoneOut(Schema):
    filename: str
    sha256: str
    rows: int
    created: int
    updated: int
    unchanged: int
    operators_created: int
    dry_run: bool
    message: str


class ImportErrorOut(Schema):
    row: int = Field(description="Rækken i filen: 1 er overskriftsrækken, 0 filen som helhed.")
    column: str = Field(description="Kolonnens navn; tom når fejlen gælder hele rækken eller filen.")
    message: str


class ImportFailedOut(ErrorOut):
    errors: list[ImportErrorOut] = Field(
        default_factory=list,
        description="Hver fejl i filen; tom når fejlen gælder forespørgslen (fx en for stor fil).")


# --- helpers --------------------------------------------------------------------------------------------------------


def _population_annotated(organisations: QuerySet[Organisation], *, year: int) -> QuerySet[Organisation]:
    """Population of the newest year up to `year`, for every row in the same query (not one query per row).

    The same rule as `selectors.population_of`; it belongs beside it in registry/selectors.py.
    """
    newest = Population.objects.filter(organisation=OuterRef("pk"), year__lte=year).order_by("-year")
    return organisations.annotate(
        population=Subquery(newest.values("inhabitants")[:1]),
        population_year=Subquery(newest.values("year")[:1]),
    )


def _organisation_out(org: Organisation) -> dict:
    return {
        "id": org.pk, "kind": org.kind, "kind_label": org.get_kind_display(), "code": org.code, "name": org.name,
        "display_name": str(org), "region_id": org.region_id,
        "region_name": org.region.name if org.region_id else None, "cvr": org.cvr, "ean": org.ean,
        "population": org.population, "population_year": org.population_year,
    }


def organisation_ref(organisation: Organisation) -> dict:
    """`OrganisationRef` as a dict (a list's rows: `api_contract.DictSchema`)."""
    return {"id": organisation.pk, "kind": organisation.kind, "name": organisation.name,
            "display_name": str(organisation)}


# The list's rows are read as values, never as offers (100 offers with their operators, municipalities and regions
# were 400 model objects of every column): `OfferOut` as a dict, as the resolvers above give it.
_OFFER_FIELDS = ("id", "name", "offer_type", "tilbudsportalen_id", "address", "postcode", "city", "is_short_stay",
                 "places_now")
_REF_FIELDS = ("id", "kind", "name")
_OFFER_RELATIONS = {"operator": "operator", "municipality": "municipality", "region": "municipality__region"}
_OFFER_VALUES = (*_OFFER_FIELDS, "category_code", *(f"{relation}__{name}" for relation in _OFFER_RELATIONS.values()
                                                    for name in _REF_FIELDS))
_OFFER_TYPE_LABELS = {value: str(label) for value, label in OfferType.choices}


def _offer_row(row: dict, paragraphs: list, target_groups: list) -> dict:
    offer = {name: row[name] for name in _OFFER_FIELDS}
    offer.update({
        field: organisation_ref(Organisation(**{name: row[f"{relation}__{name}"] for name in _REF_FIELDS}))
        for field, relation in _OFFER_RELATIONS.items()})
    offer.update({
        "offer_type_label": _OFFER_TYPE_LABELS.get(row["offer_type"], row["offer_type"]),
        "category": row["category_code"],
        "category_label": Category(row["category_code"]).label if row["category_code"] else None,
        "paragraphs": [{"code": p.code, "label": p.label, "title": p.title} for p in paragraphs],
        "target_groups": [{"code": t.code, "name": t.name} for t in target_groups],
    })
    return offer


def _offers_page(offers, page: slice) -> list[dict]:
    """A page of the list as `OfferOut` dicts: the offers' values with their operators, municipalities and regions
    in one query, their paragraphs and target groups in one each (`selectors.offer_groups_of`)."""
    rows = list(offers.values(*_OFFER_VALUES)[page])
    paragraphs, groups = selectors.offer_groups_of([row["id"] for row in rows])
    return [_offer_row(row, paragraphs[row["id"]], groups[row["id"]]) for row in rows]


def _paragraphs(offer: Offer) -> list[dict]:
    return [{"code": p.code, "label": p.label, "title": p.title} for p in offer.paragraphs.all()]


def _target_groups(offer: Offer) -> list[dict]:
    return [{"code": t.code, "name": t.name} for t in offer.target_groups.all()]


def _money(amount_ore: int | None) -> str | None:
    return None if amount_ore is None else str(ore_to_kr(amount_ore))


# --- endpoints ------------------------------------------------------------------------------------------------------


@router.get("/organisations", response={200: list[OrganisationOut], **errors(422)},
            summary="Parter: kommuner, regioner, driftsherrer, sekretariater")
def organisation_list(request, kind: str = "", region: Id | None = None):
    """Offentlige stamdata. `kind`: municipality, region, private_operator eller secretariat;
    `region`: regionens id."""
    organisations = selectors.organisation_list(actor=actor_from_user(request.auth), kind=kind, region_id=region)
    return [_organisation_out(org) for org in _population_annotated(organisations, year=clock.today().year)]


@router.get("/regions", response={200: list[RegionOut], **errors()},
            summary="Regioner med befolkningstal og antal kommuner")
def region_list(request):
    regions = _population_annotated(
        selectors.region_list(actor=actor_from_user(request.auth)), year=clock.today().year
    ).annotate(municipalities=Count("members", filter=Q(members__kind=OrganisationKind.MUNICIPALITY)))
    return [
        {"id": r.pk, "code": r.code, "name": r.name, "display_name": str(r), "population": r.population,
         "population_year": r.population_year, "municipalities": r.municipalities}
        for r in regions
    ]


@router.get("/agreements", response={200: list[AgreementOut], **errors()}, summary="Rammeaftaler")
def agreement_list(request):
    return selectors.agreement_list(actor=actor_from_user(request.auth))


@router.get("/agreements/{int:agreement_id}", response={200: AgreementDetailOut, **errors(404, 422)},
            summary="Rammeaftale med regelbogens parametre")
def agreement_detail(request, agreement_id: Id):
    agreement = selectors.agreement_get(actor=actor_from_user(request.auth), agreement_id=agreement_id)
    parameters = rulebooks.rulebook_parameters(rulebook_of(agreement.rulebook))
    return {
        "id": agreement.pk, "name": agreement.name, "region": agreement.region, "year_from": agreement.year_from,
        "year_to": agreement.year_to, "is_demo": agreement.is_demo, "note": agreement.note,
        "rulebook": agreement.rulebook, "parameters": parameters,
    }


@router.get("/offers", response={200: list[OfferOut], **errors(422)}, summary="Tilbud (filtre som på siden, sidevis)")
@paginate(Pages)
def offer_list(request, filters: Query[OfferFiltersIn]):
    return Rows(selectors.offer_list(
        actor=actor_from_user(request.auth), on=clock.today(),
        filters=selectors.OfferFilters(
            region_id=filters.region, operator_id=filters.operator, paragraph=filters.paragraph,
            target_group=filters.target_group, category=filters.category, offer_type=filters.offer_type,
            text=filters.q.strip(), year=filters.year,
        ),
    ), dict, _offers_page)


@router.get("/offers/{int:offer_id}", response={200: OfferDetailOut, **errors(404, 422)},
            summary="Et tilbud med kapacitet, kategorier, ydelser og takster")
def offer_detail(request, offer_id: Id):
    detail = selectors.offer_detail(actor=actor_from_user(request.auth), offer_id=offer_id, on=clock.today())
    offer = detail.offer
    return {
        "id": offer.pk, "name": offer.name, "operator": offer.operator, "municipality": offer.municipality,
        "region": offer.municipality.region, "offer_type": offer.offer_type,
        "offer_type_label": offer.get_offer_type_display(), "tilbudsportalen_id": offer.tilbudsportalen_id,
        "address": offer.address, "postcode": offer.postcode, "city": offer.city,
        "is_short_stay": offer.is_short_stay, "description": offer.description,
        "internal_note": detail.internal_note, "can_manage": detail.can_manage, "places_now": detail.places_now,
        "agreement": detail.agreement,
        "paragraphs": _paragraphs(offer), "target_groups": _target_groups(offer),
        "capacities": detail.capacities,
        "categories": [
            {"year": c.year, "category": c.category, "category_label": c.get_category_display(), "reason": c.reason}
            for c in detail.categories
        ],
        "services": [
            {
                "id": s.pk, "name": s.name, "kind": s.kind, "kind_label": s.get_kind_display(), "unit": s.unit,
                "unit_label": s.get_unit_display(),
                "tariffs": [
                    {"id": t.pk, "year": t.year, "amount_kr": _money(t.amount_ore), "amount_ore": t.amount_ore,
                     "monthly_kr": _money(t.monthly_ore), "monthly_ore": t.monthly_ore, "origin": t.origin,
                     "note": t.note}
                    for t in detail.tariffs_by_service.get(s.pk, [])
                ],
            }
            for s in detail.services
        ],
    }


@router.post("/offers/{int:offer_id}/capacity", response={200: CapacityOut, **errors(400, 403, 404, 422)},
             summary="Sæt et tilbuds kapacitet fra en dato")
def offer_capacity_set(request, offer_id: Id, payload: CapacityIn):
    """Driftsherrens egne brugere (og regionens sekretariat). Findes en kapacitet for datoen, rettes den."""
    actor = actor_from_user(request.auth)
    offer = selectors.offer_detail(actor=actor, offer_id=offer_id, on=clock.today()).offer
    return services.offer_capacity_set(
        actor=actor, offer=offer, valid_from=payload.valid_from, places=payload.places, note=payload.note
    )


@router.post("/offers/import", response={200: ImportDoneOut, **errors(403, 422), 400: ImportFailedOut},
             summary="Indlæs tilbud fra CSV eller XLSX (alt eller intet)")
def offer_import(request, file: File[UploadedFile], dry_run: bool = False):
    """Samme fil som på importsiden. Ved fejl gemmes intet, og svaret lister række, kolonne og besked.
    Med `dry_run=true` kontrolleres filen og svaret siger, hvad den ville give, uden at gemme."""
    actor = actor_from_user(request.auth)
    if not can_import_offers(actor):
        raise NotAllowed("Du har ikke adgang til at indlæse tilbud.", message_en="Offer import not allowed.")
    if file.size > importing.MAX_BYTES:
        raise DomainError(
            f"Filen er for stor ({file.size} byte); højst {importing.MAX_BYTES // (1024 * 1024)} MB.", field="file",
            message_en="File too large.",
        )
    result = importing.offers_import(actor=actor, filename=file.name, content=file.read(), dry_run=dry_run)
    if not result.ok:
        return Status(400, {
            "code": "import_failed", "field": "file", "message": result.summary_da(),
            "detail": "Nothing was saved; see errors (row 1 is the header, row 0 the file as a whole).",
            "errors": [error.as_dict() for error in result.errors],
        })
    return Status(200, {
        "filename": result.filename, "sha256": result.sha256, "rows": result.rows, "created": result.created,
        "updated": result.updated, "unchanged": result.unchanged, "operators_created": result.operators_created,
        "dry_run": result.dry_run, "message": result.summary_da(),
    })
