"""Tariff pages: the tariff list of an agreement and year with flags and exports, and one tariff's breakdown."""
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.core.errors import NotAllowed
from rammeaftale.registry.models import OfferType
from rammeaftale.registry.selectors import agreement_get, agreement_list, operator_list
from rammeaftale.tariffs.exports import export_filename, tariff_list_pdf, tariff_list_xlsx
from rammeaftale.tariffs.models import Tariff
from rammeaftale.tariffs.selectors import tariff_list


def _listing(request):
    actor = actor_for_request(request)
    agreements = list(agreement_list(actor=actor))
    if not agreements:
        raise Http404("Ingen rammeaftaler.")
    this_year = date.today().year
    try:
        agreement_id = int(request.GET.get("agreement") or 0)
    except ValueError:
        agreement_id = 0
    agreement = next((a for a in agreements if a.pk == agreement_id), None) or next(
        (a for a in agreements if a.covers(this_year) and not a.is_demo), None) or next(
        (a for a in agreements if a.covers(this_year)), agreements[0])
    try:
        year = int(request.GET.get("year") or 0)
    except ValueError:
        year = 0
    if not agreement.covers(year):
        year = this_year if agreement.covers(this_year) else agreement.year_to
    try:
        operator_id = int(request.GET.get("operator") or 0) or None
    except ValueError:
        operator_id = None
    listing = tariff_list(actor=actor, agreement=agreement_get(actor=actor, agreement_id=agreement.pk), year=year,
                          operator_id=operator_id, offer_type=request.GET.get("offer_type", ""))
    return actor, agreements, listing


@login_required
def tariff_list_view(request):
    actor, agreements, listing = _listing(request)
    context = {
        "listing": listing, "agreements": agreements, "years": range(listing.agreement.year_from,
                                                                     listing.agreement.year_to + 1),
        "operators": operator_list(actor=actor, region_id=listing.agreement.region_id),
        "offer_types": OfferType.choices, "query": request.GET.urlencode(),
        "flagged": sum(1 for row in listing.rows if row.exceeds_pl or row.report_required),
    }
    template = "tariffs/_tariff_rows.html" if request.htmx else "tariffs/tariff_list.html"
    return render(request, template, context)


@login_required
def tariff_list_export(request, fmt: str):
    _, _, listing = _listing(request)
    if fmt == "xlsx":
        body, content_type = tariff_list_xlsx(listing), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "pdf":
        body, content_type = tariff_list_pdf(listing), "application/pdf"
    else:
        raise Http404()
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(listing, fmt)}"'
    return response


@login_required
def tariff_detail(request, tariff_id: int):
    actor = actor_for_request(request)
    if not actor.is_authenticated:
        raise NotAllowed()
    tariff = get_object_or_404(
        Tariff.objects.select_related("service", "service__offer", "service__offer__operator", "calculation"),
        pk=tariff_id,
    )
    calculation = None
    if tariff.calculation is not None:
        calculation = next((s for s in tariff.calculation.result["services"] if s["service_id"] == tariff.service_id), None)
    return render(request, "tariffs/tariff_detail.html", {"tariff": tariff, "calculation": calculation,
                                                           "checks": (tariff.calculation.result.get("checks", [])
                                                                      if tariff.calculation else [])})
