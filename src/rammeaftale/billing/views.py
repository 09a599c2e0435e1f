"""Settlement pages: the month's run (preview, then issue), invoices sent and received, and their exports."""

from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.billing.documents import (
    invoice_document,
    invoice_oioubl,
    invoice_pdf,
    posting_csv,
    posting_totals_csv,
    posting_xlsx,
)
from rammeaftale.billing.models import InvoiceKind
from rammeaftale.billing.selectors import (
    InvoiceFilters,
    account_code_list,
    invoice_get,
    invoice_list,
    invoice_nets_ore,
    settlement_run_get,
)
from rammeaftale.billing.services import account_mapping_set
from rammeaftale.billing.settlement import (
    PlannedCredit,
    PlannedInvoice,
    SettlementPlan,
    SettlementResult,
    month_parse,
    settlement_issue,
    settlement_plan,
)
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.spreadsheet import XLSX_CONTENT_TYPE
from rammeaftale.http import (
    confirmed,
    int_param,
    missing_as_404,
    page_view,
    paginate,
    query_without,
    text_param,
    wants_partial,
)
from rammeaftale.parties.models import Organisation
from rammeaftale.registry.models import LegalParagraph
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
    `settlement_preview`: the plan takes a while for a large seller). Issuing is asked once: the button posts to
    this page, which answers the summary (month, invoices and credit notes, lines, the total, the buyers held back,
    the warnings) with the question; its form posts again with `confirm=1` and the figures confirmed, and the run
    goes to the result page, which lists what was issued."""
    actor = actor_for_request(request)
    try:
        year, month = _month(request)
    except DomainError as error:
        messages.error(request, error.message_da)
        return redirect("billing:settlement")
    seller = _seller(request)
    if request.method == "POST":
        if not confirmed(request):
            return _settlement_confirm(request, actor, seller, year, month)
        try:
            with transaction.atomic():
                result = settlement_issue(actor=actor, seller=seller, year=year, month=month,
                                          issue_date=clock.today())
                if result.created and _result_key(result) != request.POST.get("expected", ""):
                    raise _NotAsConfirmed  # rolled back: the month is asked again with its figures now
        except _NotAsConfirmed:
            return _settlement_confirm(request, actor, seller, year, month, changed=True)
        except DomainError as error:
            if isinstance(error, NotAllowed):
                raise
            messages.error(request, error.message_da)
            return redirect(f"{reverse('billing:settlement')}?month={year}-{month:02d}")
        if result.created:
            messages.success(request, f"Udstedt: {len(result.invoices)} fakturaer og {len(result.credit_notes)} "
                                      f"kreditnotaer for {MONTHS_DA[month - 1]} {year}.")
        else:
            messages.info(request, f"{MONTHS_DA[month - 1].capitalize()} {year} er allerede afregnet; intet nyt.")
        return redirect(f"{reverse('billing:settlement_result')}?month={year}-{month:02d}")
    return render(request, "billing/settlement.html", _month_context(seller, year, month))


class _NotAsConfirmed(Exception):
    """The run would write other figures than those confirmed (a placement or tariff changed in between)."""


def _plan_key(plan: SettlementPlan) -> str:
    """What the user confirms, in one value: the number of invoices and credit notes and the net total."""
    return f"{len(plan.invoices)}:{len(plan.credits)}:{plan.total_ore}"


def _result_key(result: SettlementResult) -> str:
    net = sum(i.total_ore for i in result.invoices) - sum(c.total_ore for c in result.credit_notes)
    return f"{len(result.invoices)}:{len(result.credit_notes)}:{net}"


def _settlement_confirm(request, actor, seller: Organisation, year: int, month: int, *, changed: bool = False):
    """The summary of what issuing the month writes, and the question; a month issued already goes to its result."""
    plan = settlement_plan(actor=actor, seller=seller, year=year, month=month, issue_date=clock.today())
    if plan.existing_run is not None:
        messages.info(request, f"{MONTHS_DA[month - 1].capitalize()} {year} er allerede afregnet; intet nyt.")
        return redirect(f"{reverse('billing:settlement_result')}?month={year}-{month:02d}")
    context = _month_context(seller, year, month)
    context.update(plan=plan, counts=_preview_counts(plan), changed=changed, expected=_plan_key(plan),
                   held_total_ore=sum(held.total_ore for held in plan.held),
                   warnings=[w for w in plan.warnings  # the held buyers' sentences: their own table here
                             if not any(w.startswith(f"Fakturaen til {held.buyer} (") for held in plan.held)],
                   invoices_total_ore=sum(i.total_ore for i in plan.invoices),
                   credits_total_ore=sum(c.total_ore for c in plan.credits))
    return render(request, "billing/settlement_confirm.html", context, status=400 if plan.blocking else 200)


@page_view
def settlement_result(request):
    """What a run issued: its invoices and credit notes, each a link, with the totals and the month's exports."""
    actor = actor_for_request(request)
    year, month = _month(request)
    seller = _seller(request)
    with missing_as_404():
        issued = settlement_run_get(actor=actor, seller_id=seller.pk, year=year, month=month)
    return render(request, "billing/settlement_result.html", {**_month_context(seller, year, month), "issued": issued})


def _month_context(seller: Organisation, year: int, month: int) -> dict:
    return {"month_value": f"{year}-{month:02d}", "month_name": f"{MONTHS_DA[month - 1]} {year}", "seller": seller}


PREVIEW_INLINE_LINES = 200  # up to this many lines in the whole preview, every invoice shows its lines at once


@dataclass(frozen=True)
class _PreviewCounts:
    """The preview's summary above the invoices: what issuing would write, counted."""

    invoices: int
    invoice_lines: int
    corrections: int
    provisional_lines: int
    late_lines: int
    credits: int
    credit_lines: int

    @property
    def lines(self) -> int:
        return self.invoice_lines + self.credit_lines


def _preview_counts(plan: SettlementPlan) -> _PreviewCounts:
    return _PreviewCounts(
        invoices=len(plan.invoices), invoice_lines=sum(i.line_count for i in plan.invoices),
        corrections=sum(i.corrections for i in plan.invoices),
        provisional_lines=sum(i.provisional_lines for i in plan.invoices),
        late_lines=sum(i.late_lines for i in plan.invoices),
        credits=len(plan.credits), credit_lines=sum(len(c.lines) for c in plan.credits))


def _shown(request, plan: SettlementPlan) -> tuple[PlannedInvoice | None, PlannedCredit | None]:
    """The invoice (`?buyer=` the buyer's id) or credit note (`?credit=` the id of the invoice it credits) whose
    lines are asked for: only one of this plan, whose seller is always the user's own organisation; any other id
    is the Danish 404 page."""
    buyer_id, credited_id = int_param(request, "buyer"), int_param(request, "credit")
    if buyer_id is None and credited_id is None:
        if "buyer" in request.GET or "credit" in request.GET:
            raise Http404("Fakturaen findes ikke i forhåndsvisningen.")
        return None, None
    invoice = next((i for i in plan.invoices if i.buyer.pk == buyer_id), None) if buyer_id is not None else None
    credit = next((c for c in plan.credits if c.invoice.pk == credited_id), None) if credited_id is not None else None
    if invoice is None and credit is None:
        raise Http404("Fakturaen findes ikke i forhåndsvisningen.")
    return invoice, credit


@page_view
def settlement_preview(request):
    """What issuing the month would write: the partial the settlement page loads (htmx), or the whole page with it
    (without JavaScript, from the page's link). A month no agreement covers is said in the partial (htmx swaps
    only 2xx answers) or as the Danish 400 page.

    The preview is a summary: per invoice and credit note its buyer, its number of lines (corrections, provisional
    tariff, days over the claim limit) and its total; the lines of one come on demand, from this address with
    `&buyer=<id>` (or `&credit=<invoice id>`): htmx loads them into the invoice when it is opened, and without
    JavaScript the link gives the whole page with those lines shown. A preview of at most PREVIEW_INLINE_LINES
    lines shows them all at once."""
    actor = actor_for_request(request)
    year, month = _month(request)
    seller = _seller(request)
    context = _month_context(seller, year, month)
    partial = wants_partial(request)
    try:
        plan = settlement_plan(actor=actor, seller=seller, year=year, month=month, issue_date=clock.today())
    except NotAllowed:
        raise
    except DomainError as error:
        if not partial:
            raise
        return render(request, "billing/_settlement_preview.html", {**context, "problem": error.message_da})
    shown_invoice, shown_credit = _shown(request, plan)
    if partial and (shown_invoice or shown_credit):
        return render(request, "billing/_settlement_lines.html", {"planned": shown_invoice, "credit": shown_credit})
    counts = _preview_counts(plan)
    if counts.lines <= PREVIEW_INLINE_LINES:
        plan.texts_read()  # every line shown: their texts in one read
    context.update(plan=plan, counts=counts, inline=counts.lines <= PREVIEW_INLINE_LINES,
                   shown_buyer=shown_invoice.buyer.pk if shown_invoice else None,
                   shown_credit=shown_credit.invoice.pk if shown_credit else None)
    return render(request, "billing/_settlement_preview.html" if partial else "billing/settlement.html", context)


def _filters(request) -> InvoiceFilters:
    year = month = None
    if request.GET.get("month"):
        year, month = _month(request)
    return InvoiceFilters(side=request.GET.get("side", ""), year=year, month=month, kind=request.GET.get("kind", ""),
                          party=text_param(request, "party", max_length=100))


@page_view
def invoices(request):
    actor = actor_for_request(request)
    try:
        filters = _filters(request)
    except DomainError as error:
        messages.error(request, error.message_da)
        filters = InvoiceFilters()
    invoices = invoice_list(actor=actor, filters=filters)
    nets = invoice_nets_ore(invoices, organisation_id=actor.organisation_id)
    return render(request, "billing/invoice_list.html", {
        "page": paginate(request, invoices), "filters": filters, "net_total_ore": nets["net"],
        # Both sides in one list: what was sold and what was bought, each netted (their sum would mean nothing).
        "sides_net": None if filters.side or actor.organisation_id is None else nets,
        "kinds": InvoiceKind.choices, "query": query_without(request, "page"),
    })


@page_view
def invoices_export(request, fmt: str):
    actor = actor_for_request(request)
    filters = _filters(request)
    rows = invoice_list(actor=actor, filters=filters)
    name = f"kontering-{filters.side or 'alle'}{f'-{filters.year}-{filters.month:02d}' if filters.month else ''}"
    title = "Konteringsfil: fakturaer " + {"received": "modtaget", "sent": "sendt"}.get(filters.side, "sendt og modtaget")
    return _posting_response(rows, fmt=fmt, name=name, title=title)


@page_view
def invoice_detail(request, invoice_id: int):
    """The invoice or credit note as a readable document, with its PDF, OIOUBL and posting file beside it."""
    actor = actor_for_request(request)
    with missing_as_404():
        invoice = invoice_get(actor=actor, invoice_id=invoice_id)
    return render(request, "billing/invoice_detail.html", {
        "document": invoice_document(invoice), "is_buyer": invoice.buyer_id == actor.organisation_id})


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


@page_view
def invoice_pdf_download(request, invoice_id: int):
    """The readable invoice as PDF/UA; scoped as the page and the OIOUBL (`invoice_get`)."""
    with missing_as_404():
        invoice = invoice_get(actor=actor_for_request(request), invoice_id=invoice_id)
    response = HttpResponse(invoice_pdf(invoice_document(invoice)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    return response


def _posting_response(invoices, *, fmt: str, name: str, title: str) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(posting_csv(invoices), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(posting_xlsx(invoices, title=title), content_type=XLSX_CONTENT_TYPE)
    else:
        raise Http404("Konteringsfilen kan hentes som CSV og XLSX.")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@page_view
def invoice_posting(request, invoice_id: int, fmt: str):
    """One invoice's posting file (the lines, and in the XLSX the totals per account code)."""
    with missing_as_404():
        invoice = invoice_get(actor=actor_for_request(request), invoice_id=invoice_id)
    return _posting_response([invoice], fmt=fmt, name=f"kontering-{invoice.number}",
                             title=f"Konteringsfil: {invoice.get_kind_display().lower()} {invoice.number}")


@page_view
def invoices_totals(request):
    """The posting file's totals per buyer and account code as CSV, for the same filters as the posting file: an
    ERP import reads every row of the posting CSV as a posting, so the totals are a file of their own."""
    filters = _filters(request)
    body = posting_totals_csv(invoice_list(actor=actor_for_request(request), filters=filters))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kontering-pr-kontostreng.csv"'
    return response


@page_view
def account_codes(request):
    """The organisation's own account code (kontostreng) per legal paragraph, beside the shipped default: what its
    received invoices' lines and the posting file carry. Its economists and administrators set them."""
    actor = actor_for_request(request)
    if request.method == "POST":
        code = request.POST.get("paragraph", "")
        paragraph = LegalParagraph.objects.filter(code=code).first() if code else None
        if paragraph is None:
            raise Http404("Lovgrundlaget findes ikke.")
        if actor.organisation_id is None:
            raise NotAllowed("Kontostrenge sættes for din egen organisation; du er ikke knyttet til en.")
        try:
            account_mapping_set(actor=actor, buyer=Organisation.objects.get(pk=actor.organisation_id),
                                paragraph=paragraph, account_code=request.POST.get("account_code", ""))
        except NotAllowed:
            raise
        except DomainError as error:
            messages.error(request, f"{paragraph.label}: {error.message_da}")
        else:
            messages.success(request, f"Kontostrengen for {paragraph.label} er gemt.")
        return redirect("billing:account_codes")
    return render(request, "billing/account_codes.html", {"codes": account_code_list(actor=actor)})
