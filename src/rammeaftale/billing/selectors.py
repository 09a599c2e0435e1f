"""Reads for settlement: invoices an organisation sent or received and its account codes, scoped to its
economists."""
from dataclasses import dataclass

from django.db.models import BigIntegerField, Case, F, Q, QuerySet, When

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.permissions import can_see_invoices_of
from rammeaftale.billing.models import AccountMapping, Invoice, InvoiceKind
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
    return invoices


def invoice_get(*, actor: Actor, invoice_id: int) -> Invoice:
    invoice = (Invoice.objects.select_related("seller", "buyer", "run", "credits")
               .prefetch_related("lines__placement", "lines__service").filter(pk=invoice_id).first())
    if invoice is None or not (actor.is_superuser or (
            actor.organisation_id in (invoice.seller_id, invoice.buyer_id)
            and can_see_invoices_of(actor, organisation_id=actor.organisation_id))):
        raise NotFound("Fakturaen findes ikke.", message_en="Invoice not found.")
    return invoice


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
