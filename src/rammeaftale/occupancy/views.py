"""The occupancy report pages: the operator's economist drafts and submits; the secretariat sees it compiled."""
from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.accounts.permissions import can_report_occupancy
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.http import int_param, missing_as_404, page_view
from rammeaftale.occupancy import exports
from rammeaftale.occupancy.charts import monthly_charts
from rammeaftale.occupancy.models import Assessment, ReportStatus
from rammeaftale.occupancy.reporting import missing_explanations, region_reporting_periods, report_texts
from rammeaftale.occupancy.selectors import (
    can_compile,
    compiled_report,
    offer_occupancy_year,
    report_get,
    report_lines,
    reports_of_operator,
)
from rammeaftale.occupancy.services import report_draft, report_line_explain, report_submit
from rammeaftale.parties.models import Organisation
from rammeaftale.registry.models import Agreement
from rammeaftale.reports.charts import OccupancyPoint, chart_svg, occupancy_chart


@page_view
def overview(request):
    """Where each role starts: the operator's reports to draft, or the secretariat's compiled reports."""
    actor = actor_for_request(request)
    today = clock.today()
    region_id = actor.region_id
    periods = []
    if region_id is not None:
        for year in (today.year, today.year - 1):
            periods.extend(region_reporting_periods(region_id, year))
    periods.sort(key=lambda period: (period.year, period.quarter), reverse=True)
    own = {report.code: report for report in reports_of_operator(actor=actor)}
    return render(request, "occupancy/overview.html", {
        "periods": [(period, own.get(period.code)) for period in periods],
        "can_report": actor.organisation_id is not None and can_report_occupancy(actor, operator_id=actor.organisation_id),
        "can_compile": region_id is not None and can_compile(actor, region_id=region_id),
        "today": today,
    })


@page_view
def report_start(request, agreement_id: int, code: str):
    """POST: the operator's draft for the period (created on first use, figures recomputed)."""
    if request.method != "POST":
        return redirect("occupancy:overview")
    actor = actor_for_request(request)
    if actor.organisation_id is None:
        raise NotAllowed("Du er ikke knyttet til en organisation.")
    agreement = Agreement.objects.select_related("rulebook", "region").filter(pk=agreement_id).first()
    if agreement is None:
        raise Http404("Rammeaftalen findes ikke.")
    try:
        report = report_draft(actor=actor, agreement=agreement,
                              operator=Organisation.objects.get(pk=actor.organisation_id), code=code)
    except DomainError as error:
        if isinstance(error, NotAllowed):
            raise
        messages.error(request, error.message_da)
        return redirect("occupancy:overview")
    return redirect("occupancy:report", report_id=report.pk)


def _save_lines(request, actor, lines, *, texts: tuple[str, ...]) -> int:
    """The texts the rulebook asks for, as posted; a text it does not ask for is not on the page and stays as is."""
    saved = 0
    for line in lines:
        if not line.over_threshold:
            continue
        prefix = f"line-{line.pk}-"
        current = {name: getattr(line, name) for name in ("assessment", "challenges", "initiatives")}
        values = {**current, **{name: request.POST.get(prefix + name, "").replace("\x00", "").strip()
                                for name in texts}}
        if values != current:
            report_line_explain(actor=actor, line=line, **values)
            saved += 1
    return saved


@page_view
def report(request, report_id: int):
    """The operator's report: figures per offer; text for each offer over the threshold; save, then submit."""
    actor = actor_for_request(request)
    with missing_as_404():
        occupancy_report = report_get(actor=actor, report_id=report_id)
    editable = (occupancy_report.status == ReportStatus.DRAFT
                and can_report_occupancy(actor, operator_id=occupancy_report.operator_id))
    if request.method == "POST":
        if not editable:
            raise NotAllowed("Indberetningen kan ikke ændres.")
        action = request.POST.get("step", "save")  # not "action": a control named so hides form.action
        try:
            if action == "refresh":
                report_draft(actor=actor, agreement=occupancy_report.agreement, operator=occupancy_report.operator,
                             code=occupancy_report.code)
                messages.info(request, "Tallene er beregnet igen ud fra placeringerne.")
            else:
                _save_lines(request, actor, report_lines(occupancy_report),
                            texts=report_texts(occupancy_report))
                if action == "submit":
                    submitted = report_submit(actor=actor, report=occupancy_report, today=clock.today())
                    if submitted.is_late:
                        messages.warning(request, f"Indberetningen er modtaget efter fristen "
                                                  f"{submitted.deadline:%d.%m.%Y} og er markeret som for sent.")
                    else:
                        messages.success(request, "Indberetningen er sendt til sekretariatet.")
                else:
                    messages.success(request, "Kladden er gemt.")
        except DomainError as error:
            if isinstance(error, NotAllowed):
                raise
            messages.error(request, error.message_da)
        return redirect("occupancy:report", report_id=occupancy_report.pk)
    lines = report_lines(occupancy_report)
    charts = monthly_charts([line for line in lines if line.over_threshold], year=occupancy_report.year,
                            until=occupancy_report.period_end)
    for line in lines:
        line.chart_svg = charts.get(line.offer_id, "")
    return render(request, "occupancy/report.html", {
        "report": occupancy_report, "lines": lines, "editable": editable,
        "assessments": Assessment.choices, "texts": report_texts(occupancy_report),
        "missing": missing_explanations(occupancy_report) if editable else [],
        "over": sum(1 for line in lines if line.over_threshold),
    })


def _compiled(request, agreement_id: int, code: str):
    actor = actor_for_request(request)
    agreement = Agreement.objects.select_related("rulebook", "region").filter(pk=agreement_id).first()
    if agreement is None:
        raise Http404("Rammeaftalen findes ikke.")
    try:
        return compiled_report(actor=actor, agreement=agreement, code=code, today=clock.today())
    except NotAllowed:
        raise
    except DomainError as error:
        raise Http404(error.message_da) from error


@page_view
def compiled(request, agreement_id: int, code: str):
    """The secretariat's view: status per operator, who is late, and the offers over the threshold."""
    report = _compiled(request, agreement_id, code)
    return render(request, "occupancy/compiled.html", {
        "compiled": report, "period": report.period,
        "export_base": reverse("occupancy:compiled", args=[agreement_id, code]),
    })


@page_view
def compiled_export(request, agreement_id: int, code: str, fmt: str):
    report = _compiled(request, agreement_id, code)
    if fmt == "xlsx":
        response = HttpResponse(exports.compiled_xlsx(report), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    elif fmt == "pdf":
        response = HttpResponse(exports.compiled_pdf(report, base_url=request.build_absolute_uri("/")),
                                content_type="application/pdf")
    else:
        raise Http404("Ukendt format.")
    response["Content-Disposition"] = f'attachment; filename="{exports.compiled_filename(report, fmt)}"'
    return response


@page_view
def offer_occupancy(request, offer_id: int):
    """One offer's occupancy per quarter, year to date and year against the budgeted, with the monthly chart."""
    actor = actor_for_request(request)
    today = clock.today()
    year = int_param(request, "year") or today.year
    try:
        with missing_as_404():
            data = offer_occupancy_year(actor=actor, offer_id=offer_id, year=year, today=clock.today())
    except DomainError as error:
        if isinstance(error, NotAllowed):
            raise
        messages.error(request, error.message_da)
        return redirect("occupancy:offer", offer_id=offer_id)
    points = [OccupancyPoint(period=figure.period, start=date(year, int(figure.period[5:]), 1),
                             actual_pct=figure.pct, budgeted_pct=data.budgeted_pct)
              for figure in data.months if date(year, int(figure.period[5:]), 1) <= today]
    chart = chart_svg(occupancy_chart(points, title=f"{data.offer.name}: belægning pr. måned {year}")) if points else ""
    return render(request, "occupancy/offer.html", {
        "data": data, "chart": chart, "years": list(range(today.year, today.year - 6, -1)),
    })
