"""Issued invoices out of the system: OIOUBL e-invoices, an XLSX of invoices and the buyer's posting file."""
import csv
import io
from datetime import timedelta
from decimal import Decimal

import xlsxwriter

from rammeaftale.billing.models import Invoice, InvoiceKind, PaymentAccount
from rammeaftale.core.errors import DomainError
from rammeaftale.core.money import ore_to_kr
from rammeaftale.core.spreadsheet import safe_cell, xlsx_options
from rammeaftale.einvoice import model as einvoice
from rammeaftale.einvoice.oioubl import credit_note_to_oioubl, invoice_to_oioubl
from rammeaftale.parties.models import Organisation

UNIT_DA = {"day": "døgn", "month": "måned", "hour": "timer", "fixed": "stk."}


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
        note="Takster efter rammeaftalens takstoversigt; momsfri ydelse (momsloven § 13, stk. 1, nr. 2).",
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


POSTING_COLUMNS = ("Fakturanr.", "Type", "Fakturadato", "Forfald", "Sælger", "Sælgers EAN", "Køber", "Placering",
                   "Ydelse", "Fra", "Til og med", "Antal", "Enhed", "Takst (kr.)", "Beløb (kr.)", "Kontostreng",
                   "Dage ældre end 12 mdr.", "Heraf beløb for de dage (kr.)")


def posting_rows(invoices) -> list[list]:
    """One row per line; credit notes negative so that the file sums to what is owed."""
    rows = []
    for invoice in invoices:
        sign = -1 if invoice.kind == InvoiceKind.CREDIT_NOTE else 1
        for line in invoice.lines.select_related("placement", "service", "charge").order_by("id"):
            quantity = Decimal(line.quantity) / 60 if line.unit == "hour" else line.quantity
            rows.append([
                invoice.number, invoice.get_kind_display(), invoice.issue_date, invoice.due_date, str(invoice.seller),
                invoice.seller_ean, str(invoice.buyer), line.placement.reference if line.placement_id else "",
                line.service.name if line.service_id else line.description,
                line.period_from, line.period_to - timedelta(days=1), quantity, UNIT_DA[line.unit],
                ore_to_kr(line.rate_ore), ore_to_kr(sign * line.amount_ore), line.account_code,
                line.late_days or "", ore_to_kr(sign * line.late_amount_ore) if line.late_days else "",
            ])
    return rows


def posting_csv(invoices) -> bytes:
    """Semicolon-separated, decimal comma, UTF-8 with BOM: what Danish Excel and ERP imports read."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(POSTING_COLUMNS)
    for row in posting_rows(invoices):
        writer.writerow([
            value.strftime("%d-%m-%Y") if hasattr(value, "strftime") else
            str(value).replace(".", ",") if isinstance(value, Decimal) else safe_cell(value)
            for value in row
        ])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def posting_xlsx(invoices, *, title: str) -> bytes:
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, xlsx_options(in_memory=True))
    sheet = workbook.add_worksheet("Kontering")
    money = workbook.add_format({"num_format": '#,##0.00 "kr."'})
    day = workbook.add_format({"num_format": "dd-mm-yyyy"})
    sheet.write(0, 0, title, workbook.add_format({"bold": True, "font_size": 13}))
    rows = posting_rows(invoices)
    columns = [{"header": name} for name in POSTING_COLUMNS]
    if rows:
        sheet.add_table(2, 0, 2 + len(rows), len(POSTING_COLUMNS) - 1, {
            "columns": columns, "style": "Table Style Light 9", "name": "Kontering",
        })
        for index, row in enumerate(rows, start=3):
            for column, value in enumerate(row):
                if column in (13, 14) or (column == 17 and isinstance(value, Decimal)):
                    sheet.write_number(index, column, value, money)
                elif hasattr(value, "strftime"):
                    sheet.write_datetime(index, column, value, day)
                elif isinstance(value, Decimal | int):
                    sheet.write_number(index, column, value)
                else:
                    sheet.write(index, column, value)
    else:
        sheet.write(2, 0, "Ingen fakturaer i perioden.")
    sheet.freeze_panes(3, 0)
    sheet.set_column(0, 0, 18)
    sheet.set_column(4, 8, 22)
    sheet.set_column(13, 15, 14)
    workbook.close()
    return output.getvalue()
