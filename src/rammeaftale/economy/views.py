"""The economy's pages: the report of expense increases (Sjælland) with the steering group's status."""
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.spreadsheet import XLSX_CONTENT_TYPE
from rammeaftale.economy import exports
from rammeaftale.economy.expense_report import expense_increase_status_set, expense_report
from rammeaftale.economy.models import DiscussionStatus
from rammeaftale.http import int_param, missing_as_404, page_view


def _report(request):
    actor = actor_for_request(request)
    year = int_param(request, "aar") or clock.today().year
    region_id = int_param(request, "region") or actor.region_id
    with missing_as_404():
        return expense_report(actor=actor, region_id=region_id or 0, year=year)


@page_view
def expense_increases(request):
    report = _report(request)
    return render(request, "economy/expense_report.html", {
        "report": report, "statuses": DiscussionStatus.choices, "years": range(report.year - 3, report.year + 2)})


@page_view
def expense_increases_export(request, fmt: str):
    if fmt not in ("xlsx", "pdf"):
        raise Http404("Indberetningen kan hentes som XLSX og PDF.")
    report = _report(request)
    if fmt == "xlsx":
        response = HttpResponse(exports.expense_report_xlsx(report), content_type=XLSX_CONTENT_TYPE)
    else:
        response = HttpResponse(exports.expense_report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = (f'attachment; filename="udgiftsstigninger-{report.region.name.lower()}-'
                                       f'{report.year}.{fmt}"')
    return response


@page_view
@require_POST
def expense_increase_status(request, tariff_id: int):
    actor = actor_for_request(request)
    try:
        with missing_as_404():
            record = expense_increase_status_set(actor=actor, tariff_id=tariff_id,
                                                 status=request.POST.get("status", ""),
                                                 note=request.POST.get("note", ""))
    except NotAllowed:
        raise
    except DomainError as error:
        messages.error(request, error.message_da)
        return redirect(f"{reverse('economy:expense_increases')}?aar={request.POST.get('aar', '')}")
    messages.success(request, f"Status for {record.tariff.service.offer.name} er gemt.")
    return redirect(f"{reverse('economy:expense_increases')}?aar={record.tariff.year}")
