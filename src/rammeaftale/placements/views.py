"""Placement pages: the list (scoped by role), buying a place, the detail with its actions and the contract PDF."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.placements.selectors import placement_list


@login_required
def placement_list_view(request):
    placements = placement_list(actor=actor_for_request(request))[:200]
    return render(request, "placements/placement_list.html", {"placements": placements})
