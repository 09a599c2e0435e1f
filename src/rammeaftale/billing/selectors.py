"""Reads for settlement: invoices an organisation sent or received, its runs and its account codes, scoped to its
economists."""
from dataclasses import dataclass

from django.db.models import BigIntegerField, Case, Count, F, Q, QuerySet, Sum, When

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.permissions import can_see_invoices_of
from rammeaftale.billing.models import AccountMapping, Invoice, InvoiceKind, SettlementRun
from rammeaftale.core.errors import NotAllowed, NotFound
from rammeaftale.registry.models import LegalParagraph


def signed_amount(line: str = "") -> Case:
    """An invoice line's amount as it counts for the buyer: a credit note's lines (stored positive) count negative.
    `line` is the lookup path to the line (empty: the query is on lines)."""
    prefix = f"{line}__" if line else ""
    return Case(When(**{f"{prefix}invoice__kind": InvoiceKind.CREDIT_NOTE}, then=-F(f"{prefix}amount_ore")),
                default=F(f"{prefix}amount_ore"), output_field=BigIntegerField())


@dataclass(frozen=True)
class InvoiceFilters:
    side: str = ""  # "received" (as buyer), "sent" (as seller), "" both
    year: int | None = None
    month: int | None = None
    kind: str = ""
    party: str = ""  # part of the other party's name (the buyer of what we sold, the seller of what we bought)


def invoice_list(*, actor: Actor, filters: InvoiceFilters = InvoiceFilters()) -> QuerySet[Invoice]:
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.")
    invoices = Invoice.objects.select_related("seller", "buyer", "run", "credits").order_by("-issue_date", "number")
    if not actor.is_superuser:
        if not can_see_invoices_of(actor, organisation_id=actor.organisation_id):
            raise NotAllowed("Kun økonomimedarbejdere kan se fakturaer.")
        invoices = invoices.filter(Q(seller_id=actor.organisation_id) | Q(buyer_id=actor.organisation_id))
    if filters.side == "received":
        invoices = invoices.filter(buyer_id=actor.organisation_id)
    elif filters.side == "sent":
        invoices = invoices.filter(seller_id=actor.organisation_id)
    if filters.year:
        invoices = invoices.filter(run__year=filters.year)
    if filters.month:
        invoices = invoices.filter(run__month=filters.month)
    if filters.kind:
        invoices = invoices.filter(kind=filters.kind)
    if filters.party:
        invoices = invoices.filter(
            (Q(buyer__name__icontains=filters.party) & ~Q(buyer_id=actor.organisation_id))
            | (Q(seller__name__icontains=filters.party) & ~Q(seller_id=actor.organisation_id)))
    return invoices


def invoice_nets_ore(invoices: QuerySet[Invoice], *, organisation_id: int | None = None) -> dict[str, int]:
    """The invoices' net amounts in øre, invoices positive and credit notes negative, in one query: "net" of them all
    and, for `organisation_id`, "sent" (it the seller) and "received" (it the buyer)."""
    signed = Case(When(kind=InvoiceKind.CREDIT_NOTE, then=-F("total_ore")), default=F("total_ore"),
                  output_field=BigIntegerField())
    sums = {"net": Sum(signed)}
    if organisation_id is not None:
        sums |= {"sent": Sum(signed, filter=Q(seller_id=organisation_id)),
                 "received": Sum(signed, filter=Q(buyer_id=organisation_id))}
    return {name: amount or 0 for name, amount in invoices.order_by().aggregate(**sums).items()}


def invoice_get(*, actor: Actor, invoice_id: int) -> Invoice:
    invoice = (Invoice.objects.select_related("seller", "buyer", "run", "credits")
               .prefetch_related("lines__placement", "lines__service").filter(pk=invoice_id).first())
    if invoice is None or not (actor.is_superuser or (
            actor.organisation_id in (invoice.seller_id, invoice.buyer_id)
            and can_see_invoices_of(actor, organisation_id=actor.organisation_id))):
        raise NotFound("Fakturaen findes ikke.", message_en="Invoice not found.")
    return invoice


@dataclass(frozen=True)
class IssuedRun:
    """A seller's issued month: the run and what it wrote, invoices and credit notes with their number of lines."""

    run: SettlementRun
    invoices: list[Invoice]
    credit_notes: list[Invoice]

    @property
    def invoices_total_ore(self) -> int:
        return sum(invoice.total_ore for invoice in self.invoices)

    @property
    def credit_notes_total_ore(self) -> int:
        return sum(note.total_ore for note in self.credit_notes)

    @property
    def net_total_ore(self) -> int:
        return self.invoices_total_ore - self.credit_notes_total_ore

    @property
    def lines(self) -> int:
        return sum(document.line_count for document in [*self.invoices, *self.credit_notes])


def settlement_run_get(*, actor: Actor, seller_id: int, year: int, month: int) -> IssuedRun:
    """The seller's run of the month, for the seller's own economists (as its invoices); NotFound otherwise."""
    run = SettlementRun.objects.select_related("seller", "issued_by").filter(
        seller_id=seller_id, year=year, month=month).first()
    if run is None or not (actor.is_superuser or (
            actor.organisation_id == seller_id and can_see_invoices_of(actor, organisation_id=seller_id))):
        raise NotFound("Måneden er ikke afregnet.", message_en="No settlement run for the month.")
    documents = list(run.invoices.select_related("buyer", "credits").annotate(line_count=Count("lines"))
                     .order_by("number"))
    return IssuedRun(run=run, invoices=[d for d in documents if d.kind == InvoiceKind.INVOICE],
                     credit_notes=[d for d in documents if d.kind == InvoiceKind.CREDIT_NOTE])


@dataclass(frozen=True)
class AccountCode:
    """One legal paragraph's account code for an organisation: its own, the shipped default, and the one used."""

    paragraph: LegalParagraph
    own: str
    default: str

    @property
    def used(self) -> str:
        return self.own or self.default


def account_code_list(*, actor: Actor) -> list[AccountCode]:
    """Every legal paragraph with the actor's organisation's own account code and the default; only for the
    organisation's economists and administrators (who see its invoices)."""
    if actor.organisation_id is None or not can_see_invoices_of(actor, organisation_id=actor.organisation_id):
        raise NotAllowed("Kun organisationens økonomimedarbejdere kan se og rette dens kontostrenge.")
    own, default = {}, {}
    for buyer_id, paragraph_id, code in AccountMapping.objects.filter(
            Q(buyer_id=actor.organisation_id) | Q(buyer__isnull=True)).values_list(
            "buyer_id", "paragraph_id", "account_code"):
        (own if buyer_id else default)[paragraph_id] = code
    return [AccountCode(paragraph=paragraph, own=own.get(paragraph.pk, ""), default=default.get(paragraph.pk, ""))
            for paragraph in LegalParagraph.objects.order_by("law", "code")]
