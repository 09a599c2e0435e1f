"""REST API for occupancy: the twice-yearly report (the operator's draft and submission, the secretariat's compiled
report, the same JSON as `rammeaftale occupancy report`), the analysis and the category suggestion."""
from ninja import Router, Schema

from rammeaftale.accounts.actor import actor_from_user
from rammeaftale.api_contract import Id, Year, errors
from rammeaftale.core import clock
from rammeaftale.core.errors import NotAllowed, NotFound
from rammeaftale.engine.occupancy import pct_text
from rammeaftale.occupancy.api_analysis import router as analysis_router
from rammeaftale.occupancy.api_category import router as category_router
from rammeaftale.occupancy.models import OccupancyReport
from rammeaftale.occupancy.reporting import agreement_resolve, period_parse, report_texts
from rammeaftale.occupancy.selectors import (
    compiled_report,
    compiled_report_json,
    line_json,
    offer_occupancy_year,
    report_get,
    report_lines,
    reports_of_operator,
)
from rammeaftale.occupancy.services import report_draft, report_line_explain, report_submit
from rammeaftale.parties.models import Organisation

router = Router(tags=["Belægning"])
router.add_router("/analysis", analysis_router)
router.add_router("/category", category_router)


def _report_json(report: OccupancyReport) -> dict:
    return {
        "id": report.pk, "agreement_id": report.agreement_id, "operator": str(report.operator),
        "operator_code": report.operator.code, "period": report.code, "name": report.name,
        "first_day": report.period_start.isoformat(), "last_day": report.last_day.isoformat(),
        "deadline": report.deadline.isoformat(), "status": report.status, "late": report.is_late,
        "submitted_on": report.submitted_on.isoformat() if report.submitted_on else None,
        "threshold_pct": pct_text(report.threshold_pct), "deviation_mode": report.deviation_mode,
        "required_texts": list(report_texts(report)),
        "lines": [dict(line_json(line, reported=report.status == "submitted"), id=line.pk)
                  for line in report_lines(report)],
    }


@router.get("/reports/compiled", response={200: dict, **errors(400, 403, 422)},
            summary="Den samlede indberetning for en rammeaftale og en periode (sekretariatet)")
def compiled(request, agreement: str, period: str):
    """`agreement`: the agreement's id, or the region (syddanmark, 1083); `period`: e.g. 2025-Q1."""
    year, _ = period_parse(period)
    found = agreement_resolve(agreement, year=year)
    return compiled_report_json(compiled_report(actor=actor_from_user(request.user), agreement=found, code=period,
                                                today=clock.today()))


@router.get("/reports", response={200: list[dict], **errors(403)},
            summary="Den indloggede organisations egne indberetninger")
def own_reports(request):
    return [_report_json(report) for report in reports_of_operator(actor=actor_from_user(request.user))]


class DraftIn(Schema):
    agreement: str
    period: str


@router.post("/reports", response={200: dict, **errors(400, 403, 422)},
             summary="Opret eller genberegn driftsherrens kladde for perioden")
def draft(request, data: DraftIn):
    actor = actor_from_user(request.user)
    if actor.organisation_id is None:
        raise NotAllowed("Du er ikke knyttet til en organisation.")
    year, _ = period_parse(data.period)
    report = report_draft(actor=actor, agreement=agreement_resolve(data.agreement, year=year),
                          operator=Organisation.objects.get(pk=actor.organisation_id), code=data.period)
    return _report_json(report_get(actor=actor, report_id=report.pk))


@router.get("/reports/{report_id}", response={200: dict, **errors(403, 404, 422)},
            summary="Én indberetning med tilbuddenes tal og tekster")
def report(request, report_id: Id):
    return _report_json(report_get(actor=actor_from_user(request.user), report_id=report_id))


class ExplainIn(Schema):
    assessment: str = ""
    challenges: str = ""
    initiatives: str = ""


@router.put("/reports/{report_id}/lines/{line_id}", response={200: dict, **errors(400, 403, 404, 422)},
            summary="Vurdering, udfordringer og initiativer for et tilbud")
def explain(request, report_id: Id, line_id: Id, data: ExplainIn):
    actor = actor_from_user(request.user)
    found = report_get(actor=actor, report_id=report_id)
    line = found.lines.select_related("offer__operator").filter(pk=line_id).first()
    if line is None:
        raise NotFound("Linjen findes ikke i indberetningen.")
    line = report_line_explain(actor=actor, line=line, assessment=data.assessment, challenges=data.challenges,
                               initiatives=data.initiatives)
    return line_json(line, reported=False) | {"id": line.pk}


@router.post("/reports/{report_id}/submit", response={200: dict, **errors(400, 403, 404, 422)},
             summary="Indsend indberetningen (efter fristen: modtaget og markeret)")
def submit(request, report_id: Id):
    actor = actor_from_user(request.user)
    report_submit(actor=actor, report=report_get(actor=actor, report_id=report_id), today=clock.today())
    return _report_json(report_get(actor=actor, report_id=report_id))


@router.get("/offers/{offer_id}", response={200: dict, **errors(400, 403, 404, 422)},
            summary="Et tilbuds belægning pr. kvartal, år til dato og år mod budgettet")
def offer(request, offer_id: Id, year: Year):
    data = offer_occupancy_year(actor=actor_from_user(request.user), offer_id=offer_id, year=year, today=clock.today())
    return {
        "offer_id": data.offer.pk, "offer": data.offer.name, "year": data.year,
        "budgeted_pct": pct_text(data.budgeted_pct), "threshold_pct": pct_text(data.threshold_pct),
        "deviation_mode": data.deviation_mode,
        "periods": [{"period": row.period, "first_day": row.first_day.isoformat(), "last_day": row.last_day.isoformat(),
                     "occupied_days": row.occupied_days, "capacity_days": row.capacity_days,
                     "actual_pct": pct_text(row.actual_pct), "deviation": pct_text(row.deviation_pct),
                     "over_threshold": row.over_threshold} for row in data.rows],
        "months": [{"period": figure.period, "occupied_days": figure.occupied_days,
                    "capacity_days": figure.capacity_days, "actual_pct": pct_text(figure.pct)} for figure in data.months],
    }
