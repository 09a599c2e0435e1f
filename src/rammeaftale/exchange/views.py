"""The vacancy exchange's pages: the search, an offer's free places and the operator's confirmation of them."""
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.spreadsheet import XLSX_CONTENT_TYPE
from rammeaftale.exchange import exports, search, selectors, services
from rammeaftale.exchange import public_first as public_first_services
from rammeaftale.exchange.forms import PublicFirstForm, VacancyConfirmForm, VacancySearchForm
from rammeaftale.http import int_param, missing_as_404, page_view, query_without, wants_partial
from rammeaftale.registry import selectors as registry_selectors


@page_view
def offer_vacancy(request, offer_id: int):
    """An offer's free places today and the next months, and the operator's newest confirmation; its operator
    confirms here (the offer page loads this by htmx, and without JavaScript links to it)."""
    actor = actor_for_request(request)
    today = clock.today()
    with missing_as_404():
        vacancy = selectors.offer_vacancy_detail(actor=actor, offer_id=offer_id, today=today)
    form = VacancyConfirmForm(request.POST or None, initial={"free_from": today})
    saved = False
    if request.method == "POST":
        if not vacancy.may_confirm:
            raise PermissionDenied("Kun tilbuddets driftsherre kan bekræfte dets ledige pladser.")
        if form.is_valid():
            try:
                services.vacancy_confirm(actor=actor, offer=vacancy.offer, today=today, **form.cleaned_data)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                if not wants_partial(request):
                    messages.success(request, "De ledige pladser er bekræftet.")
                    return redirect("exchange:offer_vacancy", offer_id=offer_id)
                vacancy = selectors.offer_vacancy_detail(actor=actor, offer_id=offer_id, today=today)
                form, saved = VacancyConfirmForm(initial={"free_from": today}), True
    context = {"vacancy": vacancy, "offer": vacancy.offer, "form": form, "saved": saved}
    status = 400 if request.method == "POST" and form.errors and not wants_partial(request) else 200
    template = "exchange/_offer_vacancy.html" if wants_partial(request) else "exchange/offer_vacancy.html"
    return render(request, template, context, status=status)


# The search


def _search_form(request, actor):
    return VacancySearchForm(
        request.GET or None, paragraphs=registry_selectors.paragraph_list(actor=actor),
        target_groups=registry_selectors.target_group_list(actor=actor),
        regions=registry_selectors.offer_region_list(actor=actor),
        municipalities=registry_selectors.offer_municipality_list(actor=actor))


def _searched(form, actor, today, *, offset: int, limit: int | None):
    """The results, or None with the reason beside its field (an impossible age range, a past date)."""
    if form.is_bound and not form.is_valid():
        return None
    try:
        return search.vacancy_search(actor=actor, search=form.search() if form.is_bound else search.VacancySearch(),
                                     today=today, offset=offset, limit=limit)
    except NotAllowed:
        raise
    except DomainError as error:
        form.add_domain_error(error)
        return None


@page_view
def vacancy_search(request):
    """«Ledige pladser»: offers matching a need, confirmed and nearest first, a page at a time; tick offers to send
    them one request."""
    actor = actor_for_request(request)
    today = clock.today()
    form = _search_form(request, actor)
    page = max(1, int_param(request, "page") or 1)
    results = _searched(form, actor, today, offset=(page - 1) * search.PAGE_SIZE, limit=search.PAGE_SIZE)
    context = {"form": form, "results": results, "page": page, "today": today,
               "query": query_without(request, "page"), "free_days": search.FREE_FOR_DAYS,
               "distances": search.DISTANCES}
    status = 400 if form.errors else 200
    if wants_partial(request):
        return render(request, "exchange/_search_results.html", context, status=status)
    return render(request, "exchange/search.html", context, status=status)


@page_view
def vacancy_search_export(request):
    """The search's every result (up to search.EXPORT_MAX) as XLSX."""
    actor = actor_for_request(request)
    form = _search_form(request, actor)
    results = _searched(form, actor, clock.today(), offset=0, limit=None)
    if results is None:
        return render(request, "exchange/search.html", {"form": form, "results": None}, status=400)
    response = HttpResponse(exports.vacancy_results_xlsx(results), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="ledige-pladser-{results.free_from:%Y-%m-%d}.xlsx"'
    return response


# Public places before private


@page_view
def public_first(request):
    """Before buying in a private offer where the buyer's rules say so: the public vacancies matching it, and the
    reason for buying private anyway; then on to the purchase with the check."""
    actor = actor_for_request(request)
    today = clock.today()
    offer_id = int_param(request, "offer")
    with missing_as_404():
        offer = registry_selectors.offer_detail(actor=actor, offer_id=offer_id or 0, on=today).offer
    form = PublicFirstForm(request.POST or None, initial={"start": _date_param(request, "start") or today})
    if request.method == "POST" and form.is_valid():
        try:
            check = public_first_services.public_vacancy_check(
                actor=actor, offer=offer, start=form.cleaned_data["start"], reason=form.cleaned_data["reason"],
                today=today)
        except NotAllowed:
            raise
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return redirect(f"{reverse('placements:placement_buy')}?offer={offer.pk}&check={check.pk}"
                            f"&start={check.start_date.isoformat()}")
    start = (form.cleaned_data.get("start") if form.is_bound and hasattr(form, "cleaned_data") else None
             ) or form.initial["start"]
    try:
        alternatives = public_first_services.public_alternatives(actor=actor, offer=offer, start=start, today=today)
    except NotAllowed:
        raise
    except DomainError as error:
        form.add_domain_error(error)
        alternatives = None
    status = 400 if form.errors else 200
    return render(request, "exchange/public_first.html",
                  {"offer": offer, "form": form, "alternatives": alternatives, "free_days": search.FREE_FOR_DAYS},
                  status=status)


@page_view
def public_first_list(request):
    """The secretariat's yearly list of purchases in private offers with the public vacancies shown and the reason."""
    actor = actor_for_request(request)
    year = int_param(request, "aar") or clock.today().year
    rows = public_first_services.public_checks_of_year(actor=actor, year=year)
    return render(request, "exchange/public_first_list.html", {"rows": rows, "year": year,
                                                               "years": range(year - 3, year + 2)})


def _date_param(request, name: str):
    try:
        return date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None
