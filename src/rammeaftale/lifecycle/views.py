"""Pages for the offer's life: the region's proposals, a new proposal for an offer, one proposal with its
consultation and decision."""
from django.contrib import messages
from django.shortcuts import redirect, render

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.http import missing_as_404, page_view
from rammeaftale.lifecycle import selectors, services
from rammeaftale.lifecycle.forms import CommentForm, DecisionForm, ProposalForm
from rammeaftale.registry.history import offer_status_on


@page_view
def proposal_list(request):
    actor = actor_for_request(request)
    return render(request, "lifecycle/proposal_list.html", {
        "proposals": selectors.proposal_list(actor=actor), "today": clock.today()})


@page_view
def proposal_new(request, offer_id: int):
    actor = actor_for_request(request)
    today = clock.today()
    with missing_as_404():
        offer = selectors.offer_for_proposal(actor=actor, offer_id=offer_id)
    kinds = selectors.proposable_kinds(actor=actor, offer=offer)
    if not kinds:  # the page says who may; a POST is refused
        if request.method == "POST":
            raise NotAllowed("Du kan ikke foreslå ændringer af dette tilbud.")
        return render(request, "lifecycle/proposal_new.html", {"offer": offer, "form": None})
    form = ProposalForm(request.POST or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = services.proposal_create(
                actor=actor, offer_id=offer.pk, kind=data["kind"], effective_date=data["effective_date"],
                places=data["places"], reason=data["reason"], today=today)
        except NotAllowed:
            raise
        except DomainError as error:
            form.add_domain_error(error)
        else:
            sent = " og sendt i høring" if proposal.consultation_until else ""
            messages.success(request, f"Forslaget er oprettet{sent}.")
            return redirect("lifecycle:detail", proposal_id=proposal.pk)
    return render(request, "lifecycle/proposal_new.html", {
        "offer": offer, "form": form, "status": offer_status_on(offer, today)},
        status=400 if form.errors else 200)


@page_view
def proposal_detail(request, proposal_id: int):
    actor = actor_for_request(request)
    today = clock.today()
    with missing_as_404():
        detail = selectors.proposal_detail(actor=actor, proposal_id=proposal_id, today=today)
    comment_form = CommentForm(request.POST if "text" in request.POST else None) if detail.may_comment else None
    decision_form = (DecisionForm(request.POST if "decision_reference" in request.POST else None)
                     if detail.may_decide else None)
    if request.method == "POST":
        form = comment_form if "text" in request.POST else decision_form
        if form is None:
            raise NotAllowed("Du kan ikke svare på eller beslutte dette forslag nu.")
        if form.is_valid():
            try:
                if form is comment_form:
                    services.proposal_comment(actor=actor, proposal_id=proposal_id, text=form.cleaned_data["text"],
                                              today=today)
                    messages.success(request, "Høringssvaret er sendt.")
                else:
                    services.proposal_decide(actor=actor, proposal_id=proposal_id, today=today,
                                             decision_reference=form.cleaned_data["decision_reference"])
                    messages.success(request, "Beslutningen er registreret.")
            except NotAllowed:
                raise
            except DomainError as error:
                form.add_domain_error(error)
            else:
                return redirect("lifecycle:detail", proposal_id=proposal_id)
    return render(request, "lifecycle/proposal_detail.html", {
        "detail": detail, "p": detail.proposal, "comment_form": comment_form, "decision_form": decision_form},
        status=400 if (comment_form and comment_form.errors) or (decision_form and decision_form.errors) else 200)
