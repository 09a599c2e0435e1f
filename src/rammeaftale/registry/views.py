"""The registry's pages: the offer list with live filters, an offer, the offer import, and agreements with
their rulebooks. Thin: read the request, call one selector or service, render."""
from itertools import groupby

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render

from rammeaftale import rulebooks
from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.accounts.permissions import can_import_offers
from rammeaftale.core import clock
from rammeaftale.core.memo import BoundedCache
from rammeaftale.core.spreadsheet import XLSX_CONTENT_TYPE
from rammeaftale.http import (
    int_param,
    missing_as_404,
    page_view,
    paginate,
    query_without,
    text_param,
    wants_partial,
)
from rammeaftale.registry import importing, selectors
from rammeaftale.registry.models import Category, OfferType
from rammeaftale.registry.rules import rulebook_of


def _filters_from(request, *, year: int) -> selectors.OfferFilters:
    offer_type = request.GET.get("offer_type", "")
    category = request.GET.get("category", "")
    return selectors.OfferFilters(
        region_id=int_param(request, "region"),
        operator_id=int_param(request, "operator"),
        paragraph=text_param(request, "paragraph", max_length=20),
        target_group=text_param(request, "target_group", max_length=40),
        category=category if category in Category.values else "",
        offer_type=offer_type if offer_type in OfferType.values else "",
        text=text_param(request, "q"),
        year=year,
    )


def _category_years(agreements, *, this_year: int) -> list[int]:
    """Every year an agreement covers, and this year and the next (categories are set ahead)."""
    years = {this_year, this_year + 1}
    for agreement in agreements:
        years.update(range(agreement.year_from, agreement.year_to + 1))
    return sorted(years, reverse=True)


@page_view
def offer_list(request):
    actor = actor_for_request(request)
    this_year = clock.today().year
    year = int_param(request, "year") or this_year
    filters = _filters_from(request, year=year)
    page = paginate(request, selectors.offer_list(actor=actor, filters=filters, on=clock.today()))
    page.object_list = selectors.offer_groups_attach(list(page.object_list))
    context = {"page": page, "filters": filters, "query": query_without(request, "page")}
    if wants_partial(request):
        return render(request, "registry/_offer_results.html", context)
    context.update(
        regions=selectors.offer_region_list(actor=actor),
        operators=selectors.operator_list(actor=actor),
        paragraphs=selectors.paragraph_list(actor=actor),
        target_groups=selectors.target_group_list(actor=actor),
        categories=Category.choices,
        offer_types=OfferType.choices,
        years=_category_years(selectors.agreement_list(actor=actor), this_year=this_year),
    )
    return render(request, "registry/offer_list.html", context)


@page_view
def offer_detail(request, offer_id: int):
    actor = actor_for_request(request)
    with missing_as_404():
        detail = selectors.offer_detail(actor=actor, offer_id=offer_id, on=clock.today())
    services = [(service, detail.tariffs_by_service.get(service.pk, [])) for service in detail.services]
    return render(request, "registry/offer_detail.html", {"detail": detail, "offer": detail.offer,
                                                          "services": services})


@page_view
def offer_import(request):
    actor = actor_for_request(request)
    if not can_import_offers(actor):
        raise PermissionDenied("Kun driftsherrer, sekretariater og administratorer kan importere tilbud.")
    context = {"columns": importing.COLUMNS, "max_mb": importing.MAX_BYTES // (1024 * 1024)}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["problem"] = "Vælg en CSV- eller XLSX-fil."
        elif upload.size > importing.MAX_BYTES:
            context["problem"] = f"Filen er for stor; højst {context['max_mb']} MB. Intet er gemt."
        else:
            context["result"] = importing.offers_import(
                actor=actor, filename=upload.name, content=upload.read()
            )
    return render(request, "registry/offer_import.html", context)


@page_view
def offer_import_template(request, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404("Skabelonen findes som CSV og XLSX.")
    if not can_import_offers(actor_for_request(request)):
        raise PermissionDenied("Kun driftsherrer, sekretariater og administratorer kan importere tilbud.")
    filename = f"tilbud-skabelon.{fmt}"
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else XLSX_CONTENT_TYPE
    response = HttpResponse(importing.offers_import_template(filename=filename), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@page_view
def agreement_list(request):
    agreements = selectors.agreement_list(actor=actor_for_request(request))
    return render(request, "registry/agreement_list.html", {"agreements": agreements})


_PARAMETERS: BoundedCache[list] = BoundedCache(32)


@page_view
def agreement_detail(request, agreement_id: int):
    actor = actor_for_request(request)
    with missing_as_404():
        agreement = selectors.agreement_get(actor=actor, agreement_id=agreement_id)
    rulebook = rulebook_of(agreement.rulebook)
    # A stored version never changes: its parameters are listed once per process (by checksum).
    parameters = _PARAMETERS.get_or_make(agreement.rulebook.sha256, lambda: rulebooks.rulebook_parameters(rulebook))
    sections = [
        (label, list(rows)) for label, rows in groupby(parameters, key=lambda row: row.section_label_da)
    ]
    document = rulebooks.document_sources().get(rulebook.rulebook.document)
    return render(request, "registry/agreement_detail.html", {
        "agreement": agreement, "meta": rulebook.rulebook, "document": document, "sections": sections,
        "assumed_count": sum(1 for row in parameters if row.assumed is not None),
        "parameter_count": len(parameters),
    })
