"""The capacity and occupancy analysis page (/belaegning/analyse/) and its XLSX and PDF exports.

Every logged-in user may read it for any region: the figures are aggregate, with no citizen data.
"""
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.spreadsheet import XLSX_CONTENT_TYPE as XLSX
from rammeaftale.http import int_param, page_view
from rammeaftale.occupancy.analysis import (
    MAX_YEARS,
    TOP_PURCHASES,
    OccupancyAnalysis,
    analysis_years,
    data_years,
    default_purchase_year,
    occupancy_analysis,
)
from rammeaftale.occupancy.analysis_exports import (
    SEVERAL_PARAGRAPHS,
    analysis_pdf,
    analysis_xlsx,
    export_filename,
    heat_map_spec,
    trend_spec,
)
from rammeaftale.occupancy.charts import cached_svg
from rammeaftale.parties.models import Organisation
from rammeaftale.registry.selectors import region_list


@dataclass(frozen=True)
class Request:
    regions: list[Organisation]
    analysis: OccupancyAnalysis | None
    errors: list[str]
    query: str  # the resolved choices, for the export links
    year_choices: list[int]  # the year selects' years, newest first


def _analysis(request) -> Request:
    """The region (default the user's, else the first) and years asked for; a bad year is named and the default
    span shown instead."""
    actor = actor_for_request(request)
    today = clock.today()
    regions = list(region_list(actor=actor))
    if not regions:
        raise Http404("Ingen regioner.")
    region_id = int_param(request, "region")
    region = next((r for r in regions if r.pk == region_id), None) or next(
        (r for r in regions if r.pk == actor.region_id), regions[0])
    errors = []
    years = data_years(region, today=today)
    try:
        year_from, year_to = analysis_years(request.GET.get("year_from"), request.GET.get("year_to"), today=today,
                                            first_data_year=years[-1])
    except DomainError as error:
        errors.append(error.message_da)
        year_from, year_to = analysis_years(None, None, today=today, first_data_year=years[-1])
    purchase_year = int_param(request, "purchase_year")
    if purchase_year is not None and not year_from <= purchase_year <= year_to:
        errors.append(f"Året for køb på tværs skal ligge i {year_from}–{year_to}; {purchase_year} er erstattet af "
                      f"{default_purchase_year(year_from, year_to, today=today)}.")
        purchase_year = None
    analysis = None
    try:
        analysis = occupancy_analysis(actor=actor, region=region, year_from=year_from, year_to=year_to,
                                      purchase_year=purchase_year, today=today)
    except NotAllowed:
        raise
    except DomainError as error:  # e.g. a region with offers but no agreement to say how notice is charged
        errors.append(error.message_da)
    query = urlencode({"region": region.pk, "year_from": year_from, "year_to": year_to,
                       "purchase_year": analysis.purchases.year if analysis else ""})
    # The years with data, and those asked for (an earlier year typed into the address stays selectable).
    choices = sorted(set(years) | {year_from, year_to}, reverse=True)
    return Request(regions=regions, analysis=analysis, errors=errors, query=query, year_choices=choices)


@page_view
def analysis(request):
    found = _analysis(request)
    this_year = clock.today().year
    context = {
        "regions": found.regions, "analysis": found.analysis, "errors": found.errors, "query": found.query,
        "year_choices": found.year_choices, "max_years": MAX_YEARS,
        "top": TOP_PURCHASES, "several_paragraphs": SEVERAL_PARAGRAPHS, "this_year": this_year,
        "export_formats": (("xlsx", "Hent som Excel (XLSX)"), ("pdf", "Hent som PDF")),
    }
    return render(request, "occupancy/analysis.html", context)


def _charts(analysis: OccupancyAnalysis) -> dict:
    """The page's charts as SVG (each drawn once for its figures): a trend per section that has offers by legal
    paragraph, by section key, and the heat map of the purchases."""
    trends = {section.key: cached_svg(("trend", section, analysis.year_from, analysis.year_to),
                                      lambda section=section: trend_spec(section, year_from=analysis.year_from,
                                                                         year_to=analysis.year_to))
              for section in analysis.sections if section.by_paragraph and not section.is_empty}
    heat_map = (cached_svg(("heat_map", analysis.purchases), lambda: heat_map_spec(analysis.purchases))
                if analysis.purchases.purchases else "")
    return {"trends": trends, "heat_map": heat_map}


@page_view
def analysis_charts(request):
    """The analysis page's charts, loaded after the page (htmx) and swapped into their places by id: the tables
    do not wait for the charts."""
    found = _analysis(request)
    if found.analysis is None:
        return HttpResponse("")
    return render(request, "occupancy/analysis_charts.html", _charts(found.analysis))


@page_view
def analysis_export(request, fmt: str):
    if fmt not in ("xlsx", "pdf"):
        raise Http404("Analysen kan hentes som XLSX og PDF.")
    found = _analysis(request)
    if found.analysis is None:
        raise Http404(" ".join(found.errors))
    if fmt == "xlsx":
        response = HttpResponse(analysis_xlsx(found.analysis), content_type=XLSX)
    else:
        response = HttpResponse(analysis_pdf(found.analysis, base_url=request.build_absolute_uri("/")),
                                content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(found.analysis, fmt)}"'
    return response
