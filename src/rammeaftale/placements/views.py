"""Placement pages: the list (scoped by role), buying a place, the detail with its actions and the contract PDF.

Thin: read the request, call one selector or service, render. A service's DomainError is shown beside the field it
names; NotAllowed becomes the Danish 403 page and a placement the actor may not see is a 404.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST

from rammeaftale.accounts.actor import Actor, actor_for_request
from rammeaftale.accounts.permissions import (
    can_answer_payer_consent,
    can_buy_place,
    can_list_placements,
    can_manage_placement_as_operator,
)
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.http import (
    ByIds,
    carried,
    confirmed,
    dry_run,
    int_param,
    missing_as_404,
    page_view,
    paginate,
    query_without,
    text_param,
    wants_partial,
)
from rammeaftale.parties.models import OrganisationKind
from rammeaftale.placements import contract, forms, selectors, services
from rammeaftale.placements.models import Placement, PlacementStatus
from rammeaftale.registry import selectors as registry_selectors
from rammeaftale.registry.models import ServiceUnit
from rammeaftale.rulebooks.display import date_da
from rammeaftale.tariffs.timeline import tariffs_missing, tariffs_on

SIDES = (("", "Købt og solgt"), ("bought", "Købt (handle- eller betalingskommune)"), ("sold", "Solgt (driftsherre)"))


def _require_placement_access(actor: Actor) -> None:
    if not can_list_placements(actor):
        raise PermissionDenied("Placeringer indeholder personoplysninger; dine roller giver ikke adgang til dem.")


# The list


@page_view
def placement_list_view(request):
    actor = actor_for_request(request)
    _require_placement_access(actor)
    status = request.GET.get("status", "")
    side = request.GET.get("side", "")
    filters = selectors.PlacementFilters(
        status=status if status in PlacementStatus.values else "",
        side=side if side in ("bought", "sold") else "",
        offer_id=int_param(request, "offer"),
        text=text_param(request, "q", max_length=100),
    )
    page = paginate(request, ByIds(selectors.placement_list(actor=actor, filters=filters)))
    context = {"page": page, "filters": filters, "query": query_without(request, "page")}
    if wants_partial(request):
        return render(request, "placements/_placement_results.html", context)
    context.update(statuses=PlacementStatus.choices, sides=SIDES,
                   consents_waiting=selectors.placement_consent_count(actor=actor))
    return render(request, "placements/placement_list.html", context)


# Buying a place


def _buy_offer(request, actor: Actor):
    offer_id = int_param(request, "offer")
    if offer_id is None:
        return None
    with missing_as_404():
        return registry_selectors.offer_detail(actor=actor, offer_id=offer_id, on=clock.today())


def _vacancy_context(detail, start: date) -> dict:
    """The vacancy and each service's tariff on the start day (from the tariff timeline), with what is missing."""
    service_ids = [service.pk for service in detail.services]
    on_start = tariffs_on(service_ids=service_ids, day=start)
    missing = {item.service.pk: item for item in tariffs_missing(
        service_ids=[pk for pk in service_ids if pk not in on_start], first_day=start,
        last_day=start + timedelta(days=1))}
    tariffs = [(service, on_start.get(service.pk), missing.get(service.pk)) for service in detail.services]
    return {"offer": detail.offer, "start": start, "tariffs": tariffs,
            "vacancy": selectors.offer_vacancy(offer=detail.offer, on=start)}


@page_view
def placement_buy(request):
    actor = actor_for_request(request)
    if not can_buy_place(actor, acting_municipality_id=actor.organisation_id):
        raise PermissionDenied("Kun kommunens sagsbehandlere kan købe en plads.")
    detail = _buy_offer(request, actor)
    if detail is None:
        messages.info(request, "Vælg det tilbud, du vil købe en plads i, og tryk «Køb plads».")
        return redirect("registry:offer_list")
    offer = detail.offer
    check_id = int_param(request, "check")
    if check_id is None and services.public_check_required(buyer_region_id=actor.region_id, offer=offer,
                                                           start=clock.today()):
        # The buyer's rules: the public vacancies first (the exchange's page), then back here with the check.
        return redirect(f"{reverse('exchange:public_first')}?offer={offer.pk}")
    municipalities = registry_selectors.organisation_list(actor=actor, kind=OrganisationKind.MUNICIPALITY)
    own = municipalities.filter(pk=actor.organisation_id).first()
    try:  # the start date chosen before (the public vacancies' page), if any
        initial = {"start_date": date.fromisoformat(request.GET.get("start", ""))}
    except ValueError:
        initial = {}
    form = forms.PlacementBuyForm(request.POST or None, offer=offer, municipalities=municipalities,
                                  own_municipality=own, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            placement = services.placement_request(
                actor=actor, reserve=data["reserve"],
                request=services.PlacementRequest(
                    offer=offer, paying_municipality=data["paying_municipality"],
                    citizen_name=data["citizen_name"], cpr=data["cpr"], start_date=data["start_date"],
                    planned_end=data["planned_end"], citizen_address=data["citizen_address"],
                    custody=data["custody"], contact_name=data["contact_name"], contact_phone=data["contact_phone"],
                    contact_email=data["contact_email"], services=tuple(data["services"]),
                    payment_agreement=data["payment_agreement"],
                    payment_agreement_follows_tariff_principles=data["payment_agreement_follows_tariff_principles"],
                    payer_justification=data["payer_justification"], public_check_id=check_id,
                ),
            )
        except NotAllowed:
            raise
        except DomainError as error:
            form.add_domain_error(error)
            if error.code == "capacity_exceeded":
                form.add_error(None, "Tilbuddet er fuldt optaget i perioden. Fjern fluebenet i «Reservér pladsen nu» "
                                     "for at sende en anmodning, som driftsherren kan bekræfte med overbelægning.")
        else:
            if not placement.payer_consented:
                state = (f"anmodningen er sendt til betalingskommunen ({placement.paying_municipality}); købet gælder, "
                         "når den accepterer")
            elif placement.status == PlacementStatus.RESERVED:
                state = "pladsen er reserveret"
            else:
                state = "anmodningen er sendt til driftsherren"
            messages.success(request, f"Placering {placement.reference} er oprettet, og {state}.")
            return redirect("placements:placement_detail", placement_id=placement.pk)
    start = (form.cleaned_data.get("start_date") if form.is_bound else None) or clock.today()
    context = {"form": form, "detail": detail, **_vacancy_context(detail, start)}
    return render(request, "placements/placement_buy.html", context, status=400 if form.is_bound else 200)


@page_view
def placement_buy_vacancy(request):
    """The vacancy and tariffs on the chosen start date (htmx, as the date changes)."""
    actor = actor_for_request(request)
    detail = _buy_offer(request, actor)
    if detail is None:
        raise Http404("Vælg et tilbud.")
    try:
        start = date.fromisoformat(request.GET.get("start_date", ""))
    except ValueError:
        start = clock.today()
    return render(request, "placements/_vacancy.html", _vacancy_context(detail, start))


# The detail and its actions


@dataclass(frozen=True)
class Action:
    slug: str  # in the URL: /placeringer/<id>/<slug>/
    form_class: type[forms.DomainErrorForm]
    service: Callable[[Actor, Placement, dict], object]
    done_da: str


def _reserve(actor, placement, data):
    return services.placement_reserve(actor=actor, placement=placement,
                                      over_occupancy_reason=data.get("over_occupancy_reason", ""))


def _activate(actor, placement, data):
    return services.placement_activate(actor=actor, placement=placement)


def _notice(actor, placement, data):
    return services.placement_notice_give(actor=actor, placement=placement, given_on=data["given_on"],
                                          moved_out_on=data["moved_out_on"])


def _move_out(actor, placement, data):
    return services.placement_move_out(actor=actor, placement=placement, moved_out_on=data["moved_out_on"])


def _end_date(actor, placement, data):
    return services.placement_end_date_set(actor=actor, placement=placement, end_date=data["end_date"],
                                           reason=data["reason"], today=clock.today(),
                                           operator_agreement=data.get("operator_agreement", ""))


def _cancel(actor, placement, data):
    return services.placement_cancel(actor=actor, placement=placement, reason=data["reason"])


def _hours(actor, placement, data):
    return services.hours_register(actor=actor, placement_service=data["placement_service"], day=data["day"],
                                   minutes=data["minutes"])


def _household(actor, placement, data):
    return services.placement_household_set(actor=actor, placement=placement, household_key=data["household_key"])


class _NoFields(forms.DomainErrorForm):
    pass


ACTIONS = {
    "reserve": Action("reserver", forms.ReserveForm, _reserve, "Reservationen er bekræftet."),
    "activate": Action("indflytning", _NoFields, _activate, "Indflytningen er registreret; placeringen er aktiv."),
    "notice": Action("opsig", forms.NoticeForm, _notice, "Opsigelsen er registreret."),
    "move_out": Action("fraflytning", forms.MoveOutForm, _move_out, "Fraflytningen er registreret."),
    "end_date": Action("slutdato", forms.EndDateForm, _end_date,
                       "Slutdatoen er gemt. Næste afregningskørsel krediterer og fakturerer forskellen."),
    "cancel": Action("annuller", forms.ReasonForm, _cancel, "Købet er annulleret."),
    "hours": Action("timer", forms.HoursForm, _hours, "Timerne er registreret."),
    "household": Action("husstand", forms.HouseholdForm, _household, "Husstanden er gemt."),
}
ACTION_BY_SLUG = {action.slug: name for name, action in ACTIONS.items()}


# The binding actions: asked once, with what they will do (placements/placement_confirm.html).


@dataclass(frozen=True)
class NoticeOutcome:
    """Notice as the service would give it: its dates, the rule it follows, and what is charged."""

    title_da = "Bekræft opsigelsen"
    button_da = "Ja, opsig pladsen"
    given_on: date
    notice_end: date  # the first day after the notice
    moved_out_on: date | None
    charged_until: date | None  # the first day not charged
    terms: selectors.PlacementTerms
    full_tariff: bool

    @property
    def notice_last_day(self) -> date:
        return self.notice_end - timedelta(days=1)

    @property
    def last_charged_day(self) -> date | None:
        return self.charged_until - timedelta(days=1) if self.charged_until else None


@dataclass(frozen=True)
class CancelOutcome:
    title_da = "Bekræft annulleringen"
    button_da = "Ja, annullér købet"
    reason: str
    status_da: str  # the status it has now


def _notice_outcome(actor, placement, data) -> NoticeOutcome:
    given = _notice(actor, placement, data)
    terms = selectors.placement_terms(placement=given, today=data["given_on"])  # the rules of the day given
    return NoticeOutcome(given_on=given.notice_given_on, notice_end=terms.notice_end_if_given(given.notice_given_on),
                         moved_out_on=given.moved_out_on, charged_until=selectors.charged_until(given), terms=terms,
                         full_tariff=bool(given.notice_full_tariff))


def _cancel_outcome(actor, placement, data) -> CancelOutcome:
    status_da = placement.get_status_display()
    return CancelOutcome(reason=_cancel(actor, placement, data).cancelled_reason, status_da=status_da)


CONFIRMATIONS = {"notice": _notice_outcome, "cancel": _cancel_outcome}


def _done_da(action: str, done) -> str:
    """What was done, said with its dates where the action has them."""
    if action == "notice":
        until = selectors.charged_until(done)
        paid = f"; der betales til og med {date_da(until - timedelta(days=1))}" if until else ""
        return (f"Pladsen er opsagt den {date_da(done.notice_given_on)}; opsigelsesperioden løber til og med "
                f"{date_da(done.notice_end - timedelta(days=1))}{paid}.")
    if action == "cancel":
        return f"Købet af placering {done.reference} er annulleret; pladsen er ledig igen."
    return ACTIONS[action].done_da


def _hour_services(placement: Placement):
    ids = [ps.pk for ps in placement.services.all() if ps.service.unit == ServiceUnit.HOUR]
    return placement.services.filter(pk__in=ids).select_related("service", "placement")


def _action_form(name: str, placement: Placement, data=None):
    kwargs = {"placement_services": _hour_services(placement)} if name == "hours" else {}
    if name == "household":
        kwargs["initial"] = {"household_key": placement.household_key}
    return ACTIONS[name].form_class(data, prefix=name, **kwargs)


def _detail_context(actor: Actor, placement: Placement, *, bound: dict | None = None, cpr_form=None,
                    full_cpr: str | None = None) -> dict:
    today = clock.today()
    actions = selectors.placement_actions(actor=actor, placement=placement)
    try:
        terms = selectors.placement_terms(placement=placement, today=today)
        terms_problem = ""
    except DomainError as error:
        terms, terms_problem = None, error.message_da
    days = sorted({placement.start_date, today})
    tariffs = {day: selectors.placement_tariffs(placement=placement, on=day) for day in days}
    bought = [(ps, [(day, tariffs[day].get(ps.service_id)) for day in days]) for ps in placement.services.all()]
    forms_by_action = {name: _action_form(name, placement) for name in ACTIONS if name in actions}
    forms_by_action.update(bound or {})  # a failed action keeps its input and shows the errors beside it
    may_read_cpr = selectors.may_read_full_cpr(actor=actor, placement=placement)
    return {
        "placement": placement, "offer": placement.offer, "actions": actions, "forms": forms_by_action,
        "failed": next(iter((bound or {}).values()), None),
        "terms": terms, "terms_problem": terms_problem,
        "bought": bought, "tariff_days": days,
        "charged_until": selectors.charged_until(placement),
        "notice_preview": terms.notice_end_if_given(today) if terms and "notice" in actions else None,
        "earliest_end": selectors.earliest_end(placement=placement, today=today) if terms and "end_date" in actions
        else None,
        "today": today,
        "as_operator": can_manage_placement_as_operator(actor, operator_id=placement.offer.operator_id),
        "hours": selectors.placement_hours(placement=placement) if "hours" in actions else [],
        "may_read_cpr": may_read_cpr,
        "cpr_form": cpr_form or (forms.CprRevealForm(prefix="cpr") if may_read_cpr else None),
        "full_cpr": full_cpr,
        "paragraphs": list(placement.offer.paragraphs.all()),
    }


def _placement(actor: Actor, placement_id: int) -> Placement:
    with missing_as_404():
        return selectors.placement_get(actor=actor, placement_id=placement_id)


@page_view
def placement_detail(request, placement_id: int):
    actor = actor_for_request(request)
    placement = _placement(actor, placement_id)
    return render(request, "placements/placement_detail.html", _detail_context(actor, placement))


@require_POST
@page_view
def placement_action(request, placement_id: int, slug: str):
    actor = actor_for_request(request)
    placement = _placement(actor, placement_id)
    action = ACTION_BY_SLUG.get(slug)
    if action is None:
        raise Http404("Handlingen findes ikke.")
    form = _action_form(action, placement, request.POST)
    if form.is_valid():
        asked = action in CONFIRMATIONS and not confirmed(request)
        try:
            if asked:  # binding: what it will do, from the service itself (rolled back), and the question
                outcome = dry_run(lambda: CONFIRMATIONS[action](actor, placement, form.cleaned_data))
            else:
                done = ACTIONS[action].service(actor, placement, form.cleaned_data)
        except NotAllowed:
            raise
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if asked:
                return render(request, "placements/placement_confirm.html", {
                    "placement": placement, "offer": placement.offer, "action": action, "outcome": outcome,
                    "fields": carried(request, *(form.add_prefix(name) for name in form.fields)),
                    "button": outcome.button_da, "title": outcome.title_da,
                })
            messages.success(request, _done_da(action, done))
            return redirect(reverse("placements:placement_detail", args=[placement.pk]) + f"#{action}")
    placement = _placement(actor, placement_id)  # as stored: the failed action changed nothing
    return render(request, "placements/placement_detail.html",
                  _detail_context(actor, placement, bound={action: form}), status=400)


def _no_store(response: HttpResponse) -> HttpResponse:
    """A full CPR number must not stay in a cache or the browser's history."""
    patch_cache_control(response, no_store=True, no_cache=True, private=True)
    return response


@require_POST
@page_view
def placement_cpr(request, placement_id: int):
    """Show the full CPR number once, on this response only; the read is logged with the reason."""
    actor = actor_for_request(request)
    placement = _placement(actor, placement_id)
    form = forms.CprRevealForm(request.POST, prefix="cpr")
    full_cpr = None
    if form.is_valid():
        try:
            full_cpr = services.placement_cpr_read(actor=actor, placement=placement, reason=form.cleaned_data["reason"])
        except NotAllowed:
            raise
        except DomainError as error:
            form.add_domain_error(error)
    status = 200 if full_cpr else 400
    if wants_partial(request):
        response = render(request, "placements/_cpr.html", {
            "placement": placement, "may_read_cpr": True, "cpr_form": form, "full_cpr": full_cpr,
        }, status=status)
    else:
        response = render(request, "placements/placement_detail.html",
                          _detail_context(actor, placement, cpr_form=form, full_cpr=full_cpr), status=status)
    return _no_store(response)


@page_view
def placement_contract_pdf(request, placement_id: int):
    """The standard contract; with the full CPR number (a logged read) for those who may see it."""
    actor = actor_for_request(request)
    placement = _placement(actor, placement_id)
    data = contract.placement_contract(actor=actor, placement=placement,
                                       masked=request.GET.get("cpr") == "maskeret")
    response = HttpResponse(contract.placement_contract_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{contract.contract_filename(placement)}"'
    return _no_store(response)


# The paying municipality's consent: requests to pay, without the citizen, answered by the payer


def _require_consent_access(actor: Actor) -> None:
    if not actor.is_superuser and not can_answer_payer_consent(actor, paying_id=actor.organisation_id or 0):
        raise PermissionDenied("Kun en kommunes sagsbehandlere, økonomer og administratorer svarer på anmodninger om "
                               "betaling.")


@page_view
def consent_list(request):
    actor = actor_for_request(request)
    _require_consent_access(actor)
    state = request.GET.get("state", "pending")
    state = state if state in selectors.CONSENT_STATES else "pending"
    return render(request, "placements/consent_list.html", {
        "requests": selectors.placement_consent_list(actor=actor, state=state), "state": state,
        "states": selectors.CONSENT_STATE_CHOICES,
    })


def _consent(actor: Actor, placement_id: int):
    with missing_as_404():
        return selectors.placement_consent_get(actor=actor, placement_id=placement_id)


def _consent_page(request, actor: Actor, consent, *, accept_form=None, decline_form=None, status: int = 200):
    pending = consent.consent == "pending" and consent.status == PlacementStatus.REQUESTED
    response = render(request, "placements/consent_detail.html", {
        "request_": consent, "pending": pending,
        "accept_form": accept_form or forms.ConsentAcceptForm(prefix="accept"),
        "decline_form": decline_form or forms.ConsentDeclineForm(prefix="decline"),
        "failed": next((f for f in (accept_form, decline_form) if f is not None and f.errors), None),
    }, status=status)
    return _no_store(response)


@page_view
def consent_detail(request, placement_id: int):
    actor = actor_for_request(request)
    _require_consent_access(actor)
    return _consent_page(request, actor, _consent(actor, placement_id))


@require_POST
@page_view
def consent_answer(request, placement_id: int, answer: str):
    """Accept or decline (POST); the service checks who may and that the request still awaits an answer."""
    actor = actor_for_request(request)
    _require_consent_access(actor)
    consent = _consent(actor, placement_id)
    if answer not in ("accepter", "afvis"):
        raise Http404("Handlingen findes ikke.")
    accepting = answer == "accepter"
    form = (forms.ConsentAcceptForm if accepting else forms.ConsentDeclineForm)(
        request.POST, prefix="accept" if accepting else "decline")
    if form.is_valid():
        try:
            if accepting:
                result = services.placement_payer_accept(actor=actor, placement=Placement(pk=consent.id),
                                                         note=form.cleaned_data["note"])
                done = result.message_da
            else:
                services.placement_payer_decline(actor=actor, placement=Placement(pk=consent.id),
                                                 reason=form.cleaned_data["reason"])
                done = "Købet er afvist og annulleret; handlekommunen ser begrundelsen."
        except NotAllowed:
            raise
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, done)
            if accepting:  # the payer now sees the placement as a paying municipality does
                return redirect("placements:placement_detail", placement_id=consent.id)
            return redirect("placements:consent_list")
    consent = _consent(actor, placement_id)  # as stored: the failed answer changed nothing
    return _consent_page(request, actor, consent, status=400,
                         **({"accept_form": form} if accepting else {"decline_form": form}))
