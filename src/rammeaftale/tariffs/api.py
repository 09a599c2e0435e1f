"""REST endpoints for tariffs: the engine's JSON calculations and the tariff list of an agreement and year."""
from typing import Any

from django.http import HttpResponse
from ninja import Body, Router, Schema
from ninja.responses import Status

from rammeaftale.accounts.actor import actor_from_user
from rammeaftale.core.money import ore_to_kr
from rammeaftale.engine.tariff_json import EngineInputError, tariff_calculate_json, true_up_calculate_json
from rammeaftale.registry.selectors import agreement_get
from rammeaftale.tariffs.exports import export_filename, tariff_list_pdf, tariff_list_xlsx
from rammeaftale.tariffs.selectors import tariff_list

router = Router(tags=["Takster"])


class EngineError(Schema):
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
    increase_pct: str | None
    exceeds_pl: bool
    report_required: bool
    explained: bool
    calculation: dict | None


class TariffListOut(Schema):
    agreement: str
    year: int
    pl_pct: str | None
    pl_is_example: bool | None
    rows: list[TariffRowOut]


@router.post("/calculate", response={200: dict, 400: EngineError}, summary="Beregn takster ud fra et budget (JSON)")
def calculate(request, payload: dict[str, Any] = Body(...)):
    """Same input and output as `rammeaftale tariff calculate` (docs/engine-json.md)."""
    try:
        return Status(200, tariff_calculate_json(payload))
    except EngineInputError as exc:
        return Status(400, exc.as_dict())


@router.post("/true-up", response={200: dict, 400: EngineError}, summary="Beregn efterregulering (JSON)")
def true_up(request, payload: dict[str, Any] = Body(...)):
    """Same input and output as `rammeaftale tariff true-up` (docs/engine-json.md)."""
    try:
        return Status(200, true_up_calculate_json(payload))
    except EngineInputError as exc:
        return Status(400, exc.as_dict())


def _list(request, agreement_id: int, year: int):
    actor = actor_from_user(request.user)
    return tariff_list(actor=actor, agreement=agreement_get(actor=actor, agreement_id=agreement_id), year=year)


@router.get("/list", response=TariffListOut, summary="Takstoversigt for en rammeaftale og et år")
def tariff_list_get(request, agreement: int, year: int):
    listing = _list(request, agreement, year)
    return {
        "agreement": listing.agreement.name, "year": listing.year,
        "pl_pct": str(listing.price_index.rate_pct) if listing.price_index else None,
        "pl_is_example": listing.price_index.is_example if listing.price_index else None,
        "rows": [
            {
                "tariff_id": row.tariff.pk, "offer_id": row.tariff.service.offer_id,
                "offer": row.tariff.service.offer.name, "operator": str(row.tariff.service.offer.operator),
                "service": row.tariff.service.name, "unit": row.tariff.service.unit,
                "tariff": str(ore_to_kr(row.tariff.amount_ore)), "tariff_ore": row.tariff.amount_ore,
                "monthly_tariff": str(ore_to_kr(row.tariff.monthly_ore)) if row.tariff.monthly_ore is not None else None,
                "previous_tariff": str(ore_to_kr(row.previous.amount_ore)) if row.previous else None,
                "increase_pct": str(row.increase_pct) if row.increase_pct is not None else None,
                "exceeds_pl": row.exceeds_pl, "report_required": row.report_required, "explained": row.explained,
                "calculation": next((s for s in row.tariff.calculation.result["services"]
                                     if s["service_id"] == row.tariff.service_id), None)
                if row.tariff.calculation else None,
            }
            for row in listing.rows
        ],
    }


@router.get("/list.xlsx", summary="Takstoversigten som Excel")
def tariff_list_xlsx_get(request, agreement: int, year: int):
    listing = _list(request, agreement, year)
    response = HttpResponse(tariff_list_xlsx(listing),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(listing, "xlsx")}"'
    return response


@router.get("/list.pdf", summary="Takstoversigten som PDF")
def tariff_list_pdf_get(request, agreement: int, year: int):
    listing = _list(request, agreement, year)
    response = HttpResponse(tariff_list_pdf(listing), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(listing, "pdf")}"'
    return response
