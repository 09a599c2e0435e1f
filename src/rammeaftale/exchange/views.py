"""The vacancy exchange's pages: an offer's free places and the operator's confirmation of them."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError
from rammeaftale.exchange import selectors, services
from rammeaftale.exchange.forms import VacancyConfirmForm
from rammeaftale.http import missing_as_404, page_view, wants_partial


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
