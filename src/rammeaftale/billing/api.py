"""REST endpoints for settlement: a seller's month (preview and issue), invoices sent and received, OIOUBL."""
from datetime import date

from django.http import HttpResponse
from ninja import Field, Router, Schema

from rammeaftale.accounts.actor import actor_from_user
from rammeaftale.api_contract import Id, binary, errors
from rammeaftale.billing.documents import invoice_oioubl, posting_csv
from rammeaftale.billing.selectors import InvoiceFilters, invoice_get, invoice_list
from rammeaftale.billing.settlement import month_parse, settlement_issue, settlement_plan
from rammeaftale.core import clock
from rammeaftale.core.errors import NotAllowed
from rammeaftale.core.money import ore_to_kr
from rammeaftale.parties.models import Organisation

router = Router(tags=["Afregning"])


class LineOut(Schema):
    placement: str
    service_id: int | None  # None on a fixed charge (guarantee share, subscription)
    period_from: date
    period_to: date
    unit: str
    quantity: int
    rate_ore: int
    amount_ore: int
    amount_kr: str
    account_code: str
    description: str
    late_claim: bool
    late_days: int = Field(description="Dage ydet for mere end 12 måneder før fakturadatoen (SEL § 174, stk. 2).")
    late_amount_ore: int
    provisional_tariff: bool | None = Field(None, description="Prisen er en foreløbig takst (kun i forhåndsvisningen).")


class MissingTariffOut(Schema):
    service_id: int
    service: str
    offer_id: int
    offer: str
    year: int
    first_day: date
    message: str


class InvoiceOut(Schema):
    id: int | None
    number: str | None
    kind: str
    seller: str
    buyer: str
    buyer_ean: str
    issue_date: date
    due_date: date
    credits: str | None
    total_ore: int
    total_kr: str
    lines: list[LineOut]


class PlanOut(Schema):
    seller: str
    month: str
    already_issued: bool
    problems: list[str] = Field(description="Alt der forhindrer udstedelse: manglende takster, derefter manglende "
                                            "parts- og EAN-oplysninger.")
    warnings: list[str]
    missing_tariffs: list[MissingTariffOut]
    total_ore: int
    total_kr: str
    invoices: list[InvoiceOut]
    credit_notes: list[InvoiceOut]


class IssueIn(Schema):
    month: str


class IssueOut(Schema):
    created: bool
    invoices: list[str]
    credit_notes: list[str]


def _seller(actor) -> Organisation:
    if actor.organisation_id is None:
        raise NotAllowed("Afregning køres for din egen organisation.")
    return Organisation.objects.get(pk=actor.organisation_id)


def _line(line, placement_reference: str, account_code: str, description: str, late_days: int,
          late_amount_ore: int) -> dict:
    return {"placement": placement_reference, "service_id": line.service_id, "period_from": line.period_from,
            "period_to": line.period_to, "unit": line.unit, "quantity": line.quantity, "rate_ore": line.rate_ore,
            "amount_ore": line.amount_ore, "amount_kr": str(ore_to_kr(line.amount_ore)),
            "account_code": account_code, "description": description, "late_claim": late_days > 0,
            "late_days": late_days, "late_amount_ore": late_amount_ore}


def _missing_out(item) -> dict:
    return {"service_id": item.service.pk, "service": item.service.name, "offer_id": item.service.offer_id,
            "offer": item.service.offer.name, "year": item.year, "first_day": item.first_day,
            "message": item.message_da}


def _invoice_out(invoice) -> dict:
    return {
        "id": invoice.pk, "number": invoice.number, "kind": invoice.kind, "seller": str(invoice.seller),
        "buyer": str(invoice.buyer), "buyer_ean": invoice.buyer_ean, "issue_date": invoice.issue_date,
        "due_date": invoice.due_date, "credits": invoice.credits.number if invoice.credits else None,
        "total_ore": invoice.total_ore, "total_kr": str(ore_to_kr(invoice.total_ore)),
        "lines": [_line(line, line.placement.reference if line.placement_id else "", line.account_code,
                        line.description, line.late_days, line.late_amount_ore)
                  for line in invoice.lines.select_related("placement")],
    }


@router.get("/settlement/{month}", response={200: PlanOut, **errors(400, 403)},
            summary="Forhåndsvis månedens afregning for egen organisation")
def settlement_preview(request, month: str):
    actor = actor_from_user(request.user)
    year, number = month_parse(month)
    plan = settlement_plan(actor=actor, seller=_seller(actor), year=year, month=number, issue_date=clock.today())
    plan.texts_read()  # every line is in the answer
    return {
        "seller": str(plan.seller), "month": month, "already_issued": plan.existing_run is not None,
        "problems": plan.blocking, "warnings": plan.warnings,
        "missing_tariffs": [_missing_out(item) for item in plan.missing_tariffs],
        "total_ore": plan.total_ore, "total_kr": str(ore_to_kr(plan.total_ore)),
        "invoices": [{
            "id": None, "number": None, "kind": "invoice", "seller": str(plan.seller), "buyer": str(p.buyer),
            "buyer_ean": p.buyer.ean, "issue_date": plan.issue_date, "due_date": plan.due_date, "credits": None,
            "total_ore": p.total_ore, "total_kr": str(ore_to_kr(p.total_ore)),
            "lines": [_line(x.line, x.placement.reference, x.account_code, x.description, x.late_days,
                            x.late_amount_ore) | {"provisional_tariff": x.provisional} for x in p.lines],
        } for p in plan.invoices],
        "credit_notes": [_invoice_out(c.invoice) | {"kind": "credit_note", "credits": c.invoice.number, "id": None,
                                                   "number": None, "total_ore": c.total_ore,
                                                   "total_kr": str(ore_to_kr(c.total_ore))}
                         for c in plan.credits],
    }


@router.post("/settlement", response={200: IssueOut, **errors(400, 403, 422)},
             summary="Udsted månedens fakturaer og kreditnotaer (idempotent)")
def settlement_issue_post(request, payload: IssueIn):
    actor = actor_from_user(request.user)
    year, month = month_parse(payload.month)
    result = settlement_issue(actor=actor, seller=_seller(actor), year=year, month=month, issue_date=clock.today())
    return {"created": result.created, "invoices": [i.number for i in result.invoices],
            "credit_notes": [c.number for c in result.credit_notes]}


@router.get("/invoices", response={200: list[InvoiceOut], **errors(400, 403)},
            summary="Fakturaer sendt og modtaget (egen organisation)")
def invoices(request, side: str = "", month: str = ""):
    year = number = None
    if month:
        year, number = month_parse(month)
    rows = invoice_list(actor=actor_from_user(request.user),
                        filters=InvoiceFilters(side=side, year=year, month=number))[:500]
    return [_invoice_out(invoice) for invoice in rows]


@router.get("/invoices/posting.csv", response=errors(400, 403), summary="Konteringsfil (CSV) for fakturaerne",
            openapi_extra=binary("text/csv", "CSV"))
def invoices_posting(request, side: str = "received", month: str = ""):
    year = number = None
    if month:
        year, number = month_parse(month)
    rows = invoice_list(actor=actor_from_user(request.user), filters=InvoiceFilters(side=side, year=year,
                                                                                     month=number))
    response = HttpResponse(posting_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kontering.csv"'
    return response


@router.get("/invoices/{invoice_id}", response={200: InvoiceOut, **errors(403, 404, 422)},
            summary="Én faktura eller kreditnota")
def invoice(request, invoice_id: Id):
    return _invoice_out(invoice_get(actor=actor_from_user(request.user), invoice_id=invoice_id))


@router.get("/invoices/{invoice_id}/oioubl", response=errors(403, 404, 422), summary="Fakturaen som OIOUBL 2.1 XML",
            openapi_extra=binary("application/xml", "OIOUBL 2.1 XML"))
def invoice_xml(request, invoice_id: Id):
    document = invoice_get(actor=actor_from_user(request.user), invoice_id=invoice_id)
    response = HttpResponse(invoice_oioubl(document), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{document.number}.xml"'
    return response
