"""REST endpoints for tariffs: the engine's JSON calculations, the tariff list of an agreement and year, the P/L
table, explanations, and an offer's budget saved and calculated through the same services as the pages.

Errors have the API's Danish shape `{"code", "field", "message", "detail"}` (400 bad data, 403 not allowed, 404).
Money and percentages are strings (`"2554.67"`), never JSON numbers with a fraction.
"""
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from ninja import Body, Field, Router, Schema
from ninja.responses import Status

from rammeaftale.accounts.actor import actor_from_user
from rammeaftale.api_contract import BodyDecimal, BodyId, BodyInt, ErrorOut, Id, Year, binary, errors
from rammeaftale.core.errors import DomainError
from rammeaftale.core.money import ore_to_kr
from rammeaftale.core.spreadsheet import XLSX_CONTENT_TYPE
from rammeaftale.engine.tariff_json import EngineInputError, tariff_calculate_json, true_up_calculate_json
from rammeaftale.registry.selectors import agreement_get
from rammeaftale.tariffs import selectors, services
from rammeaftale.tariffs.exports import export_filename, tariff_list_pdf, tariff_list_xlsx
from rammeaftale.tariffs.selectors import tariff_list

router = Router(tags=["Takster"])


class TariffEngineError(Schema):
    error: dict


class TariffRowOut(Schema):
    tariff_id: int
    offer_id: int
    offer: str
    operator: str
    service: str
    unit: str
    tariff: str
    tariff_ore: int
    monthly_tariff: str | None
    previous_tariff: str | None
    increase_pct: str | None = Field(description="Stigning fra året før i %, afrundet til to decimaler (visning)")
    cap: str | None = Field(description="Loftet for årets takst efter regelbogen (kr.); null uden loft pr. takst")
    cap_basis: str = Field(description="cumulative, year_on_year, total_expenses eller none")
    cap_from_year: int | None
    cap_pl_years: list[int]
    pl_missing_years: list[int]
    over_cap: bool = Field(description="Taksten er over loftet (sammenlignet uafrundet)")
    explanation_required: bool = Field(description="Over loftet, og regelbogen kræver en forklaring")
    needs_explanation: bool = Field(description="Forklaring kræves og er ikke skrevet")
    report_required: bool
    explained: bool
    notes: list[str]
    calculation: dict | None


class TariffListOut(Schema):
    agreement: str
    year: int
    pl_pct: str | None
    pl_is_example: bool | None
    growth_rule: str
    rows: list[TariffRowOut]


@router.post("/calculate", response={200: dict, **errors(403, 422), 400: TariffEngineError | ErrorOut},
             summary="Beregn takster ud fra et budget (JSON)")
def calculate(request, payload: dict[str, Any] = Body(...)):
    """Same input and output as `rammeaftale tariff calculate` (docs/engine-json.md)."""
    try:
        return Status(200, tariff_calculate_json(payload))
    except EngineInputError as exc:
        return Status(400, exc.as_dict())


@router.post("/true-up", response={200: dict, **errors(403, 422), 400: TariffEngineError | ErrorOut},
             summary="Beregn efterregulering (JSON)")
def true_up(request, payload: dict[str, Any] = Body(...)):
    """Same input and output as `rammeaftale tariff true-up` (docs/engine-json.md)."""
    try:
        return Status(200, true_up_calculate_json(payload))
    except EngineInputError as exc:
        return Status(400, exc.as_dict())


def _list(request, agreement_id: int, year: int, *, with_calculations: bool = True):
    actor = actor_from_user(request.user)
    return tariff_list(actor=actor, agreement=agreement_get(actor=actor, agreement_id=agreement_id), year=year,
                       with_calculations=with_calculations)


LIST_ERRORS = errors(400, 404, 422)


@router.get("/list", response={200: TariffListOut, **LIST_ERRORS}, summary="Takstoversigt for en rammeaftale og et år")
def tariff_list_get(request, agreement: Id, year: Year):
    listing = _list(request, agreement, year)
    return {
        "agreement": listing.agreement.name, "year": listing.year,
        "pl_pct": str(listing.price_index.rate_pct) if listing.price_index else None,
        "pl_is_example": listing.price_index.is_example if listing.price_index else None,
        "growth_rule": listing.rule_da,
        "rows": [
            {
                "tariff_id": row.tariff.pk, "offer_id": row.tariff.service.offer_id,
                "offer": row.tariff.service.offer.name, "operator": str(row.tariff.service.offer.operator),
                "service": row.tariff.service.name, "unit": row.tariff.service.unit,
                "tariff": str(ore_to_kr(row.tariff.amount_ore)), "tariff_ore": row.tariff.amount_ore,
                "monthly_tariff": str(ore_to_kr(row.tariff.monthly_ore)) if row.tariff.monthly_ore is not None else None,
                "previous_tariff": str(ore_to_kr(row.previous.amount_ore)) if row.previous else None,
                "increase_pct": _text(row.increase_pct), **_growth_out(row),
                "report_required": row.report_required, "explained": row.explained,
                "calculation": next((s for s in row.tariff.calculation.result["services"]
                                     if s["service_id"] == row.tariff.service_id), None)
                if row.tariff.calculation else None,
            }
            for row in listing.rows
        ],
    }


def _growth_out(row) -> dict:
    growth = row.growth
    return {
        "cap": _text(growth.cap_kr_display) if growth else None, "cap_basis": growth.cap_basis if growth else "none",
        "cap_from_year": growth.cap_from_year if growth else None,
        "cap_pl_years": list(growth.cap_pl_years) if growth else [],
        "pl_missing_years": list(growth.pl_missing_years) if growth else [],
        "over_cap": row.over_cap, "explanation_required": row.explanation_required,
        "needs_explanation": row.needs_explanation, "notes": list(growth.notes) if growth else [],
    }


@router.get("/list.xlsx", response=LIST_ERRORS, summary="Takstoversigten som Excel",
            openapi_extra=binary(XLSX_CONTENT_TYPE, "XLSX"))
def tariff_list_xlsx_get(request, agreement: Id, year: Year):
    listing = _list(request, agreement, year)
    response = HttpResponse(tariff_list_xlsx(listing),
                            content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(listing, "xlsx")}"'
    return response


@router.get("/list.pdf", response=LIST_ERRORS, summary="Takstoversigten som PDF",
            openapi_extra=binary("application/pdf", "PDF"))
def tariff_list_pdf_get(request, agreement: Id, year: Year):
    listing = _list(request, agreement, year, with_calculations=False)  # the PDF shows no breakdowns
    response = HttpResponse(tariff_list_pdf(listing), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(listing, "pdf")}"'
    return response


# P/L, explanations and budgets: writes through the audited services.


def _text(value) -> str | None:
    return None if value is None else str(value)


class PriceIndexOut(Schema):
    year: int
    rate_pct: str
    source: str
    source_url: str
    is_example: bool = Field(description="Et eksempeltal (projektets referencedata eller demoens), ikke KL's serie.")

    @staticmethod
    def resolve_rate_pct(obj) -> str:
        return str(obj.rate_pct)


class PriceIndexIn(Schema):
    rate_pct: BodyDecimal = Field(description="P/L i procent som tekst, fx \"2.8\".")
    source: str
    source_url: str = ""


@router.get("/price-index", response={200: list[PriceIndexOut], **errors()}, summary="P/L-tabellen")
def price_index_get(request):
    return selectors.price_index_list(actor=actor_from_user(request.user)).rows


@router.put("/price-index/{int:year}", response={200: PriceIndexOut, **errors(400, 403, 422)},
            summary="Sæt P/L for et år (sekretariatet)")
def price_index_put(request, year: Year, payload: PriceIndexIn):
    """Et år, der findes, får den nye sats; den er derefter ikke længere et eksempeltal."""
    return services.price_index_set(actor=actor_from_user(request.user), year=year, rate_pct=payload.rate_pct,
                                    source=payload.source, source_url=payload.source_url)


class ExplanationIn(Schema):
    text: str


class ExplanationOut(Schema):
    tariff_id: int
    year: int
    text: str
    written_at: datetime


@router.post("/{int:tariff_id}/explanation", response={200: ExplanationOut, **errors(400, 403, 404, 422)},
             summary="Forklar en takststigning over P/L (driftsherren)")
def explanation_post(request, tariff_id: Id, payload: ExplanationIn):
    actor = actor_from_user(request.user)
    row = selectors.tariff_list_row(actor=actor, tariff_id=tariff_id)
    if not row.explanation_required:
        raise DomainError("Taksten stiger ikke over et loft, som regelbogen kræver forklaret; der skal ingen "
                          "forklaring til.", field="tariff_id",
                          message_en="The tariff is not above a cap the rulebook requires explained.")
    explanation = services.tariff_explanation_record(actor=actor, tariff=row.tariff, text=payload.text)
    return {"tariff_id": tariff_id, "year": row.tariff.year, "text": explanation.text,
            "written_at": explanation.written_at}


class BudgetLineIn(Schema):
    service_id: BodyId
    salaries_kr: BodyDecimal = Decimal(0)
    property_kr: BodyDecimal = Decimal(0)
    other_direct_kr: BodyDecimal = Decimal(0)
    overhead_kr: BodyDecimal | None = None
    overhead_pct: BodyDecimal | None = None
    depreciation_kr: BodyDecimal = Decimal(0)
    capital_book_value_kr: BodyDecimal = Decimal(0)
    interest_rate_pct: BodyDecimal = Decimal(0)
    pension_kr: BodyDecimal = Decimal(0)
    other_income_kr: BodyDecimal = Decimal(0)
    true_up_kr: BodyDecimal | None = Field(None, description="Tom: den registrerede efterregulering fra år t−2.")
    places: BodyInt | None = Field(None, description="Tom: kapaciteten 1. januar.")
    budgeted_occupancy_pct: BodyDecimal | None = Field(
        None, description="Tom: gennemsnittet af de to foregående års faktiske belægning.")
    budgeted_hours: BodyDecimal | None = Field(None, description="Timebaserede ydelser: borgerrettede timer.")


class BudgetIn(Schema):
    lines: list[BudgetLineIn]


def _budget_out(budget, notes: list[str]) -> dict:
    return {
        "offer_id": budget.offer_id, "year": budget.year, "budget_id": budget.pk, "notes": notes,
        "lines": [
            {"service_id": line.service_id, "service": line.service.name, "places": line.places,
             "budgeted_occupancy_pct": _text(line.budgeted_occupancy_pct),
             "occupancy_from_actuals": line.occupancy_from_actuals, "budgeted_hours": _text(line.budgeted_hours),
             "salaries_kr": str(ore_to_kr(line.salaries_ore)), "property_kr": str(ore_to_kr(line.property_ore)),
             "other_direct_kr": str(ore_to_kr(line.other_direct_ore)),
             "overhead_kr": None if line.overhead_ore is None else str(ore_to_kr(line.overhead_ore)),
             "overhead_pct": _text(line.overhead_pct), "depreciation_kr": str(ore_to_kr(line.depreciation_ore)),
             "capital_book_value_kr": str(ore_to_kr(line.capital_book_value_ore)),
             "interest_rate_pct": str(line.interest_rate_pct), "pension_kr": str(ore_to_kr(line.pension_ore)),
             "other_income_kr": str(ore_to_kr(line.other_income_ore)), "true_up_kr": str(ore_to_kr(line.true_up_ore))}
            for line in budget.lines.select_related("service").order_by("service__kind", "service__name")
        ],
    }


@router.put("/budgets/{int:offer_id}/{int:year}", response={200: dict, **errors(400, 403, 404, 422)},
            summary="Gem et tilbuds budget for et år (driftsherren); erstatter årets budget")
def budget_put(request, offer_id: Id, year: Year, payload: BudgetIn):
    """Samme regler som budgetsiden: tomme felter får standardværdierne, som `notes` nævner. Fejl navngiver
    linjen i forespørgslen, fx `lines[0].budgeted_occupancy_pct`, og intet gemmes."""
    actor = actor_from_user(request.user)
    offer = selectors.offer_for_tariffs(actor=actor, offer_id=offer_id)
    offered = {service.pk: service for service in offer.services.all()}
    lines = []
    for index, line in enumerate(payload.lines):
        service = offered.get(line.service_id)
        if service is None:
            raise DomainError(f"Ydelse {line.service_id} hører ikke til tilbuddet.",
                              field=f"lines[{index}].service_id", message_en="Unknown service for the offer.")
        lines.append(services.ServiceBudgetInput(service=service, **line.model_dump(exclude={"service_id"})))
    result = services.tariff_budget_save(actor=actor, offer=offer, year=year, lines=lines)
    return _budget_out(result.budget, result.notes)


@router.post("/budgets/{int:offer_id}/{int:year}/calculate", response={200: dict, **errors(400, 403, 404, 422)},
             summary="Beregn taksterne af et gemt budget (driftsherren)")
def budget_calculate_post(request, offer_id: Id, year: Year):
    """Gemmer beregningen med fuld specifikation og én beregnet takst pr. ydelse. En belægning uden for
    regelbogens rammer kræver en godkendelse først (fejl i `lines[i].budgeted_occupancy_pct`, i ydelsernes
    rækkefølge: type, så navn)."""
    actor = actor_from_user(request.user)
    budget = selectors.budget_get(actor=actor, offer_id=offer_id, year=year)
    calculation = services.tariff_budget_calculate(actor=actor, budget=budget)
    return {
        "calculation_id": calculation.pk, "offer_id": offer_id, "year": year, "result": calculation.result,
        "tariffs": [
            {"tariff_id": t.pk, "service_id": t.service_id, "service": t.service.name,
             "amount_kr": str(ore_to_kr(t.amount_ore)), "amount_ore": t.amount_ore,
             "monthly_kr": None if t.monthly_ore is None else str(ore_to_kr(t.monthly_ore)),
             "monthly_ore": t.monthly_ore}
            for t in calculation.tariffs.select_related("service").order_by("service__kind", "service__name")
        ],
    }
