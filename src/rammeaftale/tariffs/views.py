"""Tariff pages: the tariff list with flags, explanations and exports, a tariff's breakdown, the P/L table, an
offer's budget with approvals and calculation (its yearly category assessment is the occupancy app's:
occupancy/category_views.py).

Thin: read the request, call one selector or service, render. Writes go through the audited services; their
Danish messages are shown beside the field they name, and nothing is saved when they refuse.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError
from rammeaftale.core.limits import YEAR_MAX, YEAR_MIN
from rammeaftale.core.spreadsheet import XLSX_CONTENT_TYPE as XLSX
from rammeaftale.http import PER_PAGE, int_param, missing_as_404, page_view, query_without, wants_partial
from rammeaftale.registry.models import OfferType
from rammeaftale.registry.selectors import agreement_get, agreement_list, operator_list
from rammeaftale.tariffs import selectors, services
from rammeaftale.tariffs.exports import export_filename, tariff_list_pdf, tariff_list_xlsx
from rammeaftale.tariffs.forms import (
    ExplanationForm,
    OccupancyApprovalForm,
    PriceIndexForm,
    ServiceBudgetForm,
    budget_error_place,
)


def _year(year: int) -> int:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise Http404("Året findes ikke.")
    return year


# The tariff list.


def _listing(request, *, with_calculations: bool = False, paged: bool = False):
    actor = actor_for_request(request)
    agreements = list(agreement_list(actor=actor))
    if not agreements:
        raise Http404("Ingen rammeaftaler.")
    this_year = clock.today().year
    agreement_id = int_param(request, "agreement")
    # By default this year's agreement of the user's own region, else a real one, else any that covers the year.
    agreement = next((a for a in agreements if a.pk == agreement_id), None) or next(
        (a for a in agreements if a.covers(this_year) and a.region_id == actor.region_id), None) or next(
        (a for a in agreements if a.covers(this_year) and not a.is_demo), None) or next(
        (a for a in agreements if a.covers(this_year)), agreements[0])
    year = int_param(request, "year") or 0
    if year not in list_years(agreement, agreements):
        year = this_year if agreement.covers(this_year) else agreement.year_to
    flag = request.GET.get("flag", "")
    offer_type = request.GET.get("offer_type", "")
    listing = selectors.tariff_list(
        actor=actor, agreement=agreement_get(actor=actor, agreement_id=agreement.pk), year=year,
        operator_id=int_param(request, "operator"), offer_type=offer_type if offer_type in OfferType.values else "",
        flag=flag if flag in selectors.FLAG_FILTERS else "", with_calculations=with_calculations,
        page=(request.GET.get("page") or 1) if paged else None, per_page=PER_PAGE,
    )
    return actor, agreements, listing


def list_years(agreement, agreements) -> range:
    """The years a tariff list of the agreement can show: its own, and the next when no later agreement of the
    region exists yet (its tariffs, approved or provisional, run under the rules carried on)."""
    later = any(a.region_id == agreement.region_id and a.year_from > agreement.year_to for a in agreements)
    return range(agreement.year_from, agreement.year_to + (1 if later else 2))


@page_view
def tariff_list_view(request):
    actor, agreements, listing = _listing(request, paged=True)
    context = {
        "listing": listing, "agreements": agreements,
        "years": list_years(listing.agreement, agreements),
        "operators": operator_list(actor=actor, region_id=listing.agreement.region_id),
        "offer_types": OfferType.choices, "flags": selectors.FLAG_FILTERS.items(), "query": request.GET.urlencode(),
        "page_query": query_without(request, "page"), "page": listing.page,
        "may_make_provisional": selectors.may_make_provisional(actor=actor, year=listing.year),
    }
    template = "tariffs/_tariff_rows.html" if wants_partial(request) else "tariffs/tariff_list.html"
    return render(request, template, context)


@require_POST
@page_view
def tariff_provisional(request):
    """The secretariat forms the year's provisional tariffs (last year's tariff × P/L) where none is approved."""
    actor = actor_for_request(request)
    year = int_param(request, "year") or 0
    try:
        result = services.tariffs_provisional_ensure(actor=actor, year=year)
    except DomainError as error:
        messages.error(request, error.message_da)
    else:
        messages.success(request, result.message_da) if result.pl_pct is not None else messages.error(
            request, result.message_da)
    return redirect(reverse("tariffs:tariff_list") + f"?agreement={int_param(request, 'agreement') or ''}&year={year}")


@page_view
def tariff_list_export(request, fmt: str):
    _, _, listing = _listing(request, with_calculations=fmt == "xlsx")  # the breakdowns are the XLSX's sheet
    if fmt == "xlsx":
        body, content_type = tariff_list_xlsx(listing), XLSX
    elif fmt == "pdf":
        body, content_type = tariff_list_pdf(listing), "application/pdf"
    else:
        raise Http404("Takstoversigten kan hentes som XLSX og PDF.")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(listing, fmt)}"'
    return response


@page_view
def tariff_explanation(request, tariff_id: int):
    """The explanation of a rise above the rulebook's cap: from the list (htmx swaps the row) or its own page."""
    actor = actor_for_request(request)
    with missing_as_404():
        row = selectors.tariff_list_row(actor=actor, tariff_id=tariff_id)
    form = ExplanationForm(request.POST or None, initial={"text": row.tariff.explanation.text if row.explained
                                                          else ""})
    status = 200
    if request.method == "POST":
        if not row.may_explain:
            raise PermissionDenied("Kun driftsherrens økonomi- og driftsmedarbejdere kan forklare en takststigning, "
                                   "og kun når taksten stiger over et loft, som regelbogen kræver forklaret, eller "
                                   "stigningen skal indberettes.")
        if form.is_valid():
            try:
                services.tariff_explanation_record(actor=actor, tariff=row.tariff, text=form.cleaned_data["text"])
            except DomainError as error:
                form.add_error("text", error.message_da)
            else:
                row = selectors.tariff_list_row(actor=actor, tariff_id=tariff_id)
                if wants_partial(request):
                    return render(request, "tariffs/_tariff_row.html", {"row": row, "saved": True})
                messages.success(request, "Forklaringen er gemt.")
                return redirect("tariffs:tariff_detail", tariff_id=tariff_id)
        status = 400
        if wants_partial(request):  # htmx swaps 2xx answers only: the row comes back with the error beside the field
            return render(request, "tariffs/_tariff_row.html", {"row": row, "form": form, "open": True})
    return render(request, "tariffs/tariff_explanation.html", {"row": row, "form": form}, status=status)


# A tariff's breakdown.


@page_view
def tariff_detail(request, tariff_id: int):
    actor = actor_for_request(request)
    with missing_as_404():
        breakdown = selectors.tariff_breakdown(actor=actor, tariff_id=tariff_id)
    tariff = breakdown.tariff
    agreement = selectors.tariff_agreement(tariff=tariff)
    back = reverse("tariffs:tariff_list") + (f"?agreement={agreement.pk}&year={tariff.year}" if agreement else "")
    return render(request, "tariffs/tariff_detail.html", {"b": breakdown, "tariff": tariff, "back_url": back})


# P/L.


@page_view
def price_index_page(request):
    actor = actor_for_request(request)
    table = selectors.price_index_list(actor=actor)
    initial = {}
    chosen = int_param(request, "year")
    existing = next((row for row in table.rows if row.year == chosen), None)
    if existing is not None:
        initial = {"year": existing.year, "rate_pct": existing.rate_pct, "source": existing.source,
                   "source_url": existing.source_url}
    form = PriceIndexForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if not table.may_maintain:
            raise PermissionDenied("Kun sekretariatet kan vedligeholde P/L-tabellen.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                index = services.price_index_set(actor=actor, year=data["year"], rate_pct=data["rate_pct"],
                                                 source=data["source"], source_url=data["source_url"])
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message_da)
            else:
                messages.success(request, f"P/L for {index.year} er gemt: {str(index.rate_pct).replace('.', ',')} %.")
                return redirect("tariffs:price_index")
        status = 400
    return render(request, "tariffs/price_index.html", {"table": table, "form": form, "editing": existing},
                  status=status)


# An offer's tariffs, budget and category.


@page_view
def offer_tariffs(request, offer_id: int):
    with missing_as_404():
        overview = selectors.offer_tariffs(actor=actor_for_request(request), offer_id=offer_id,
                                           this_year=clock.today().year)
    return render(request, "tariffs/offer_tariffs.html", {"o": overview, "offer": overview.offer})


def _error_attach(form, field: str | None, message: str) -> None:
    """A service's message beside the field it names; an unbound form (shown with the saved values) too."""
    if not form.is_bound and not hasattr(form, "cleaned_data"):
        form.cleaned_data = {}
    form.add_error(field, message)


def _budget_forms(page, data=None) -> list[ServiceBudgetForm]:
    return [ServiceBudgetForm(data, service=line.service, initial=ServiceBudgetForm.initial_from(line.line))
            for line in page.lines]


def _budget_render(request, page, forms, *, status=200, problem="", approval_forms=None):
    approval_forms = approval_forms or {}
    rows = [
        {"view": view, "form": form, "approval_form": approval_forms.get(view.service.pk) or OccupancyApprovalForm(
            prefix=f"a{view.service.pk}", initial={"approved_on": clock.today()})}
        for view, form in zip(page.lines, forms, strict=True)
    ]
    return render(request, "tariffs/budget.html", {"page": page, "rows": rows, "problem": problem,
                                                   "offer": page.offer}, status=status)


@page_view
def budget(request, offer_id: int, year: int):
    """The operator's budget for a year: one form per service; saving replaces the year's budget."""
    actor = actor_for_request(request)
    with missing_as_404():
        page = selectors.budget_page(actor=actor, offer_id=offer_id, year=_year(year))
    if request.method != "POST":
        return _budget_render(request, page, _budget_forms(page))
    forms = _budget_forms(page, request.POST)
    if not page.lines:
        return _budget_render(request, page, forms, status=400,
                              problem="Tilbuddet har ingen ydelser at budgettere; opret ydelserne først.")
    if not all(form.is_valid() for form in forms):
        return _budget_render(request, page, forms, status=400, problem="Budgettet er ikke gemt: ret felterne "
                                                                         "markeret herunder.")
    try:
        result = services.tariff_budget_save(actor=actor, offer=page.offer, year=year,
                                             lines=[form.to_input() for form in forms])
    except DomainError as error:
        form, name = budget_error_place(error.field, forms)
        if form is not None:
            form.add_error(name, error.message_da)
            problem = "Budgettet er ikke gemt: ret felterne markeret herunder."
        else:
            problem = f"Budgettet er ikke gemt: {error.message_da}"
        return _budget_render(request, page, forms, status=400, problem=problem)
    messages.success(request, f"Budgettet for {year} er gemt.")
    for note in result.notes:
        messages.info(request, note)
    return redirect("tariffs:budget", offer_id=offer_id, year=year)


@require_POST
@page_view
def budget_calculate(request, offer_id: int, year: int):
    actor = actor_for_request(request)
    with missing_as_404():
        budget_row = selectors.budget_get(actor=actor, offer_id=offer_id, year=_year(year))
    try:
        calculation = services.tariff_budget_calculate(actor=actor, budget=budget_row)
    except DomainError as error:
        page = selectors.budget_page(actor=actor, offer_id=offer_id, year=year)
        forms = _budget_forms(page)
        form, name = budget_error_place(error.field, forms)
        if form is not None:
            _error_attach(form, name, error.message_da)
        return _budget_render(request, page, forms, status=400,
                              problem=f"Taksterne er ikke beregnet: {error.message_da}")
    first = calculation.tariffs.order_by("service__kind", "service__name").first()
    messages.success(request, f"Taksterne for {year} er beregnet.")
    return redirect("tariffs:tariff_detail", tariff_id=first.pk)


@require_POST
@page_view
def budget_approval(request, offer_id: int, year: int, service_id: int):
    """The approval a budgeted occupancy outside the rulebook's bounds needs (reason, who approved, when)."""
    actor = actor_for_request(request)
    with missing_as_404():
        line = selectors.budget_line_get(actor=actor, offer_id=offer_id, year=_year(year), service_id=service_id)
    form = OccupancyApprovalForm(request.POST, prefix=f"a{service_id}")
    if form.is_valid():
        try:
            services.occupancy_approval_record(actor=actor, line=line, reason=form.cleaned_data["reason"],
                                               approved_by=form.cleaned_data["approved_by"],
                                               approved_on=form.cleaned_data["approved_on"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message_da)
        else:
            messages.success(request, f"Godkendelsen af belægningen for {line.service.name} er registreret.")
            return redirect("tariffs:budget", offer_id=offer_id, year=year)
    page = selectors.budget_page(actor=actor, offer_id=offer_id, year=year)
    return _budget_render(request, page, _budget_forms(page), status=400, approval_forms={service_id: form},
                          problem="Godkendelsen er ikke registreret: ret felterne markeret herunder.")
