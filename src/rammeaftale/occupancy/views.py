"""The occupancy report pages: the operator's economist drafts and submits; the secretariat sees it compiled."""
from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.accounts.permissions import can_report_occupancy
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.spreadsheet import XLSX_CONTENT_TYPE
from rammeaftale.http import confirmed, dry_run, int_param, missing_as_404, page_view
from rammeaftale.occupancy import exports
from rammeaftale.occupancy.charts import chart_title, line_chart, month_chart_svg
from rammeaftale.occupancy.models import Assessment, ReportStatus
from rammeaftale.occupancy.reporting import missing_explanations, region_reporting_periods, report_texts
from rammeaftale.occupancy.selectors import (
    can_compile,
    compiled_report,
    offer_occupancy_year,
    report_get,
    report_line,
    report_lines,
    report_lines_over_threshold,
    reports_of_operator,
)
from rammeaftale.occupancy.services import report_draft, report_lines_explain, report_submit
from rammeaftale.parties.models import Organisation
from rammeaftale.registry.models import Agreement
from rammeaftale.reports.charts import OccupancyPoint
from rammeaftale.rulebooks.display import date_da


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


def _save_lines(request, actor, report, *, texts: tuple[str, ...]) -> int:
    """The texts the rulebook asks for, as posted, for the lines over the threshold; a text it does not ask for is
    not on the page and stays as is. One service call for every line."""
    explanations = {
        line_id: {name: request.POST.get(f"line-{line_id}-{name}", "").replace("\x00", "").strip() for name in texts}
        for line_id in report_lines_over_threshold(report)
    }
    if not explanations or not texts:
        return 0
    return len(report_lines_explain(actor=actor, report=report, explanations=explanations))


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
        if action == "save" and getattr(request, "htmx", False):
            return _save_partial(request, actor, occupancy_report)
        if action == "submit" and confirmed(request):
            return _submit(request, actor, occupancy_report)
        try:
            if action == "refresh":
                report_draft(actor=actor, agreement=occupancy_report.agreement, operator=occupancy_report.operator,
                             code=occupancy_report.code)
                messages.info(request, "Tallene er beregnet igen ud fra placeringerne.")
            else:
                _save_lines(request, actor, occupancy_report, texts=report_texts(occupancy_report))
                if action == "submit":  # the texts are saved as a draft; sending is asked once
                    outcome = dry_run(lambda: _submit_outcome(actor, occupancy_report))
                    return render(request, "occupancy/report_confirm.html", {"report": occupancy_report,
                                                                              "outcome": outcome})
                else:
                    messages.success(request, "Kladden er gemt.")
        except DomainError as error:
            if isinstance(error, NotAllowed):
                raise
            messages.error(request, error.message_da)
        return redirect("occupancy:report", report_id=occupancy_report.pk)
    lines = report_lines(occupancy_report)
    return render(request, "occupancy/report.html", {
        "report": occupancy_report, "lines": lines, "editable": editable,
        "assessments": Assessment.choices, "texts": report_texts(occupancy_report),
        "missing": missing_explanations(occupancy_report) if editable else [],
        "over": sum(1 for line in lines if line.over_threshold),
    })


@dataclass(frozen=True)
class SubmitOutcome:
    """The report as submitting it would leave it: the day, on time or late, and what it holds."""

    submitted_on: date
    is_late: bool
    offers: int
    over_threshold: int
    secretariat: str


def _submit_outcome(actor, occupancy_report) -> SubmitOutcome:
    submitted = report_submit(actor=actor, report=occupancy_report, today=clock.today())
    lines = submitted.lines.all()  # as the submission recomputed them
    return SubmitOutcome(submitted_on=submitted.submitted_on, is_late=submitted.is_late, offers=lines.count(),
                         over_threshold=lines.filter(over_threshold=True).count(),
                         secretariat=f"Sekretariatet i {submitted.agreement.region}")


def _submit(request, actor, occupancy_report):
    """The confirmed submission: the texts were saved when it was asked, so nothing but the report is posted."""
    try:
        submitted = report_submit(actor=actor, report=occupancy_report, today=clock.today())
    except DomainError as error:
        if isinstance(error, NotAllowed):
            raise
        messages.error(request, error.message_da)
    else:
        done = (f"Indberetningen {submitted.name} {submitted.year} er sendt til sekretariatet den "
                f"{date_da(submitted.submitted_on)}")
        if submitted.is_late:
            messages.warning(request, f"{done}; den er modtaget efter fristen {date_da(submitted.deadline)} og er "
                                      "markeret som for sent.")
        else:
            messages.success(request, f"{done}, inden fristen {date_da(submitted.deadline)}.")
    return redirect("occupancy:report", report_id=occupancy_report.pk)


def _save_partial(request, actor, occupancy_report):
    """The save through htmx: the texts written as in the whole-page save, answered with the page's feedback part
    (the message and what is still missing) instead of a redirect to the whole page."""
    try:
        _save_lines(request, actor, occupancy_report, texts=report_texts(occupancy_report))
    except DomainError as error:
        if isinstance(error, NotAllowed):
            raise
        saved = {"level": "error", "text": error.message_da}
    else:
        saved = {"level": "success", "text": "Kladden er gemt."}
    return render(request, "occupancy/_report_feedback.html",
                  {"saved": saved, "missing": missing_explanations(occupancy_report)})


@page_view
def report_chart(request, report_id: int, offer_id: int):
    """One offer's monthly chart in the report, loaded by the report page after it is shown (htmx): the page itself
    does not wait for a chart per offer. Whoever may see the report may see its charts."""
    actor = actor_for_request(request)
    with missing_as_404():
        occupancy_report = report_get(actor=actor, report_id=report_id)
    line = report_line(occupancy_report, offer_id=offer_id)
    if line is None:
        raise Http404("Tilbuddet har ingen graf i indberetningen.")
    return HttpResponse(line_chart(line, year=occupancy_report.year, until=occupancy_report.period_end))


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
    # The offers over the threshold can be many (84 in the demo): the page narrows them to one operator and to the
    # lines not yet reported; the exports always hold them all.
    operator_id, unreported = int_param(request, "operator"), request.GET.get("reported") == "no"
    lines = [line for line in report.over_threshold
             if (operator_id is None or line.offer.operator_id == operator_id)
             and not (unreported and line.offer_id in report.reported)]
    submitted = sum(1 for status in report.statuses if status.submitted)
    return render(request, "occupancy/compiled.html", {
        "compiled": report, "period": report.period, "lines": lines, "submitted_count": submitted,
        "filters": {"operator": operator_id, "unreported": unreported},
        "export_base": reverse("occupancy:compiled", args=[agreement_id, code]),
    })


@page_view
def compiled_export(request, agreement_id: int, code: str, fmt: str):
    report = _compiled(request, agreement_id, code)
    if fmt == "xlsx":
        response = HttpResponse(exports.compiled_xlsx(report), content_type=XLSX_CONTENT_TYPE)
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
    return render(request, "occupancy/offer.html", {
        "data": data, "has_chart": any(_month_start(figure, year) <= today for figure in data.months),
        "years": list(range(today.year, today.year - 6, -1)),
    })


def _month_start(figure, year: int) -> date:
    return date(year, int(figure.period[5:]), 1)


@page_view
def offer_chart(request, offer_id: int):
    """The offer page's monthly chart, loaded after the page (htmx); the same reading as the page."""
    actor = actor_for_request(request)
    today = clock.today()
    year = int_param(request, "year") or today.year
    with missing_as_404():
        data = offer_occupancy_year(actor=actor, offer_id=offer_id, year=year, today=today)
    points = [OccupancyPoint(period=figure.period, start=_month_start(figure, year), actual_pct=figure.pct,
                             budgeted_pct=data.budgeted_pct)
              for figure in data.months if _month_start(figure, year) <= today]
    if not points:
        return HttpResponse("")
    return HttpResponse(month_chart_svg(title=chart_title(data.offer.name, year), points=points))
