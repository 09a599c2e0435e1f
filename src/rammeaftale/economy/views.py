"""The economy's pages: the report of expense increases (Sjælland) with the steering group's status, the
§ 176 claim statement with the years' thresholds, demand and forecast with the municipalities' expectations, and
new places under Hovedstaden's economic model (subscription and deficit guarantee)."""
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.accounts.models import Role
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.spreadsheet import XLSX_CONTENT_TYPE
from rammeaftale.economy import demand, demand_exports, exports, new_places, refusion, spend
from rammeaftale.economy.expense_report import expense_increase_status_set, expense_report
from rammeaftale.economy.forms import GuaranteeYearForm, NewPlacesForm, RefusionThresholdForm
from rammeaftale.economy.models import DiscussionStatus, Expectation
from rammeaftale.engine.demand import INTERVAL_PCT
from rammeaftale.http import int_param, missing_as_404, page_view
from rammeaftale.parties.models import OrganisationKind
from rammeaftale.reports.charts import chart_svg, spend_chart


def _download(body: bytes, fmt: str, stem: str) -> HttpResponse:
    response = HttpResponse(body, content_type=XLSX_CONTENT_TYPE if fmt == "xlsx" else "application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


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
    body = exports.expense_report_xlsx(report) if fmt == "xlsx" else exports.expense_report_pdf(report)
    return _download(body, fmt, f"udgiftsstigninger-{report.region.name.lower()}-{report.year}")


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


# State refusion (SEL § 176)


@page_view
def refusion_claim_page(request):
    """The municipality's § 176 claim statement for a year; the secretariat enters a year's thresholds."""
    actor = actor_for_request(request)
    year = int_param(request, "aar") or clock.today().year - 1
    if actor.organisation_kind == OrganisationKind.SECRETARIAT or (actor.is_superuser and not actor.organisation_id):
        return redirect(f"{reverse('economy:refusion_thresholds')}?aar={year}")
    claim = refusion.refusion_claim(actor=actor, municipality_id=actor.organisation_id or 0, year=year)
    return render(request, "economy/refusion_claim.html", {"claim": claim, "years": range(year - 3, year + 2)})


@page_view
def refusion_claim_export(request, fmt: str):
    if fmt not in ("xlsx", "pdf"):
        raise Http404("Opgørelsen kan hentes som XLSX og PDF.")
    actor = actor_for_request(request)
    year = int_param(request, "aar") or clock.today().year - 1
    claim = refusion.refusion_claim(actor=actor, municipality_id=actor.organisation_id or 0, year=year)
    if claim.result is None:
        raise DomainError(claim.missing_da)
    body = exports.refusion_claim_xlsx(claim) if fmt == "xlsx" else exports.refusion_claim_pdf(claim)
    return _download(body, fmt, f"refusion-sel-176-{claim.municipality.name.lower()}-{year}")


@page_view
def refusion_thresholds_page(request):
    """The years' thresholds (sourced, entered) and the secretariat's form for a year the package does not hold."""
    actor = actor_for_request(request)
    form = RefusionThresholdForm(request.POST or None, initial={"year": int_param(request, "aar")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        bands = [(data[f"band_{n}_kr"], data[f"band_{n}_pct"]) for n in (1, 2, 3) if data[f"band_{n}_kr"] is not None]
        try:
            refusion.refusion_thresholds_enter(actor=actor, year=data["year"], bands=bands, source=data["source"],
                                               source_url=data["source_url"])
        except NotAllowed:
            raise
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"Tærsklerne for {data['year']} er gemt.")
            return redirect("economy:refusion_thresholds")
    years = refusion.threshold_years()
    return render(request, "economy/refusion_thresholds.html", {
        "years": years, "form": form, "may_enter": refusion.may_enter_thresholds(actor)},
        status=400 if form.errors else 200)


@page_view
def economy_overview(request):
    """What the economy offers the user's organisation and roles."""
    actor = actor_for_request(request)
    return render(request, "economy/overview.html", {
        "may_claim": actor.organisation_kind == OrganisationKind.MUNICIPALITY and actor.has_role(
            Role.ECONOMIST, Role.ADMINISTRATOR),
        "may_enter": refusion.may_enter_thresholds(actor), "year": clock.today().year,
        "may_enter_demand": demand.may_enter_expectations(actor)})


# Spending against P/L


def _spend(request):
    """(actor, overview, the years the selects offer: from the first invoiced year to this year, and those asked
    for); without «fra» the span starts no earlier than the first invoice."""
    actor = actor_for_request(request)
    today = clock.today()
    municipality_id = int_param(request, "kommune")
    if municipality_id is None and actor.organisation_kind == OrganisationKind.MUNICIPALITY:
        municipality_id = actor.organisation_id
    region_id = int_param(request, "region")
    with missing_as_404():
        first_data = spend.first_invoiced_year(actor=actor, municipality_id=municipality_id, region_id=region_id,
                                               today=today)
        last = int_param(request, "til") or today.year
        first = int_param(request, "fra") or min(max(last - 3, first_data), last)
        overview = spend.spend_overview(actor=actor, municipality_id=municipality_id, region_id=region_id,
                                        first_year=first, last_year=last, today=today)
    years = sorted(set(range(first_data, today.year + 1)) | {first, last})
    return actor, overview, years


@page_view
def spend_page(request):
    """A municipality's (or the region's) purchases and sales by year against P/L, with the cases."""
    actor, overview, years = _spend(request)
    chart = _spend_chart(overview)
    return render(request, "economy/spend.html", {
        "overview": overview, "chart": chart, "query": request.GET.urlencode(),
        "municipalities": spend.municipalities_of(actor=actor, region_id=overview.region.pk),
        "is_secretariat": actor.is_superuser or actor.organisation_kind == OrganisationKind.SECRETARIAT,
        "years": years})


def _spend_chart(overview) -> str:
    """The purchases and the P/L line over the whole years invoiced; none before a whole year is (Vega draws a chart
    without data points infinitely wide, and Chromium's renderer dies of it)."""
    rows = spend.chart_rows(overview)
    return chart_svg(spend_chart(rows, title=f"Køb {overview.label} og P/L")) if rows else ""


@page_view
def spend_export(request, fmt: str):
    if fmt not in ("xlsx", "pdf"):
        raise Http404("Forbruget kan hentes som XLSX og PDF.")
    _, overview, _ = _spend(request)
    stem = f"forbrug-{overview.label.lower().replace(' ', '-')}-{overview.first_year}-{overview.last_year}"
    body = (exports.spend_xlsx(overview) if fmt == "xlsx"
            else exports.spend_pdf(overview, chart=_spend_chart(overview)))
    return _download(body, fmt, stem)


# Demand and forecast (behovsanalyse)


def _demand(request):
    actor = actor_for_request(request)
    region_id = int_param(request, "region") or actor.region_id
    with missing_as_404():
        return demand.demand_analysis(actor=actor, region_id=region_id or 0, today=clock.today())


@page_view
def demand_page(request):
    """Per target group: the years' placements, place-days and capacity, the forecast against capacity, the
    municipalities' expectations; per paragraph the same figures without expectations."""
    analysis = _demand(request)
    actor = actor_for_request(request)
    return render(request, "economy/demand.html", {
        "analysis": analysis, "groups": [(group, chart_svg(demand_exports.group_chart(group)))
                                         for group in analysis.by_target_group],
        "interval_pct": INTERVAL_PCT, "may_enter": demand.may_enter_expectations(actor)})


@page_view
def demand_export(request, fmt: str):
    if fmt != "xlsx":
        raise Http404("Behovsanalysen kan hentes som XLSX.")
    analysis = _demand(request)
    return _download(demand_exports.demand_xlsx(analysis), fmt,
                     f"behov-og-prognose-{analysis.region.name.lower()}-{analysis.today.year}")


@page_view
def demand_expectations_page(request):
    """A municipality's expected demand for next year, one row per target group of its region's offers."""
    actor = actor_for_request(request)
    if not demand.may_enter_expectations(actor):
        raise NotAllowed("Kun kommunens sagsbehandlere, økonomer og administratorer angiver kommunens forventede "
                         "behov.", message_en="only a municipality's users enter its expected demand")
    year = clock.today().year + 1
    groups = demand.expectation_target_groups(actor=actor)
    current = demand.demand_expectations(actor=actor, year=year)
    status = 200
    if request.method == "POST":
        try:
            with transaction.atomic():
                saved = 0
                for group in groups:
                    choice = request.POST.get(f"expectation-{group.pk}", "")
                    if not choice:
                        continue
                    try:
                        demand.demand_expectation_set(
                            actor=actor, municipality_id=actor.organisation_id or 0, year=year,
                            target_group_id=group.pk, expectation=choice,
                            note=request.POST.get(f"note-{group.pk}", ""), today=clock.today())
                    except NotAllowed:
                        raise
                    except DomainError as error:
                        raise DomainError(f"{group.name}: {error.message_da}", message_en=error.message_en) from error
                    saved += 1
        except NotAllowed:
            raise
        except DomainError as error:
            messages.error(request, error.message_da)
            status = 400
        else:
            messages.success(request, f"Kommunens forventninger til {year} er gemt ({saved} målgrupper).")
            return redirect("economy:demand_expectations")
    rows = [(group, current.get(group.pk), request.POST.get(f"expectation-{group.pk}") if request.method == "POST"
             else None, request.POST.get(f"note-{group.pk}") if request.method == "POST" else None)
            for group in groups]
    return render(request, "economy/demand_expectations.html", {
        "year": year, "rows": rows, "choices": Expectation.choices}, status=status)


# New places under the economic model (Region Hovedstaden)


@page_view
def new_places_page(request):
    """The region's arrangements, and the secretariat's form to set one up."""
    actor = actor_for_request(request)
    form = None
    if new_places.may_set_up(actor):
        form = NewPlacesForm(request.POST or None, offers=new_places.offers_for_new_places(actor=actor),
                             municipalities=new_places.region_municipalities(actor=actor),
                             initial={"first_year": clock.today().year})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                arrangement = new_places.new_places_arrangement_create(
                    actor=actor, offer_id=data["offer"], kind=data["kind"], places=data["places"],
                    first_year=data["first_year"], participant_ids=data["participants"], sharing=data["sharing"],
                    population_date=data["population_date"], subscription_years=data["subscription_years"],
                    subscription_yearly_kr=data["subscription_yearly"],
                    decision_reference=data["decision_reference"])
            except NotAllowed:
                raise
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, f"{arrangement} er oprettet under økonomimodellen.")
                return redirect("economy:new_places_detail", arrangement_id=arrangement.pk)
    elif request.method == "POST":
        raise NotAllowed("Kun regionens sekretariat opretter nye pladser under økonomimodellen.")
    return render(request, "economy/new_places.html", {
        "arrangements": new_places.new_places_arrangements(actor=actor), "form": form},
        status=400 if form is not None and form.errors else 200)


@page_view
def new_places_detail(request, arrangement_id: int):
    actor = actor_for_request(request)
    today = clock.today()
    with missing_as_404():
        detail = new_places.new_places_arrangement_detail(actor=actor, arrangement_id=arrangement_id, today=today)
    form = None
    if detail.may_decide:
        form = GuaranteeYearForm(request.POST or None,
                                 initial={"year_of_operation": detail.next_year_of_operation})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                decided = new_places.guarantee_year_decide(
                    actor=actor, arrangement_id=arrangement_id, year_of_operation=data["year_of_operation"],
                    deficit_kr=data["deficit"], decision_reference=data["decision_reference"], today=today)
            except NotAllowed:
                raise
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, f"Driftsår {decided.year_of_operation} er fastsat; andelene faktureres "
                                          "med driftsherrens næste månedsafregning.")
                return redirect("economy:new_places_detail", arrangement_id=arrangement_id)
    elif request.method == "POST":
        raise NotAllowed("Kun regionens sekretariat fastsætter årets underskud og garantien.")
    return render(request, "economy/new_places_detail.html", {"detail": detail, "form": form},
                  status=400 if form is not None and form.errors else 200)


@page_view
def new_places_export(request, arrangement_id: int):
    actor = actor_for_request(request)
    with missing_as_404():
        detail = new_places.new_places_arrangement_detail(actor=actor, arrangement_id=arrangement_id,
                                                          today=clock.today())
    return _download(exports.new_places_xlsx(detail), "xlsx", f"nye-pladser-{arrangement_id}")
