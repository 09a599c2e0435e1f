"""The category page (/takster/tilbud/<id>/kategori/<year>/): the rulebook's suggestion from the offer's daily tariff
and last year's sales from the placements, and the secretariat's decision, then locked for the year.

It lives in the occupancy app because the sales are counted by the occupancy engine; its URL stays under the
tariff pages (config/urls.py adds `category_urlpatterns` to the `tariffs` namespace).
"""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError
from rammeaftale.core.limits import YEAR_MAX, YEAR_MIN
from rammeaftale.http import carried, confirmed, dry_run, missing_as_404, page_view
from rammeaftale.occupancy.category import category_assessment
from rammeaftale.occupancy.forms import CategoryDecisionForm
from rammeaftale.registry.services import offer_category_set


@page_view
def category(request, offer_id: int, year: int):
    actor = actor_for_request(request)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise Http404("Året findes ikke.")
    with missing_as_404():
        assessment = category_assessment(actor=actor, offer_id=offer_id, year=year, today=clock.today())
    status = 200
    if request.method == "POST":
        if not assessment.may_decide:
            raise PermissionDenied("Kun regionens sekretariat kan fastlægge et tilbuds kategori.")
        form = CategoryDecisionForm(request.POST)
        if form.is_valid():
            def decide():
                return offer_category_set(
                    actor=actor, offer=assessment.offer, year=year, category=form.cleaned_data["category"],
                    reason=form.cleaned_data["reason"], suggested_category=assessment.suggestion.category or "",
                    suggestion_reason=assessment.suggestion.reason_da)
            asked = not confirmed(request)  # binding for the year: asked once, with the service's own answer
            try:
                decided = dry_run(decide) if asked else decide()
            except DomainError as error:
                form.add_error("category" if error.field == "category" else None, error.message_da)
            else:
                if asked:
                    return render(request, "occupancy/category_confirm.html", {
                        "a": assessment, "offer": assessment.offer, "decided": decided,
                        "locks": _locks_for_year(assessment), "fields": carried(request, "category", "reason"),
                    })
                messages.success(request, f"Kategorien for {year} er fastlagt som {decided.get_category_display()}"
                                          f"{' og låst for året' if _locks_for_year(assessment) else ''}.")
                return redirect("tariffs:category", offer_id=offer_id, year=year)
        status = 400
    else:
        form = CategoryDecisionForm(initial={"category": assessment.suggestion.category or ""})
    return render(request, "occupancy/category.html", {"a": assessment, "form": form, "offer": assessment.offer},
                  status=status)


def _locks_for_year(assessment) -> bool:
    """The rulebook's «Tilbud kan ikke ændre kategori i løbet af året» (locked without an agreement's rules too, as
    `offer_category_set` has it)."""
    rulebook = assessment.rulebook
    return rulebook is None or bool(rulebook.categorisation.locked_for_year.value)
