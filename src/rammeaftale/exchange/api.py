"""REST endpoints of the vacancy exchange: the search (exchange/search.py), and requests («forespørgsler»): the
municipality's requests and sending one, the requests to the operator's offers and answering one. The same selectors
and services as the pages (exchange/requests.py)."""
from datetime import date, datetime

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from rammeaftale.accounts.actor import Actor, actor_from_user
from rammeaftale.api_contract import BodyId, Id, Pages, errors
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError
from rammeaftale.core.money import ore_to_kr
from rammeaftale.exchange import requests, search
from rammeaftale.exchange.models import VacancyRequest, VacancyRequestOffer
from rammeaftale.registry.api import OrganisationRef
from rammeaftale.registry.models import LegalParagraph, TargetGroup

router = Router(tags=["Ledige pladser"])


class RequestOfferOut(Schema):
    id: int
    name: str
    operator: OrganisationRef


class RecipientOut(Schema):
    id: int = Field(description="Svarets id (det forespurgte tilbud i forespørgslen); driftsherren svarer på det.")
    offer: RequestOfferOut
    answer: str = Field(description="pending, yes, no, waiting_list eller expired.")
    answer_label: str
    note: str = Field(description="Driftsherrens bemærkning.")
    answered_at: datetime | None
    placement_reference: str | None = Field(description="Reservationen, et ja er blevet til (null: ingen).")

    @staticmethod
    def resolve_answer_label(obj: VacancyRequestOffer) -> str:
        return obj.get_answer_display()

    @staticmethod
    def resolve_placement_reference(obj: VacancyRequestOffer) -> str | None:
        return obj.placement.reference if obj.placement_id else None


class VacancyRequestOut(Schema):
    """A request as the sending municipality sees it, with every offer's answer."""

    id: int
    municipality: OrganisationRef
    target_group: str | None = Field(description="Målgruppens kode.")
    paragraph: str | None = Field(description="Lovgrundlagets kode, fx sel-108.")
    start_date: date
    description: str = Field(description="Behovet, anonymiseret (intet navn eller CPR-nummer).")
    answer_by: date = Field(description="Svarfristens sidste dag.")
    created_on: date
    recipients: list[RecipientOut]

    @staticmethod
    def resolve_target_group(obj: VacancyRequest) -> str | None:
        return obj.target_group.code if obj.target_group_id else None

    @staticmethod
    def resolve_paragraph(obj: VacancyRequest) -> str | None:
        return obj.paragraph.code if obj.paragraph_id else None

    @staticmethod
    def resolve_recipients(obj: VacancyRequest) -> list[VacancyRequestOffer]:
        return list(obj.recipients.all())


class ReceivedRequestOut(Schema):
    """A request to one of the operator's offers: the need (anonymised), the deadline and its answer."""

    id: int = Field(description="Svarets id: POST …/received/{id}/answer.")
    request_id: int
    municipality: OrganisationRef
    offer: RequestOfferOut
    target_group: str | None
    paragraph: str | None
    start_date: date
    description: str
    answer_by: date
    answer: str
    answer_label: str
    note: str
    answered_at: datetime | None

    @staticmethod
    def resolve_municipality(obj: VacancyRequestOffer):
        return obj.request.municipality

    @staticmethod
    def resolve_target_group(obj: VacancyRequestOffer) -> str | None:
        return obj.request.target_group.code if obj.request.target_group_id else None

    @staticmethod
    def resolve_paragraph(obj: VacancyRequestOffer) -> str | None:
        return obj.request.paragraph.code if obj.request.paragraph_id else None

    @staticmethod
    def resolve_start_date(obj: VacancyRequestOffer) -> date:
        return obj.request.start_date

    @staticmethod
    def resolve_description(obj: VacancyRequestOffer) -> str:
        return obj.request.description

    @staticmethod
    def resolve_answer_by(obj: VacancyRequestOffer) -> date:
        return obj.request.answer_by

    @staticmethod
    def resolve_answer_label(obj: VacancyRequestOffer) -> str:
        return obj.get_answer_display()


class VacancyRequestIn(Schema):
    offer_ids: list[BodyId] = Field(max_length=100, description=(
        "Tilbuddene, forespørgslen sendes til: mindst ét, højst regelbogens exchange.request_max_offers."))
    start_date: date
    description: str = Field(max_length=requests.DESCRIPTION_MAX, description="Behovet, uden navn og CPR-nummer.")
    answer_by: date | None = Field(None, description="Svarfristens sidste dag; standard: i dag + regelbogens "
                                                     "exchange.request_answer_days.")
    target_group: str = Field("", max_length=40, description="Målgruppens kode (valgfri).")
    paragraph: str = Field("", max_length=20, description="Lovgrundlagets kode, fx sel-108 (valgfri).")


class AnswerIn(Schema):
    answer: str = Field(max_length=20, description="yes, no eller waiting_list.")
    note: str = Field("", max_length=requests.ANSWER_NOTE_MAX, description="Bemærkning uden CPR-nummer.")


class ReceivedFiltersIn(Schema):
    pending: bool = Field(False, description="Kun dem, der venter på svar.")


def _actor(request) -> Actor:
    return actor_from_user(request.auth)


def _code(model, code: str, field: str):
    if not code:
        return None
    found = model.objects.filter(code=code).first()
    if found is None:
        raise DomainError(f"Koden «{code}» findes ikke.", field=field, message_en=f"unknown {field} code")
    return found


@router.get("/requests", response={200: list[VacancyRequestOut], **errors(403, 422)},
            summary="Kommunens forespørgsler med svar (sagsbehandler, administrator)")
@paginate(Pages)
def request_list(request):
    return requests.vacancy_request_list(actor=_actor(request))


@router.get("/requests/{int:request_id}", response={200: VacancyRequestOut, **errors(404, 422)},
            summary="En af kommunens forespørgsler med svar")
def request_detail(request, request_id: Id):
    return requests.vacancy_request_get(actor=_actor(request), request_id=request_id)


@router.post("/requests", response={201: VacancyRequestOut, **errors(400, 403, 422)},
             summary="Send en forespørgsel om plads til flere tilbud (sagsbehandler)")
def request_send(request, payload: VacancyRequestIn):
    """Ingen tilbud, flere end regelbogen tillader, et ukendt tilbud, CPR-nummer i beskrivelsen, en startdato eller
    svarfrist før i dag: 400 med dansk besked og `field`; intet gemmes."""
    actor = _actor(request)
    sent = requests.vacancy_request_send(
        actor=actor, offer_ids=payload.offer_ids, answer_by=payload.answer_by, today=clock.today(),
        need=requests.Need(start_date=payload.start_date, description=payload.description,
                           target_group=_code(TargetGroup, payload.target_group, "target_group"),
                           paragraph=_code(LegalParagraph, payload.paragraph, "paragraph")))
    return Status(201, requests.vacancy_request_get(actor=actor, request_id=sent.pk))


@router.get("/received", response={200: list[ReceivedRequestOut], **errors(403, 422)},
            summary="Forespørgsler til driftsherrens tilbud, den nærmeste svarfrist først")
@paginate(Pages)
def received_list(request, filters: Query[ReceivedFiltersIn]):
    return requests.vacancy_requests_received(actor=_actor(request), pending_only=filters.pending)


@router.post("/received/{int:recipient_id}/answer", response={200: ReceivedRequestOut, **errors(400, 403, 404, 422)},
             summary="Svar ja, nej eller venteliste på en forespørgsel (driftsherren)")
def received_answer(request, recipient_id: Id, payload: AnswerIn):
    """Efter svarfristen, allerede besvaret eller udløbet, eller CPR-nummer i bemærkningen: 400; intet gemmes."""
    actor = _actor(request)
    recipient = requests.vacancy_request_recipient_get(actor=actor, recipient_id=recipient_id)
    requests.vacancy_request_answer(actor=actor, recipient=recipient, answer=payload.answer, note=payload.note,
                                    today=clock.today())
    return requests.vacancy_request_recipient_get(actor=actor, recipient_id=recipient_id)


# --- the vacancy search -------------------------------------------------------------------------------------------


class VacancySearchIn(Schema):
    paragraph: str = Field("", max_length=20, description="Lovgrundlagets kode, fx sel-108.")
    target_group: str = Field("", max_length=40, description="Målgruppens kode.")
    offer_type: str = Field("", max_length=20, description="residential, day, outpatient eller education.")
    age_from: int | None = Field(None, ge=-1000, le=1000, description="Borgerens alder fra (år).")
    age_to: int | None = Field(None, ge=-1000, le=1000, description="Borgerens alder til (år).")
    region_id: int | None = Field(None, ge=1, le=2**31)
    municipality_id: int | None = Field(None, ge=1, le=2**31, description="Beliggenhedskommunen.")
    category: str = Field("", max_length=30)
    operator_kind: list[str] = Field([], max_length=3, description="kommunal, regional og/eller privat.")
    tariff_min_kr: int | None = Field(None, ge=-10**9, le=10**9, description="Takst pr. døgn fra (kr.).")
    tariff_max_kr: int | None = Field(None, ge=-10**9, le=10**9, description="Takst pr. døgn til (kr.).")
    free_from: date | None = Field(None, description="Ledig fra (standard: i dag; ikke før i dag).")
    need: int = Field(1, ge=1, le=50, description="Antal pladser.")
    all_offers: bool = Field(False, description="Også tilbud uden ledige pladser.")
    limit: int = Field(25, ge=1, le=100)
    offset: int = Field(0, ge=0, le=10_000)


class VacancyTariffOut(Schema):
    service_id: int
    service_name: str
    unit: str
    amount_ore: int
    amount_kr: str
    tariff_id: int | None = Field(description="Årets takst; /api/tariffs/{id} viser beregningen.")
    provisional: bool


class VacancyHitOut(Schema):
    offer_id: int
    name: str
    offer_type: str
    operator_name: str
    operator_kind: str
    municipality: str
    region: str
    age_from: int | None
    age_to: int | None
    category: str
    distance: str = Field(description="Samme kommune, Nabokommune i regionen, I regionen eller Andre regioner.")
    places: int = Field(description="Pladser på datoen.")
    free: int = Field(description="Færrest ledige pladser de første 30 dage fra datoen (negativ: overbelagt).")
    confirmed_places: int | None = Field(description="Driftsherrens nyeste bekræftelse (null: ingen).")
    confirmed_on: date | None
    confirmation_trusted: bool
    tariff: VacancyTariffOut | None


class VacancyResultsOut(Schema):
    free_from: date
    matching: int = Field(description="Tilbud, der passer til filtrene (med eller uden ledige pladser).")
    more: bool = Field(description="Der er flere resultater efter disse.")
    items: list[VacancyHitOut]


def _hit_json(hit) -> dict:
    confirmation, tariff = hit.confirmation, hit.tariff
    return {
        "offer_id": hit.offer_id, "name": hit.name, "offer_type": hit.offer_type, "operator_name": hit.operator_name,
        "operator_kind": hit.operator_kind, "municipality": hit.municipality, "region": hit.region,
        "age_from": hit.age_from, "age_to": hit.age_to, "category": hit.category, "distance": hit.distance_label,
        "places": hit.places, "free": hit.free,
        "confirmed_places": confirmation.places if confirmation else None,
        "confirmed_on": confirmation.confirmed_on if confirmation else None,
        "confirmation_trusted": bool(confirmation and confirmation.trusted),
        "tariff": None if tariff is None else {
            "service_id": tariff.service_id, "service_name": tariff.service_name, "unit": tariff.unit,
            "amount_ore": tariff.amount_ore, "amount_kr": f"{ore_to_kr(tariff.amount_ore):.2f}",
            "tariff_id": tariff.tariff_id, "provisional": tariff.provisional},
    }


@router.get("/vacancies", response={200: VacancyResultsOut, **errors(400, 422)},
            summary="Søg ledige pladser: bekræftede først, derefter de nærmeste")
def vacancy_list(request, filters: Query[VacancySearchIn]):
    """Som siden /ledige-pladser/. Et umuligt aldersinterval, en dato før i dag eller et omvendt takstinterval: 400
    med dansk besked og `field`."""
    results = search.vacancy_search(
        actor=_actor(request), today=clock.today(), offset=filters.offset, limit=filters.limit,
        search=search.VacancySearch(
            paragraph=filters.paragraph, target_group=filters.target_group, offer_type=filters.offer_type,
            age_from=filters.age_from, age_to=filters.age_to, region_id=filters.region_id,
            municipality_id=filters.municipality_id, category=filters.category,
            operator_kinds=tuple(filters.operator_kind), tariff_min_kr=filters.tariff_min_kr,
            tariff_max_kr=filters.tariff_max_kr, free_from=filters.free_from, need=filters.need,
            only_free=not filters.all_offers))
    return {"free_from": results.free_from, "matching": results.matching, "more": results.more,
            "items": [_hit_json(hit) for hit in results.hits]}
