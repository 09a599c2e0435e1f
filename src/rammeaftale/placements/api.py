"""REST endpoints for placements: the scoped list and detail (masked CPR), buying a place, its actions, the logged
read of the full CPR number, and the standard contract as PDF. The same selectors and services as the pages."""
from datetime import date, datetime

from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from rammeaftale.accounts.actor import Actor, actor_from_user
from rammeaftale.accounts.permissions import can_list_placements
from rammeaftale.api_contract import BodyId, BodyInt, DictSchema, Id, Pages, Rows, binary, errors
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.money import ore_to_kr
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements import contract, selectors, services
from rammeaftale.placements.api_consent import router as consent_router
from rammeaftale.placements.models import (
    Custody,
    Placement,
    PlacementStatus,
    contract_variant_of,
    holds_until_of,
)
from rammeaftale.registry import selectors as registry_selectors
from rammeaftale.registry.api import OrganisationRef, organisation_ref

router = Router(tags=["Placeringer"])
router.add_router("", consent_router)  # the payer's consent: placements/api_consent.py

# Every action on a placement: a rule broken (400), not allowed or no CSRF (403), no such placement (404).
ACTION_ERRORS = errors(400, 403, 404, 422)


# --- schemas ------------------------------------------------------------------------------------------------------


class OfferRef(DictSchema):
    id: int
    name: str
    offer_type: str
    operator: OrganisationRef


class PlacementServiceOut(DictSchema):
    id: int = Field(description="Den købte ydelses id (bruges ved registrering af timer).")
    service_id: int
    name: str
    kind: str
    unit: str
    valid_from: date
    valid_to: date | None


class PlacementOut(DictSchema):
    id: int
    reference: str
    status: str
    status_label: str
    offer: OfferRef
    acting_municipality: OrganisationRef
    paying_municipality: OrganisationRef
    citizen_name: str
    cpr_masked: str = Field(description="Fødselsdato og ****; det fulde nummer kun via POST …/cpr med begrundelse.")
    birth_date: date
    citizen_address: str
    custody: str
    custody_label: str
    contact_name: str
    contact_phone: str
    contact_email: str
    start_date: date
    planned_end: date | None = Field(description="Første dag uden plads.")
    reserved_until: date | None = Field(description=(
        "Holdedatoen: en reservation, der ikke er aktiveret (indflytning) senest denne dag, frigives."))
    notice_given_on: date | None
    notice_end: date | None = Field(description="Første dag uden betaling efter opsigelsen.")
    moved_out_on: date | None
    end_date: date | None
    holds_until: date | None = Field(description="Første dag, pladsen er ledig igen (null: løbende).")
    covered_by_agreement: bool
    agreement_coverage_note: str = Field(description="Hvorfor købet ikke er omfattet af styringsaftalen (tom: omfattet).")
    contract_variant: str = Field(description="Standardkontraktens skabelon: «Rammeaftale» eller «Ikke Rammeaftale».")
    payment_agreement: str = Field(description="Køb uden for styringsaftalen: den individuelle betalingsaftale.")
    payment_agreement_follows_tariff_principles: bool | None
    over_occupancy_reason: str
    cancelled_reason: str
    payer_consent: str = Field(description=(
        "Betalingskommunens accept: not_needed (handlekommunen betaler), pending (en anmodning; holder ingen plads og "
        "afregnes ikke), accepted eller declined (købet er annulleret; se payer_consent_note)."))
    payer_justification: str = Field(description="Handlekommunens begrundelse til betalingskommunen.")
    payer_consent_at: datetime | None
    payer_consent_note: str = Field(description="Betalingskommunens bemærkning eller begrundelse for afvisning.")
    services: list[PlacementServiceOut]
    created_at: datetime

    @staticmethod
    def resolve_status_label(obj: Placement) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_custody_label(obj: Placement) -> str:
        return obj.get_custody_display()

    @staticmethod
    def resolve_services(obj: Placement) -> list[dict]:
        return [
            {"id": ps.pk, "service_id": ps.service_id, "name": ps.service.name, "kind": ps.service.kind,
             "unit": ps.service.unit, "valid_from": ps.valid_from, "valid_to": ps.valid_to}
            for ps in obj.services.all()
        ]


class PlacementTariffOut(Schema):
    service_id: int
    year: int
    valid_from: date = Field(description="Taksten gælder fra denne dag (1. januar eller en ændring i årets løb).")
    amount_kr: str
    amount_ore: int
    monthly_kr: str | None
    monthly_ore: int | None
    provisional: bool = Field(description="Foreløbig takst (sidste års takst × P/L), indtil den godkendte kommer.")


class TermOut(Schema):
    path: str
    label: str
    value: str
    source: str | None = Field(description="Dokument og afsnit i regelbogens kilder.")
    assumed: str | None = Field(description="Hvorfor værdien er antaget, når kilderne ikke siger det.")


class PlacementDetailOut(PlacementOut):
    charged_until: date | None = Field(description="Første dag uden betaling efter regelbogen (null: løbende).")
    notice_rule: str | None = Field(description="Fx «løbende måned + 3 måneder» for tilbuddets type.")
    full_tariff_during_notice: bool | None
    rules_warning: str | None = Field(description="Sagt, når reglerne bruges ud over deres rammeaftales år.")
    early_end_agreement: str = Field(description="Driftsherrens accept af en slutdato før opsigelsesvarslet.")
    terms: list[TermOut] = Field(description="Regelbogens opsigelses- og betalingsvilkår med kilde eller antagelse.")
    tariffs: list[PlacementTariffOut] = Field(
        description="Takster for de købte ydelser i dag (startdagen, hvis den er senere).")
    actions: list[str] = Field(description="Handlinger, brugeren kan udføre nu.")
    may_read_full_cpr: bool


class PlacementFiltersIn(Schema):
    status: str = Field("", description="requested, reserved, active, notice_given, ended eller cancelled.")
    side: str = Field("", description="bought (som handle- eller betalingskommune) eller sold (som driftsherre).")
    offer: Id | None = None
    q: str = Field("", max_length=100, description="Placeringsnummer, borgerens navn eller tilbud.")


class PlacementIn(Schema):
    offer_id: BodyId
    paying_municipality_id: BodyId | None = Field(None, description="Standard: brugerens egen kommune.")
    citizen_name: str = Field(max_length=200)
    cpr: str = Field(max_length=20, description="10 cifre, evt. med bindestreg.")
    citizen_address: str = Field("", max_length=300)
    custody: str = Field("", description="mother, father, joint, pending, other; tom for voksne.")
    start_date: date
    planned_end: date | None = Field(None, description="Første dag uden plads.")
    contact_name: str = Field("", max_length=200)
    contact_phone: str = Field("", max_length=30)
    contact_email: str = Field("", max_length=254)
    service_ids: list[BodyId] = Field(default_factory=list, description="Tom: tilbuddets basisydelser.")
    payment_agreement: str = Field("", max_length=2000, description=(
        "Kun ved køb uden for styringsaftalen (privat tilbud, betalingskommune uden for tilbuddets region): aftalen "
        "eller dens reference; påkrævet, hvor regelbogen kræver en individuel betalingsaftale."))
    payment_agreement_follows_tariff_principles: bool | None = Field(
        None, description="Følger betalingsaftalen styringsaftalens takstprincipper? Påkrævet med en betalingsaftale.")
    payer_justification: str = Field("", max_length=2000, description=(
        "Påkrævet, når en anden kommune end din egen skal betale: købet bliver da en anmodning til betalingskommunen, "
        "som ser denne begrundelse (men intet om borgeren), før den accepterer eller afviser."))
    reserve: bool = Field(True, description=(
        "Reservér pladsen nu (ellers en anmodning, driftsherren bekræfter). Betaler en anden kommune: reservér, når "
        "den accepterer."))
    over_occupancy_reason: str = Field("", max_length=1000)


class ReserveIn(Schema):
    over_occupancy_reason: str = Field("", max_length=1000)


class NoticeIn(Schema):
    given_on: date
    moved_out_on: date | None = None


class MoveOutIn(Schema):
    moved_out_on: date


class EndDateIn(Schema):
    end_date: date
    reason: str = Field(max_length=500)
    operator_agreement: str = Field("", max_length=300, description=(
        "En slutdato før opsigelsesvarslet kræver driftsherrens accept: hvem accepterede og hvornår."))


class ReasonIn(Schema):
    reason: str = Field(max_length=500)


class HoursIn(Schema):
    placement_service_id: BodyId
    day: date
    minutes: BodyInt


class HoursOut(Schema):
    placement_service_id: int
    day: date
    minutes: int


class CprOut(Schema):
    cpr: str
    logged: bool = Field(description="Altid sand: visningen er logget med bruger, tidspunkt og begrundelse.")


# --- helpers ------------------------------------------------------------------------------------------------------


def _actor(request) -> Actor:
    return actor_from_user(request.auth)


def _get(request, placement_id: Id) -> tuple[Actor, Placement]:
    actor = _actor(request)
    return actor, selectors.placement_get(actor=actor, placement_id=placement_id)


def _money(amount_ore: int | None) -> str | None:
    return None if amount_ore is None else str(ore_to_kr(amount_ore))


def _detail(actor: Actor, placement: Placement) -> Placement:
    """The placement as stored after the change, with the rulebook's terms and the actions now possible."""
    placement = selectors.placement_get(actor=actor, placement_id=placement.pk)
    today = clock.today()
    try:
        terms = selectors.placement_terms(placement=placement, today=today)
    except DomainError:
        terms = None
    tariffs = selectors.placement_tariffs(placement=placement, on=max(placement.start_date, today))
    placement.charged_until = selectors.charged_until(placement)
    placement.notice_rule = terms.notice_rule_da if terms else None
    placement.full_tariff_during_notice = terms.full_tariff_during_notice if terms else None
    placement.rules_warning = terms.rules.warning_da if terms else None
    placement.terms = [
        {"path": p.path, "label": p.label_da, "value": p.value_display,
         "source": f"{p.source.title}, {p.source.section}" if p.source else None, "assumed": p.assumed}
        for p in ([*terms.notice, *terms.payment] if terms else [])
    ]
    placement.tariffs = [
        {"service_id": t.service_id, "year": t.valid_from.year, "valid_from": t.valid_from,
         "amount_kr": _money(t.amount_ore), "amount_ore": t.amount_ore, "monthly_kr": _money(t.monthly_ore),
         "monthly_ore": t.monthly_ore, "provisional": t.provisional}
        for t in tariffs.values()
    ]
    placement.actions = sorted(selectors.placement_actions(actor=actor, placement=placement) - {"over_occupancy"})
    placement.may_read_full_cpr = selectors.may_read_full_cpr(actor=actor, placement=placement)
    return placement


# The list's rows are read as values, never as placements (100 placements with their offers, operators and two
# municipalities were 500 model objects of every column): `PlacementOut` as a dict, as the resolvers above give it.
_ROW_FIELDS = tuple(name for name in PlacementOut.model_fields if name not in {
    "status_label", "custody_label", "offer", "acting_municipality", "paying_municipality", "services",
    "holds_until", "contract_variant"})
_ORGANISATION = ("id", "kind", "name")
_ROW_VALUES = (*_ROW_FIELDS, "offer__name", "offer__offer_type",
               *(f"{relation}__{name}" for relation in ("offer__operator", "acting_municipality", "paying_municipality")
                 for name in _ORGANISATION))
_STATUS_LABELS = {value: str(label) for value, label in PlacementStatus.choices}
_CUSTODY_LABELS = {value: str(label) for value, label in Custody.choices}


def _organisation_ref(row: dict, relation: str) -> dict:
    return organisation_ref(Organisation(**{name: row[f"{relation}__{name}"] for name in _ORGANISATION}))


def _placement_row(row: dict, services: list[dict]) -> dict:
    placement = {name: row[name] for name in _ROW_FIELDS}
    placement.update({
        "status_label": _STATUS_LABELS.get(row["status"], row["status"]),
        "custody_label": _CUSTODY_LABELS.get(row["custody"], row["custody"]),
        "holds_until": holds_until_of(row["moved_out_on"], row["end_date"], row["planned_end"], row["notice_end"]),
        "contract_variant": contract_variant_of(row["covered_by_agreement"]),
        "offer": {"id": row["offer_id"], "name": row["offer__name"], "offer_type": row["offer__offer_type"],
                  "operator": _organisation_ref(row, "offer__operator")},
        "acting_municipality": _organisation_ref(row, "acting_municipality"),
        "paying_municipality": _organisation_ref(row, "paying_municipality"),
        "services": services,
    })
    return placement


def _rows_page(placements, page: slice) -> list[dict]:
    """A page of the list as `PlacementOut` dicts: its ids in the list's order (`http.page_by_ids`' first step),
    then those rows' values with their offers and municipalities, and their bought services, one query each."""
    ids = list(placements.values_list("pk", flat=True)[page])
    if not ids:
        return []
    rows = {row["id"]: row for row in placements.order_by().filter(pk__in=ids).values(*_ROW_VALUES, "offer_id")}
    services = selectors.placement_services_of(ids)
    return [_placement_row(rows[pk], services[pk]) for pk in ids]


# --- endpoints ------------------------------------------------------------------------------------------------------


@router.get("", response={200: list[PlacementOut], **errors(403, 422)},
            summary="Placeringer (afgrænset til brugerens organisation, sidevis)")
@paginate(Pages)
def placement_list(request, filters: Query[PlacementFiltersIn]):
    """Købte (handle- eller betalingskommune) og solgte (driftsherre) placeringer; CPR-numre kun maskeret.
    Sekretariater ser ingen enkeltplaceringer."""
    actor = _actor(request)
    if not can_list_placements(actor):
        raise NotAllowed("Placeringer indeholder personoplysninger; dine roller giver ikke adgang til dem.",
                         message_en="Placements hold personal data; not allowed for these roles.")
    return Rows(selectors.placement_list(
        actor=actor,
        filters=selectors.PlacementFilters(
            status=filters.status if filters.status in PlacementStatus.values else "",
            side=filters.side if filters.side in ("bought", "sold") else "",
            offer_id=filters.offer, text=filters.q.replace("\x00", "").strip(),
        ),
    ), dict, _rows_page)


@router.get("/{int:placement_id}", response={200: PlacementDetailOut, **errors(400, 404, 422)},
            summary="En placering med regelbogens vilkår, takster og mulige handlinger")
def placement_detail(request, placement_id: Id):
    actor, placement = _get(request, placement_id)
    return _detail(actor, placement)


@router.post("", response={201: PlacementDetailOut, **errors(400, 403, 404, 422)},
             summary="Køb en plads (handlekommunens sagsbehandler)")
def placement_create(request, payload: PlacementIn):
    """Ugyldigt CPR-nummer, slutdato før start, ingen takst i startåret eller ingen ledig plads: 400 med dansk
    besked og `field`; intet gemmes."""
    actor = _actor(request)
    offer = registry_selectors.offer_detail(actor=actor, offer_id=payload.offer_id, on=clock.today()).offer
    municipalities = registry_selectors.organisation_list(actor=actor, kind=OrganisationKind.MUNICIPALITY)
    payer = municipalities.filter(pk=payload.paying_municipality_id or actor.organisation_id).first()
    if payer is None:
        raise DomainError("Betalingskommunen findes ikke; angiv en kommunes id.", field="paying_municipality_id",
                          message_en="paying_municipality_id is not a municipality")
    if payload.custody not in Custody.values:
        raise DomainError(f"Forældremyndigheden «{payload.custody}» kendes ikke; brug en af "
                          f"{', '.join(v for v in Custody.values if v)} eller tom.", field="custody",
                          message_en="unknown custody code")
    chosen = list(offer.services.filter(pk__in=payload.service_ids))
    if len(chosen) != len(set(payload.service_ids)):
        raise DomainError(f"En eller flere ydelser hører ikke til {offer.name}.", field="service_ids",
                          message_en="service_ids must be services of the offer")
    placement = services.placement_request(
        actor=actor, reserve=payload.reserve, over_occupancy_reason=payload.over_occupancy_reason,
        request=services.PlacementRequest(
            offer=offer, paying_municipality=payer, citizen_name=payload.citizen_name, cpr=payload.cpr,
            start_date=payload.start_date, planned_end=payload.planned_end, citizen_address=payload.citizen_address,
            custody=payload.custody, contact_name=payload.contact_name, contact_phone=payload.contact_phone,
            contact_email=payload.contact_email, services=tuple(chosen), payment_agreement=payload.payment_agreement,
            payment_agreement_follows_tariff_principles=payload.payment_agreement_follows_tariff_principles,
            payer_justification=payload.payer_justification,
        ),
    )
    return Status(201, _detail(actor, placement))


@router.post("/{int:placement_id}/reserve", response={200: PlacementDetailOut, **ACTION_ERRORS},
             summary="Bekræft en anmodning: pladsen reserveres (evt. med overbelægning)")
def placement_reserve(request, placement_id: Id, payload: ReserveIn):
    actor, placement = _get(request, placement_id)
    return _detail(actor, services.placement_reserve(actor=actor, placement=placement,
                                                     over_occupancy_reason=payload.over_occupancy_reason))


@router.post("/{int:placement_id}/activate", response={200: PlacementDetailOut, **ACTION_ERRORS},
             summary="Registrér indflytning (driftsherren)")
def placement_activate(request, placement_id: Id):
    actor, placement = _get(request, placement_id)
    return _detail(actor, services.placement_activate(actor=actor, placement=placement))


@router.post("/{int:placement_id}/notice", response={200: PlacementDetailOut, **ACTION_ERRORS},
             summary="Opsig pladsen efter regelbogens varsel")
def placement_notice(request, placement_id: Id, payload: NoticeIn):
    actor, placement = _get(request, placement_id)
    return _detail(actor, services.placement_notice_give(actor=actor, placement=placement, given_on=payload.given_on,
                                                         moved_out_on=payload.moved_out_on))


@router.post("/{int:placement_id}/move-out", response={200: PlacementDetailOut, **ACTION_ERRORS},
             summary="Registrér fraflytning (driftsherren)")
def placement_move_out(request, placement_id: Id, payload: MoveOutIn):
    actor, placement = _get(request, placement_id)
    return _detail(actor, services.placement_move_out(actor=actor, placement=placement,
                                                      moved_out_on=payload.moved_out_on))


@router.post("/{int:placement_id}/end-date", response={200: PlacementDetailOut, **ACTION_ERRORS},
             summary="Sæt eller flyt slutdatoen (næste afregning krediterer og fakturerer forskellen)")
def placement_end_date(request, placement_id: Id, payload: EndDateIn):
    actor, placement = _get(request, placement_id)
    return _detail(actor, services.placement_end_date_set(
        actor=actor, placement=placement, end_date=payload.end_date, reason=payload.reason, today=clock.today(),
        operator_agreement=payload.operator_agreement))


@router.post("/{int:placement_id}/cancel", response={200: PlacementDetailOut, **ACTION_ERRORS},
             summary="Annullér købet (handlekommunen)")
def placement_cancel(request, placement_id: Id, payload: ReasonIn):
    actor, placement = _get(request, placement_id)
    return _detail(actor, services.placement_cancel(actor=actor, placement=placement, reason=payload.reason))


@router.post("/{int:placement_id}/hours", response={200: HoursOut, **ACTION_ERRORS},
             summary="Registrér leverede timer for en dag")
def placement_hours(request, placement_id: Id, payload: HoursIn):
    actor, placement = _get(request, placement_id)
    placement_service = next((ps for ps in placement.services.all() if ps.pk == payload.placement_service_id), None)
    if placement_service is None:
        raise DomainError("Ydelsen er ikke købt til placeringen.", field="placement_service_id",
                          message_en="placement_service_id is not a service of this placement")
    record = services.hours_register(actor=actor, placement_service=placement_service, day=payload.day,
                                     minutes=payload.minutes)
    return {"placement_service_id": record.placement_service_id, "day": record.day, "minutes": record.minutes}


@router.post("/{int:placement_id}/cpr", response={200: CprOut, **ACTION_ERRORS},
             summary="Vis det fulde CPR-nummer (logges med begrundelse)")
def placement_cpr(request, placement_id: Id, payload: ReasonIn, response: HttpResponse):
    """Kun handle- og betalingskommunens sagsbehandlere og driftsherrens personale. Hver visning logges med
    bruger, tidspunkt og begrundelse; svaret må ikke caches."""
    actor, placement = _get(request, placement_id)
    cpr = services.placement_cpr_read(actor=actor, placement=placement, reason=payload.reason)
    patch_cache_control(response, no_store=True, private=True)
    return {"cpr": cpr, "logged": True}


@router.get("/{int:placement_id}/contract.pdf", response=errors(400, 404, 422), summary="Standardkontrakten som PDF",
            openapi_extra=binary("application/pdf", "PDF"))
def placement_contract(request, placement_id: Id, masked: bool = False):
    """Med fuldt CPR-nummer for dem, der må se det (visningen logges); ellers, eller med `masked=true`, maskeret."""
    actor, placement = _get(request, placement_id)
    data = contract.placement_contract(actor=actor, placement=placement, masked=masked)
    response = HttpResponse(contract.placement_contract_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{contract.contract_filename(placement)}"'
    patch_cache_control(response, no_store=True, private=True)
    return response
