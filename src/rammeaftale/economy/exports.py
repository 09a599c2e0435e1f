"""The report of expense increases as XLSX and PDF (PDF/UA, as the other reports)."""
import io

import xlsxwriter
from django.template.loader import render_to_string

from rammeaftale.core.money import ore_to_kr
from rammeaftale.core.spreadsheet import xlsx_options
from rammeaftale.economy.expense_report import ExpenseReport
from rammeaftale.reports.pdf import html_to_pdf

COLUMNS = ("Tilbud", "Driftsherre", "Ydelse", "Enhed", "Takst året før (kr.)", "Takst (kr.)", "Stigning (%)",
           "Driftsherrens forklaring", "Styregruppens status", "Bemærkning")


def expense_report_xlsx(report: ExpenseReport) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, xlsx_options(in_memory=True))
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": '#,##0.00 "kr."'})
    pct = book.add_format({"num_format": '0.00" %"'})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet = book.add_worksheet("Udgiftsstigninger")
    sheet.write(0, 0, f"Udgiftsstigninger over {report.report_above_pct} % i {report.year}: {report.region}", bold)
    sheet.write(1, 0, f"Til Socialtilsyn Øst. Regel: {report.rule_source}")
    top = 3
    for column, title in enumerate(COLUMNS):
        sheet.write(top, column, title, bold)
    for index, item in enumerate(report.rows, start=top + 1):
        tariff, offer = item.row.tariff, item.row.tariff.service.offer
        sheet.write(index, 0, offer.name)
        sheet.write(index, 1, str(offer.operator))
        sheet.write(index, 2, tariff.service.name)
        sheet.write(index, 3, tariff.service.get_unit_display())
        if item.row.previous is not None:
            sheet.write_number(index, 4, ore_to_kr(item.row.previous.amount_ore), money)
        sheet.write_number(index, 5, ore_to_kr(tariff.amount_ore), money)
        if item.row.increase_pct is not None:
            sheet.write_number(index, 6, item.row.increase_pct, pct)
        sheet.write(index, 7, item.explanation, wrap)
        sheet.write(index, 8, item.status_label)
        sheet.write(index, 9, item.note, wrap)
    sheet.set_column(0, 2, 30)
    sheet.set_column(3, 6, 14)
    sheet.set_column(7, 7, 50)
    sheet.set_column(8, 9, 24)
    sheet.autofilter(top, 0, top + max(len(report.rows), 1), len(COLUMNS) - 1)
    book.close()
    return buffer.getvalue()


def expense_report_pdf(report: ExpenseReport) -> bytes:
    return html_to_pdf(render_to_string("economy/expense_report_pdf.html", {"report": report}))
