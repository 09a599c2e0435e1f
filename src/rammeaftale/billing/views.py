"""Settlement pages: the month's run (preview, then issue), invoices sent and received, and their exports."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.billing.documents import invoice_oioubl, posting_csv, posting_xlsx
from rammeaftale.billing.models import InvoiceKind
from rammeaftale.billing.selectors import InvoiceFilters, invoice_get, invoice_list
from rammeaftale.billing.settlement import month_parse, settlement_issue, settlement_plan
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.spreadsheet import XLSX_CONTENT_TYPE
from rammeaftale.http import missing_as_404, page_view, wants_partial
from rammeaftale.parties.models import Organisation
from rammeaftale.rulebooks.display import MONTHS_DA


def _month(request) -> tuple[int, int]:
    return month_parse(request.GET.get("month") or request.POST.get("month") or f"{clock.today():%Y-%m}")


def _seller(request) -> Organisation:
    actor = actor_for_request(request)
    if actor.organisation_id is None:
        raise NotAllowed("Afregning køres for din egen organisation; du er ikke knyttet til en.")
    return Organisation.objects.get(pk=actor.organisation_id)


@page_view
def settlement_overview(request):
    """The seller's month: the page at once, the preview of what issuing would write loaded beside it (htmx, from
    `settlement_preview`: the plan takes a while for a large seller), then issue with one button."""
    actor = actor_for_request(request)
    try:
        year, month = _month(request)
    except DomainError as error:
        messages.error(request, error.message_da)
        return redirect("billing:settlement")
    seller = _seller(request)
    if request.method == "POST":
        try:
            result = settlement_issue(actor=actor, seller=seller, year=year, month=month, issue_date=clock.today())
        except DomainError as error:
            messages.error(request, error.message_da)
        else:
            if result.created:
                messages.success(request, f"Udstedt: {len(result.invoices)} fakturaer og {len(result.credit_notes)} "
                                          f"kreditnotaer for {MONTHS_DA[month - 1]} {year}.")
            else:
                messages.info(request, f"{MONTHS_DA[month - 1].capitalize()} {year} er allerede afregnet; intet nyt.")
        return redirect(f"{reverse('billing:settlement')}?month={year}-{month:02d}")
    return render(request, "billing/settlement.html", _month_context(seller, year, month))


def _month_context(seller: Organisation, year: int, month: int) -> dict:
    return {"month_value": f"{year}-{month:02d}", "month_name": f"{MONTHS_DA[month - 1]} {year}", "seller": seller}


@page_view
def settlement_preview(request):
    """What issuing the month would write: the partial the settlement page loads (htmx), or the whole page with it
    (without JavaScript, from the page's link). A month no agreement covers is said in the partial (htmx swaps
    only 2xx answers) or as the Danish 400 page."""
    actor = actor_for_request(request)
    year, month = _month(request)
    seller = _seller(request)
    context = _month_context(seller, year, month)
    partial = wants_partial(request)
    try:
        context["plan"] = settlement_plan(actor=actor, seller=seller, year=year, month=month,
                                          issue_date=clock.today())
    except NotAllowed:
        raise
    except DomainError as error:
        if not partial:
            raise
        return render(request, "billing/_settlement_preview.html", {**context, "problem": error.message_da})
    return render(request, "billing/_settlement_preview.html" if partial else "billing/settlement.html", context)


def _filters(request) -> InvoiceFilters:
    year = month = None
    if request.GET.get("month"):
        year, month = _month(request)
    return InvoiceFilters(side=request.GET.get("side", ""), year=year, month=month, kind=request.GET.get("kind", ""))


@page_view
def invoices(request):
    actor = actor_for_request(request)
    try:
        filters = _filters(request)
    except DomainError as error:
        messages.error(request, error.message_da)
        filters = InvoiceFilters()
    rows = list(invoice_list(actor=actor, filters=filters)[:500])
    total = sum(i.total_ore if i.kind == InvoiceKind.INVOICE else -i.total_ore for i in rows)
    return render(request, "billing/invoice_list.html", {
        "invoices": rows, "filters": filters, "net_total_ore": total, "query": request.GET.urlencode(),
    })


@page_view
def invoices_export(request, fmt: str):
    actor = actor_for_request(request)
    filters = _filters(request)
    rows = invoice_list(actor=actor, filters=filters)
    name = f"kontering-{filters.side or 'alle'}{f'-{filters.year}-{filters.month:02d}' if filters.month else ''}"
    if fmt == "csv":
        response = HttpResponse(posting_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        title = "Konteringsfil: fakturaer " + {"received": "modtaget", "sent": "sendt"}.get(filters.side, "sendt og modtaget")
        response = HttpResponse(posting_xlsx(rows, title=title),
                                content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@page_view
def invoice_detail(request, invoice_id: int):
    with missing_as_404():
        invoice = invoice_get(actor=actor_for_request(request), invoice_id=invoice_id)
    return render(request, "billing/invoice_detail.html", {"invoice": invoice, "lines": invoice.lines.all()})


@page_view
def invoice_xml(request, invoice_id: int):
    with missing_as_404():
        invoice = invoice_get(actor=actor_for_request(request), invoice_id=invoice_id)
    try:
        body = invoice_oioubl(invoice)
    except DomainError as error:
        messages.error(request, error.message_da)
        return redirect("billing:invoice_detail", invoice_id=invoice.pk)
    response = HttpResponse(body, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.xml"'
    return response
