"""Issued invoices out of the system: OIOUBL e-invoices, the readable invoice (HTML and PDF/UA) and the posting file
(kontering) as CSV and XLSX."""
import calendar
import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import xlsxwriter
from django.template.loader import render_to_string

from rammeaftale.billing.models import Invoice, InvoiceKind, InvoiceLine, PaymentAccount
from rammeaftale.billing.settlement import line_accounts
from rammeaftale.bulk import id_lists
from rammeaftale.core.errors import DomainError
from rammeaftale.core.money import ore_to_kr
from rammeaftale.core.spreadsheet import safe_cell, xlsx_options
from rammeaftale.einvoice import model as einvoice
from rammeaftale.einvoice.oioubl import credit_note_to_oioubl, invoice_to_oioubl
from rammeaftale.parties.models import Organisation
from rammeaftale.registry.models import LegalParagraph, Offer, OfferType
from rammeaftale.reports.pdf import html_to_pdf
from rammeaftale.rulebooks.display import MONTHS_DA, number_da

VAT_NOTE = "Momsfri ydelse (momsloven § 13, stk. 1, nr. 2)."
NO_ACCOUNT = "MANGLER KONTERING"  # a posting line without a kontostreng, never a blank cell


def _party(organisation: Organisation, *, ean: str, cvr: str) -> einvoice.Party:
    return einvoice.Party(name=str(organisation), gln=ean, street=organisation.address,
                          postcode=organisation.postcode, city=organisation.city, cvr=cvr or None)


def _payment_means(seller: Organisation):
    account = PaymentAccount.objects.filter(organisation=seller).first()
    if account is None:
        raise DomainError(f"{seller} har ingen bankkonto registreret; e-fakturaen kan ikke dannes.",
                          field="payment_account", message_en="the seller has no payment account")
    if account.iban:
        return einvoice.IbanAccount(iban=account.iban, bic=account.bic)
    return einvoice.DanishBankAccount(reg_no=account.reg_no, account_no=account.account_no)


def _quantity_price_unit(line) -> tuple[Decimal, int, str]:
    """How a stored line reads on the e-invoice: quantity × price = amount, with its UN/ECE unit code."""
    if line.unit == "fixed":  # a fixed charge (guarantee share, subscription): one amount
        return Decimal(1), line.amount_ore, "EA"
    if line.basis == "pro_rata":  # part of a month: one part month priced at the rounded line amount
        return Decimal(1), line.amount_ore, "MON"
    if line.basis == "month":
        return Decimal(1), line.rate_ore, "MON"
    if line.unit == "hour":
        return Decimal(line.quantity) / 60, line.rate_ore, "HUR"  # whole quarter hours: exact
    return Decimal(line.quantity), line.rate_ore, "DAY"


def _line_note(line) -> str:
    if line.placement_id is None:
        return line.charge.get_kind_display() if line.charge_id else "Kreditering"
    return f"Placering {line.placement.reference}"


def _document(invoice: Invoice):
    lines = []
    for number, line in enumerate(invoice.lines.select_related("placement", "service", "charge").order_by("id"),
                                  start=1):
        quantity, price_ore, unit = _quantity_price_unit(line)
        lines.append(einvoice.InvoiceLine(
            line_id=str(number), description=line.description, quantity=quantity, unit_code=unit,
            price_ore=price_ore, amount_ore=line.amount_ore, period_from=line.period_from,
            period_to=line.period_to, accounting_cost=line.account_code or None,
            note=_line_note(line),
        ))
    common = dict(
        number=invoice.number, issue_date=invoice.issue_date, due_date=invoice.due_date,
        supplier=_party(invoice.seller, ean=invoice.seller_ean, cvr=invoice.seller_cvr),
        customer=_party(invoice.buyer, ean=invoice.buyer_ean, cvr=invoice.buyer.cvr),
        order_reference=f"Afregning {invoice.run.year}-{invoice.run.month:02d}", lines=tuple(lines),
        payment_means=_payment_means(invoice.seller), payment_terms=invoice.payment_terms,
        note=f"Takster efter rammeaftalens takstoversigt. {VAT_NOTE}",
    )
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        return einvoice.CreditNote(**common, billing_reference=einvoice.InvoiceReference(
            number=invoice.credits.number, issue_date=invoice.credits.issue_date))
    return einvoice.Invoice(**common)


def invoice_oioubl(invoice: Invoice) -> bytes:
    """The invoice or credit note as OIOUBL 2.1 XML; a document unfit to send gets the Danish reason."""
    try:
        document = _document(invoice)
    except einvoice.EInvoiceError as error:
        raise DomainError(error.message_da, field=error.field, code="einvoice",
                          message_en="the invoice cannot be sent as OIOUBL") from error
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        return credit_note_to_oioubl(document)
    return invoice_to_oioubl(document)


# How a stored line reads to people: its quantity in the unit its rate is per


def unit_da(line: InvoiceLine, offer_type: str | None) -> str:
    """The unit the line's rate is per, in Danish: a residential offer's day is a «døgn», a day, outpatient or
    education offer's (and an employment offer's, § 103) a «dag»; «timer», «måned» (also a part month billed pro
    rata from the monthly tariff) and «stk.» for a fixed charge. The line's unit alone cannot say døgn or dag: a
    service's unit `day` is both (ServiceUnit "døgn/dag"); the offer's type decides."""
    if line.unit == "fixed":
        return "stk."
    if line.unit == "hour":
        return "timer"
    if line.unit == "month" or line.basis in ("month", "pro_rata"):
        return "måned"
    return "døgn" if offer_type == OfferType.RESIDENTIAL else "dag"


def line_quantity(line: InvoiceLine) -> Decimal:
    """The quantity in `unit_da`'s unit: days, hours (whole quarter hours: exact), one month, a part month as the
    share of its days (4 decimals: the amount stays the stored, rounded one), or one fixed amount."""
    if line.unit == "fixed" or line.basis == "month":
        return Decimal(1)
    if line.unit == "hour":
        return Decimal(line.quantity) / 60
    if line.basis == "pro_rata":
        days_in_month = calendar.monthrange(line.period_from.year, line.period_from.month)[1]
        return (Decimal(line.quantity) / days_in_month).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return Decimal(line.quantity)


def _quantity_da(line: InvoiceLine) -> str:
    if line.basis == "pro_rata":
        days_in_month = calendar.monthrange(line.period_from.year, line.period_from.month)[1]
        return f"{line.quantity}/{days_in_month}"
    if line.unit == "hour":
        return number_da(line_quantity(line).quantize(Decimal("0.01")))
    return number_da(line_quantity(line))


def _line_offer(line: InvoiceLine) -> Offer | None:
    if line.service_id:
        return line.service.offer
    if line.charge_id:
        return line.charge.offer
    return None


def _paragraph_labels(offer_ids) -> dict[int, str]:
    """Each offer's legal paragraphs as one text ("SEL § 105, stk. 2 / SEL § 85"), in the order the account code is
    chosen by (paragraph code)."""
    labels = {p.pk: (p.code, p.label) for p in LegalParagraph.objects.all()}
    by_offer = defaultdict(list)
    through = Offer.paragraphs.through
    for chunk in id_lists(offer_ids):
        for offer_id, paragraph_id in through.objects.filter(offer_id__in=chunk).values_list(
                "offer_id", "legalparagraph_id"):
            by_offer[offer_id].append(labels[paragraph_id])
    return {offer_id: " / ".join(label for _, label in sorted(pairs)) for offer_id, pairs in by_offer.items()}


LINE_RELATED = ("invoice__seller", "invoice__buyer", "placement", "service__offer", "charge__offer")


def _lines_of(invoices: list[Invoice]) -> dict[int, list[InvoiceLine]]:
    lines = defaultdict(list)
    for chunk in id_lists(invoice.pk for invoice in invoices):
        for line in InvoiceLine.objects.filter(invoice_id__in=chunk).select_related(*LINE_RELATED).order_by("id"):
            lines[line.invoice_id].append(line)
    return lines


@dataclass(frozen=True)
class LineFacts:
    """What a reader of an issued line needs besides its stored fields: the unit, the quantity in it, the legal
    paragraphs of its offer and the account code (the issued one, or else the buyer's code now)."""

    line: InvoiceLine
    unit: str
    quantity: Decimal
    quantity_text: str
    paragraphs: str
    account_code: str  # "" only where neither the issued line nor the buyer's codes have one

    @property
    def reference(self) -> str:
        return self.line.placement.reference if self.line.placement_id else ""

    @property
    def text(self) -> str:
        """The service's name, or a fixed charge's or a credited line's own text."""
        return self.line.service.name if self.line.service_id else self.line.description

    @property
    def last_day(self) -> date:
        return self.line.period_to - timedelta(days=1)


def line_facts(invoices: list[Invoice]) -> dict[int, list[LineFacts]]:
    """The invoices' lines, by invoice, in line order, read in a few queries for any number of invoices. A line
    issued without an account code gets the buyer's code as it is now (`settlement.line_accounts`): the posting file
    is the buyer's, and the buyer may have added the code since; the issued invoice itself never changes."""
    lines = _lines_of(invoices)
    offer_of = {line.pk: _line_offer(line) for each in lines.values() for line in each}
    paragraphs = _paragraph_labels({offer.pk for offer in offer_of.values() if offer is not None})
    unaccounted = {(line.invoice.buyer_id, offer_of[line.pk].pk) for each in lines.values() for line in each
                   if not line.account_code and offer_of[line.pk] is not None}
    now = line_accounts(unaccounted) if unaccounted else {}
    facts = {}
    for invoice_id, each in lines.items():
        facts[invoice_id] = []
        for line in each:
            offer = offer_of[line.pk]
            account = line.account_code or (now.get((line.invoice.buyer_id, offer.pk), "") if offer else "")
            facts[invoice_id].append(LineFacts(
                line=line, unit=unit_da(line, offer.offer_type if offer else None), quantity=line_quantity(line),
                quantity_text=_quantity_da(line), paragraphs=paragraphs.get(offer.pk, "") if offer else "",
                account_code=account))
    return facts


# The readable invoice


@dataclass(frozen=True)
class Payment:
    """Where and by when the seller is paid, as printed on the invoice."""

    reg_no: str
    account_no: str
    iban: str
    bic: str
    due_date: date
    terms: str


@dataclass(frozen=True)
class InvoiceDocument:
    """An issued invoice or credit note as the readable document (page and PDF) shows it."""

    invoice: Invoice
    lines: list[LineFacts]
    payment: Payment | None  # None: the seller has no bank account registered (the page says so)

    @property
    def is_credit_note(self) -> bool:
        return self.invoice.kind == InvoiceKind.CREDIT_NOTE

    @property
    def title(self) -> str:
        return f"{self.invoice.get_kind_display()} {self.invoice.number}"

    @property
    def month_da(self) -> str:
        return f"{MONTHS_DA[self.invoice.run.month - 1]} {self.invoice.run.year}"

    @property
    def late_days(self) -> int:
        return sum(facts.line.late_days for facts in self.lines)

    @property
    def missing_accounts(self) -> int:
        return sum(1 for facts in self.lines if not facts.account_code)

    @property
    def vat_note(self) -> str:
        return VAT_NOTE


def invoice_document(invoice: Invoice) -> InvoiceDocument:
    """The invoice (from `selectors.invoice_get`, so already scoped to the reader) with its lines and payment."""
    account = PaymentAccount.objects.filter(organisation_id=invoice.seller_id).first()
    payment = None if account is None else Payment(
        reg_no=account.reg_no, account_no=account.account_no, iban=account.iban, bic=account.bic,
        due_date=invoice.due_date, terms=invoice.payment_terms)
    return InvoiceDocument(invoice=invoice, lines=line_facts([invoice]).get(invoice.pk, []), payment=payment)


def invoice_pdf(document: InvoiceDocument) -> bytes:
    """The readable invoice or credit note as PDF/UA (tagged, with its title and language), as the other reports."""
    return html_to_pdf(render_to_string("billing/invoice_pdf.html", {"document": document}))


# The posting file (konteringsfil)


POSTING_COLUMNS = ("Fakturanr.", "Type", "Fakturadato", "Forfald", "Sælger", "Sælgers EAN", "Køber", "Placering",
                   "Ydelse", "Fra", "Til og med", "Antal", "Enhed", "Takst (kr.)", "Beløb (kr.)", "Lovgrundlag",
                   "Kontostreng", "Dage ældre end 12 mdr.", "Heraf beløb for de dage (kr.)")
MONEY_COLUMNS = {"Takst (kr.)", "Beløb (kr.)", "Heraf beløb for de dage (kr.)"}
TOTAL_COLUMNS = ("Køber", "Kontostreng", "Lovgrundlag", "Linjer", "Beløb (kr.)")


def posting_rows(invoices) -> list[list]:
    """One row per line; credit notes negative so that the file sums to what is owed. Every row has an account
    code: the issued one, the buyer's code now, or «MANGLER KONTERING» (never a blank cell)."""
    invoices = list(invoices)
    facts = line_facts(invoices)
    rows = []
    for invoice in invoices:
        sign = -1 if invoice.kind == InvoiceKind.CREDIT_NOTE else 1
        for item in facts.get(invoice.pk, []):
            line = item.line
            rows.append([
                invoice.number, invoice.get_kind_display(), invoice.issue_date, invoice.due_date, str(invoice.seller),
                invoice.seller_ean, str(invoice.buyer), item.reference, item.text, line.period_from, item.last_day,
                item.quantity, item.unit, ore_to_kr(line.rate_ore), ore_to_kr(sign * line.amount_ore),
                item.paragraphs, item.account_code or NO_ACCOUNT,
                line.late_days or "", ore_to_kr(sign * line.late_amount_ore) if line.late_days else "",
            ])
    return rows


def posting_totals(rows: list[list]) -> list[list]:
    """The posting rows summed per buyer and account code (with the paragraphs posted to it and the number of
    lines), in buyer and account order: what the ERP's ledger should show after the import."""
    column = {name: index for index, name in enumerate(POSTING_COLUMNS)}
    totals: dict[tuple[str, str], list] = {}
    for row in rows:
        key = (row[column["Køber"]], row[column["Kontostreng"]])
        entry = totals.setdefault(key, [set(), 0, Decimal(0)])
        if row[column["Lovgrundlag"]]:
            entry[0].add(row[column["Lovgrundlag"]])
        entry[1] += 1
        entry[2] += row[column["Beløb (kr.)"]]
    return [[buyer, account, "; ".join(sorted(paragraphs)), count, amount]
            for (buyer, account), (paragraphs, count, amount) in sorted(totals.items())]


def _csv(header, rows) -> bytes:
    """Semicolon-separated, decimal comma, UTF-8 with BOM: what Danish Excel and ERP imports read."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([
            value.strftime("%d-%m-%Y") if hasattr(value, "strftime") else
            str(value).replace(".", ",") if isinstance(value, Decimal) else safe_cell(value)
            for value in row
        ])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def posting_csv(invoices) -> bytes:
    """The lines only, one header row: an ERP import reads every row after the header as a posting, so the totals
    per account are not trailing rows here (they would be posted twice) but their own file (`posting_totals_csv`)
    and the XLSX's second sheet."""
    return _csv(POSTING_COLUMNS, posting_rows(invoices))


def posting_totals_csv(invoices) -> bytes:
    """The totals per buyer and account code, to check the import against."""
    return _csv(TOTAL_COLUMNS, posting_totals(posting_rows(invoices)))


def posting_xlsx(invoices, *, title: str) -> bytes:
    """Sheet «Kontering»: the lines as an Excel table; sheet «Pr. kontostreng»: the totals per buyer and account."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, xlsx_options(in_memory=True))
    money = workbook.add_format({"num_format": '#,##0.00 "kr."'})
    day = workbook.add_format({"num_format": "dd-mm-yyyy"})
    bold = workbook.add_format({"bold": True})
    heading = workbook.add_format({"bold": True, "font_size": 13})
    rows = posting_rows(invoices)
    sheet = workbook.add_worksheet("Kontering")
    sheet.write(0, 0, title, heading)
    _table(sheet, rows, POSTING_COLUMNS, name="Kontering", money=money, day=day)
    sheet.freeze_panes(3, 0)
    sheet.set_column(0, 0, 18)
    sheet.set_column(4, 8, 22)
    sheet.set_column(13, 16, 14)
    totals = workbook.add_worksheet("Pr. kontostreng")
    totals.write(0, 0, f"{title}: i alt pr. kontostreng", heading)
    total_rows = posting_totals(rows)
    _table(totals, total_rows, TOTAL_COLUMNS, name="KonteringIAlt", money=money, day=day)
    if total_rows:
        end = 3 + len(total_rows)
        totals.write(end + 1, 0, "I alt", bold)
        totals.write_number(end + 1, 3, sum(row[3] for row in total_rows), bold)
        totals.write_number(end + 1, 4, sum(row[4] for row in total_rows), money)
    totals.set_column(0, 1, 22)
    totals.set_column(2, 2, 30)
    totals.set_column(3, 4, 14)
    workbook.close()
    return output.getvalue()


def _table(sheet, rows: list[list], columns: tuple[str, ...], *, name: str, money, day) -> None:
    if not rows:
        sheet.write(2, 0, "Ingen fakturaer i perioden.")
        return
    sheet.add_table(2, 0, 2 + len(rows), len(columns) - 1, {
        "columns": [{"header": column} for column in columns], "style": "Table Style Light 9", "name": name,
    })
    for index, row in enumerate(rows, start=3):
        for column, value in enumerate(row):
            if columns[column] in MONEY_COLUMNS and isinstance(value, Decimal):
                sheet.write_number(index, column, value, money)
            elif hasattr(value, "strftime"):
                sheet.write_datetime(index, column, value, day)
            elif isinstance(value, Decimal | int):
                sheet.write_number(index, column, value)
            else:
                sheet.write(index, column, value)
