"""The capacity and occupancy analysis page (placeholder until built)."""
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def analysis(request):
    return HttpResponse("Kapacitets- og belægningsanalyse")
