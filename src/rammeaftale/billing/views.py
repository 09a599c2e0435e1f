"""Settlement pages: the month's run (preview, then issue), invoices sent and received, and their exports."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def settlement_overview(request):
    return render(request, "billing/settlement.html", {})
