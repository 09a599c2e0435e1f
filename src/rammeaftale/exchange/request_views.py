"""The pages of requests («forespørgsler») and the inbox: thin, one selector or service each; a service's
DomainError is shown beside its field, NotAllowed is the Danish 403, a request the actor may not see the 404."""
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.accounts.permissions import can_manage_placement_as_operator, can_send_vacancy_request
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.exchange import inbox as inbox_selectors
from rammeaftale.exchange import requests
from rammeaftale.exchange.forms import RequestReserveForm, VacancyAnswerForm, VacancyRequestForm
from rammeaftale.exchange.models import Answer
from rammeaftale.http import missing_as_404, page_view

T = TypeVar("T")


def _attempt(form, write: Callable[[], T]) -> T | None:
    """The service's result, or None with its DomainError shown beside the field it names (a NotAllowed goes on to
    the Danish 403 page)."""
    try:
        return write()
    except NotAllowed:
        raise
    except DomainError as error:
        form.add_domain_error(error)
        return None


@page_view
def request_list(request):
    """The municipality's requests with their answers (caseworker), the requests to the own offers (operator)."""
    actor = actor_for_request(request)
    org = actor.organisation_id
    sends = can_send_vacancy_request(actor, municipality_id=org)
    answers = org is not None and can_manage_placement_as_operator(actor, operator_id=org)
    if not (sends or answers):
        raise PermissionDenied("Forespørgsler er for kommunernes sagsbehandlere og driftsherrerne.")
    context = {"sent": list(requests.vacancy_request_list(actor=actor)[:100]) if sends else None,
               "received": list(requests.vacancy_requests_received(actor=actor)[:100]) if answers else None,
               "today": clock.today()}
    return render(request, "exchange/requests/request_list.html", context)


def _chosen_offer_ids(request) -> list[int]:
    ids = []
    for value in request.GET.getlist("offer"):
        value = value.strip()
        if value.isdigit() and len(value) <= 18 and int(value) not in ids:
            ids.append(int(value))
    return ids


@page_view
def request_new(request):
    """The new request: the offers chosen on the search page (`?offer=…&offer=…`), each removable, and the need."""
    actor = actor_for_request(request)
    today = clock.today()
    if not can_send_vacancy_request(actor, municipality_id=actor.organisation_id):
        raise PermissionDenied("Kun kommunens sagsbehandlere kan sende en forespørgsel om plads.")
    ids = _chosen_offer_ids(request)
    found = requests.offers_chosen(actor=actor, offer_ids=ids)
    chosen = [(found[pk], "?" + urlencode([("offer", other) for other in ids if other != pk]))
              for pk in ids if pk in found]
    form = VacancyRequestForm(request.POST or None, initial={
        "start_date": today, "answer_by": requests.default_answer_by(actor=actor, today=today)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sent = _attempt(form, lambda: requests.vacancy_request_send(
            actor=actor, offer_ids=ids, answer_by=data["answer_by"], today=today,
            need=requests.Need(start_date=data["start_date"], description=data["description"],
                               target_group=data["target_group"], paragraph=data["paragraph"])))
        if sent is not None:
            messages.success(request, f"Forespørgslen er sendt til {len(ids)} tilbud. Driftsherrerne kan svare til "
                                      f"og med {sent.answer_by:%d.%m.%Y}.")
            return redirect("exchange:request_detail", request_id=sent.pk)
    try:
        max_offers = requests.request_rules(actor=actor, today=today).max_offers
    except DomainError:
        max_offers = None
    context = {"form": form, "chosen": chosen, "query": urlencode([("offer", pk) for pk in ids]),
               "missing": [pk for pk in ids if pk not in found], "max_offers": max_offers}
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "exchange/requests/request_new.html", context, status=status)


@page_view
def request_detail(request, request_id: int):
    """One of the municipality's requests: the need and each offer's answer, a yes with its «Reservér»."""
    actor = actor_for_request(request)
    with missing_as_404():
        sent = requests.vacancy_request_get(actor=actor, request_id=request_id)
    return render(request, "exchange/requests/request_detail.html", {"sent": sent, "today": clock.today()})


@page_view
def request_answer(request, recipient_id: int):
    """The operator's page of one request to its offer: the anonymised need and the answer form."""
    actor = actor_for_request(request)
    today = clock.today()
    with missing_as_404():
        recipient = requests.vacancy_request_recipient_get(actor=actor, recipient_id=recipient_id)
    may_answer = can_manage_placement_as_operator(actor, operator_id=recipient.offer.operator_id)
    form = VacancyAnswerForm(request.POST or None)
    if request.method == "POST":
        if not may_answer:
            raise PermissionDenied("Kun tilbuddets driftsherre kan svare på forespørgslen.")
        if form.is_valid() and _attempt(form, lambda: requests.vacancy_request_answer(
                actor=actor, recipient=recipient, today=today, **form.cleaned_data)):
            messages.success(request, "Svaret er sendt til sagsbehandleren.")
            return redirect("exchange:request_answer", recipient_id=recipient_id)
    open_for_answer = (may_answer and recipient.answer == Answer.PENDING and today <= recipient.request.answer_by)
    context = {"recipient": recipient, "sent": recipient.request, "form": form, "may_answer": may_answer,
               "open_for_answer": open_for_answer, "today": today}
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "exchange/requests/request_answer.html", context, status=status)


@page_view
def request_reserve(request, recipient_id: int):
    """The caseworker turns a yes into a reservation: the citizen, the start and the hold date in one form."""
    actor = actor_for_request(request)
    today = clock.today()
    with missing_as_404():
        recipient = requests.vacancy_request_recipient_get(actor=actor, recipient_id=recipient_id)
    sent = recipient.request
    if not can_send_vacancy_request(actor, municipality_id=sent.municipality_id):
        raise PermissionDenied("Kun den kommune, der sendte forespørgslen, kan reservere pladsen.")
    if recipient.placement_id:
        messages.info(request, f"Pladsen er allerede reserveret ({recipient.placement.reference}).")
        return redirect("placements:placement_detail", placement_id=recipient.placement_id)
    form = RequestReserveForm(request.POST or None, initial={
        "start_date": sent.start_date, "reserved_until": sent.start_date})
    if request.method == "POST" and form.is_valid():
        placement = _attempt(form, lambda: requests.vacancy_request_reserve(
            actor=actor, recipient=recipient, citizen=form.citizen(), today=today,
            start_date=form.cleaned_data["start_date"], reserved_until=form.cleaned_data["reserved_until"]))
        if placement is not None:
            messages.success(request, f"Pladsen er reserveret ({placement.reference}) og holdes til og med "
                                      f"{placement.reserved_until:%d.%m.%Y}.")
            return redirect("placements:placement_detail", placement_id=placement.pk)
    context = {"recipient": recipient, "sent": sent, "form": form, "offer": recipient.offer,
               "is_yes": recipient.answer == Answer.YES}
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "exchange/requests/request_reserve.html", context, status=status)


@page_view
def inbox(request):
    actor = actor_for_request(request)
    today = clock.today()
    context = {"inbox": inbox_selectors.inbox_of(actor=actor, today=today), "today": today,
               "due_days": inbox_selectors.DUE_DAYS}
    return render(request, "exchange/requests/inbox.html", context)


@page_view
@require_POST
def inbox_read(request):
    """Mark one notification (`notification`) or all of the user's as read."""
    actor = actor_for_request(request)
    value = request.POST.get("notification", "").strip()
    ids = [int(value)] if value.isdigit() and len(value) <= 18 else None
    inbox_selectors.notifications_mark_read(actor=actor, notification_ids=ids)
    return redirect("exchange:inbox")
