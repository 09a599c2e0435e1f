"""The pages of the consultation before a single-person offer (afsøgning før enkeltmandstilbud): a municipality's
list, posting, the consultation with its answer and close forms, the secretariat's overview by year, and the section
on the new offer's page. The views parse and name the actor; `exchange.consultations` checks and scopes."""
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.exchange import consultations
from rammeaftale.exchange.forms import ConsultationAnswerForm, ConsultationCloseForm, ConsultationPostForm
from rammeaftale.exchange.models import SinglePersonConsultation
from rammeaftale.http import int_param, missing_as_404, page_view, wants_partial
from rammeaftale.parties.models import OrganisationKind


def _submit(form, call):
    """The service's result for a valid form; None where the form or the service refused (the service's DomainError
    shown beside its field). NotAllowed passes on: the 403 page."""
    if not form.is_valid():
        return None
    try:
        return call(**form.cleaned_data)
    except NotAllowed:
        raise
    except DomainError as error:
        form.add_domain_error(error)
        return None


@page_view
def consultation_list(request):
    """A municipality's consultations and the open ones of the region's other municipalities; the secretariat is
    sent to its overview (and the platform's superusers to all regions')."""
    actor = actor_for_request(request)
    if actor.is_superuser or actor.organisation_kind == OrganisationKind.SECRETARIAT:
        return redirect("exchange:consultation_overview")
    today = clock.today()
    listing = consultations.consultation_list(actor=actor, today=today)
    rule = consultations.consultation_rule(region_id=actor.region_id, today=today)
    return render(request, "exchange/consultations/list.html", {"listing": listing, "rule": rule, "today": today})


@page_view
def consultation_new(request):
    actor = actor_for_request(request)
    if not consultations.can_use_consultations(actor) or actor.organisation_kind != OrganisationKind.MUNICIPALITY:
        raise NotAllowed("Kun en kommunes sagsbehandlere og administratorer kan spørge regionens andre kommuner før "
                         "et enkeltmandstilbud.")
    today = clock.today()
    rule = consultations.consultation_rule(region_id=actor.region_id, today=today)
    form = ConsultationPostForm(request.POST or None, initial={"answer_by": rule.default_answer_by(today)})
    if request.method == "POST" and (consultation := _submit(
            form, lambda **data: consultations.consultation_post(actor=actor, today=today, **data))):
        messages.success(request, "Afsøgningen er sendt til regionens andre kommuner.")
        return redirect("exchange:consultation_detail", consultation_id=consultation.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "exchange/consultations/new.html", {"form": form, "rule": rule, "today": today},
                  status=status)


def _detail_page(request, actor, consultation_id: int, *, status: int = 200, answer_form=None, close_form=None):
    today = clock.today()
    with missing_as_404():
        detail = consultations.consultation_detail(actor=actor, consultation_id=consultation_id, today=today)
    if answer_form is None and detail.may_answer:
        own = detail.own_answer
        answer_form = ConsultationAnswerForm(initial={"answer": own.answer, "note": own.note} if own else None)
    if close_form is None and detail.may_close:
        close_form = ConsultationCloseForm(
            offers=consultations.consultation_offer_choices(consultation=detail.consultation))
    return render(request, "exchange/consultations/detail.html",
                  {"detail": detail, "c": detail.consultation, "answer_form": answer_form, "close_form": close_form,
                   "today": today}, status=status)


@page_view
def consultation_detail(request, consultation_id: int):
    return _detail_page(request, actor_for_request(request), consultation_id)


def _consultation(actor, consultation_id: int) -> SinglePersonConsultation:
    """The consultation if the actor may see it (else the 404 page); the service decides what the actor may do."""
    with missing_as_404():
        return consultations.consultation_detail(actor=actor, consultation_id=consultation_id,
                                                 today=clock.today()).consultation


@require_POST
@page_view
def consultation_answer(request, consultation_id: int):
    actor = actor_for_request(request)
    consultation = _consultation(actor, consultation_id)
    form = ConsultationAnswerForm(request.POST)
    if _submit(form, lambda **data: consultations.consultation_answer(actor=actor, consultation=consultation,
                                                                      today=clock.today(), **data)):
        messages.success(request, "Jeres svar er sendt til kommunen.")
        return redirect("exchange:consultation_detail", consultation_id=consultation_id)
    return _detail_page(request, actor, consultation_id, status=400, answer_form=form)


@require_POST
@page_view
def consultation_close(request, consultation_id: int):
    actor = actor_for_request(request)
    consultation = _consultation(actor, consultation_id)
    form = ConsultationCloseForm(request.POST,
                                 offers=consultations.consultation_offer_choices(consultation=consultation))
    if _submit(form, lambda offer, outcome: consultations.consultation_close(
            actor=actor, consultation=consultation, today=clock.today(), offer_id=offer.pk if offer else None,
            outcome=outcome)):
        messages.success(request, "Afsøgningen er afsluttet, og udfaldet er registreret.")
        return redirect("exchange:consultation_detail", consultation_id=consultation_id)
    return _detail_page(request, actor, consultation_id, status=400, close_form=form)


@page_view
def consultation_overview(request):
    """The secretariat's overview of its region's consultations in a year (?aar=, this year by default)."""
    actor = actor_for_request(request)
    today = clock.today()
    year = int_param(request, "aar") or today.year
    if not 2000 <= year <= 2100:
        raise Http404("Året findes ikke i oversigten.")
    overview = consultations.consultation_overview(actor=actor, year=year, today=today)
    return render(request, "exchange/consultations/overview.html", {"overview": overview, "today": today})


@page_view
def offer_consultation(request, offer_id: int):
    """The section «Afsøgning før enkeltmandstilbud» on an offer's page (htmx): nothing where the actor may see no
    consultation that led to the offer; without JavaScript a page of its own."""
    actor = actor_for_request(request)
    found = consultations.offer_consultations(actor=actor, offer_id=offer_id)
    if wants_partial(request):
        if not found:
            return HttpResponse("")
        return render(request, "exchange/consultations/_offer_consultation.html", {"found": found})
    return render(request, "exchange/consultations/offer_consultation.html", {"found": found, "offer_id": offer_id})
