"""The tariff list (takstoversigt) as XLSX (xlsxwriter) and PDF (WeasyPrint), fit for the political documents."""
import io
import re
from datetime import datetime
from decimal import Decimal

import xlsxwriter
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from rammeaftale.core.money import format_kr, kr_to_ore, ore_to_kr
from rammeaftale.core.spreadsheet import xlsx_options
from rammeaftale.registry.models import OfferType, ServiceUnit
from rammeaftale.reports.pdf import Progress, html_to_pdf, htmls_to_pdf, no_progress
from rammeaftale.tariffs.selectors import TariffList

UNIT_LABELS = dict(ServiceUnit.choices)
OFFER_TYPE_LABELS = dict(OfferType.choices)
MONEY = '#,##0.00 "kr."'


def _flags(row) -> str:
    flags = []
    if row.over_cap:
        explained = (" (forklaret)" if row.explained else " – forklaring mangler") if row.explanation_required else ""
        flags.append(f"over P/L{explained}: loft {format_kr(kr_to_ore(row.growth.cap_kr_display))} "
                     f"({row.growth.basis_da()})")
    if row.report_required:
        flags.append("skal indberettes")
    if row.growth is not None:
        flags.extend(row.growth.notes)
    return "; ".join(flags)


def tariff_list_xlsx(tariff_list: TariffList) -> bytes:
    return tariff_lists_xlsx([tariff_list])


def tariff_lists_xlsx(tariff_lists: list[TariffList], *, progress: Progress = no_progress) -> bytes:
    """One region's list as the sheets Takstoversigt and Specifikation; several (the whole country) as a pair of
    sheets per region, named after it. Each list is a progress step, and so is the writing."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, xlsx_options(in_memory=True))
    formats = {"bold": book.add_format({"bold": True}), "title": book.add_format({"bold": True, "font_size": 14}),
               "money": book.add_format({"num_format": MONEY}), "pct": book.add_format({"num_format": '0.00" %"'})}
    total = len(tariff_lists) + 1
    for index, tariff_list in enumerate(tariff_lists):
        progress(index, total, f"Skriver {tariff_list.agreement.region.name}")
        suffix = f" {tariff_list.agreement.region.name}"[:31 - len("Specifikation")] if len(tariff_lists) > 1 else ""
        _tariff_sheet(book, tariff_list, formats, name=f"Takstoversigt{suffix}",
                      table=f"Takstoversigt{index + 1 if suffix else ''}")
        _breakdown_sheet(book, tariff_list, name=f"Specifikation{suffix}", bold=formats["bold"],
                         money=formats["money"])
    progress(total - 1, total, "Skriver XLSX-filen")
    book.close()
    return buffer.getvalue()


def _tariff_sheet(book, tariff_list: TariffList, formats: dict, *, name: str, table: str) -> None:
    bold, title, money, pct = formats["bold"], formats["title"], formats["money"], formats["pct"]
    sheet = book.add_worksheet(name)
    year = tariff_list.year
    sheet.write(0, 0, f"Takstoversigt {year}: {tariff_list.agreement.name}", title)
    pl = tariff_list.price_index
    sheet.write(1, 0, f"P/L {year}: " + (f"{pl.rate_pct} %" + (" (eksempeltal)" if pl.is_example else "")
                                           if pl else "mangler i P/L-tabellen"))
    sheet.write(2, 0, f"Dannet {timezone.localtime():%d.%m.%Y %H:%M}")
    sheet.write(3, 0, tariff_list.rule_da)
    headers = ["Tilbud", "Driftsherre", "Tilbudstype", "Ydelse", "Enhed", f"Takst {year - 1}", f"Takst {year}",
               "Månedstakst", "Ændring %", f"Loft {year}", "Bemærkning", "Forklaring"]
    top = 4
    rows = tariff_list.rows
    for index, row in enumerate(rows, start=top + 1):
        tariff, offer = row.tariff, row.tariff.service.offer
        sheet.write(index, 0, offer.name)
        sheet.write(index, 1, str(offer.operator))
        sheet.write(index, 2, OFFER_TYPE_LABELS.get(offer.offer_type, offer.offer_type))
        sheet.write(index, 3, tariff.service.name)
        sheet.write(index, 4, UNIT_LABELS.get(tariff.service.unit, tariff.service.unit))
        if row.previous is not None:
            sheet.write_number(index, 5, ore_to_kr(row.previous.amount_ore), money)
        sheet.write_number(index, 6, ore_to_kr(tariff.amount_ore), money)
        if tariff.monthly_ore is not None:
            sheet.write_number(index, 7, ore_to_kr(tariff.monthly_ore), money)
        if row.increase_pct is not None:
            sheet.write_number(index, 8, row.increase_pct, pct)
        if row.growth is not None and row.growth.cap_kr is not None:
            sheet.write_number(index, 9, row.growth.cap_kr_display, money)
        sheet.write(index, 10, _flags(row))
        sheet.write(index, 11, tariff.explanation.text if row.explained else "")
    sheet.add_table(top, 0, top + max(len(rows), 1), len(headers) - 1, {
        "columns": [{"header": header, "header_format": bold} for header in headers], "style": "Table Style Light 9",
        "name": table,
    })
    sheet.freeze_panes(top + 1, 1)
    sheet.set_column(0, 1, 34)
    sheet.set_column(2, 4, 18)
    sheet.set_column(5, 9, 14)
    sheet.set_column(10, 11, 40)


def _breakdown_sheet(book, tariff_list: TariffList, *, name: str, bold, money) -> None:
    sheet = book.add_worksheet(name)
    sheet.write_row(0, 0, ["Tilbud", "Ydelse", "Element", "Beløb i alt", "Pr. enhed"], bold)
    line_number = 1
    for row in tariff_list.rows:
        calculation = row.tariff.calculation
        if calculation is None:
            continue
        for service in calculation.result["services"]:
            if service["service_id"] != row.tariff.service_id:
                continue
            for part in service["breakdown"]:
                sheet.write(line_number, 0, row.tariff.service.offer.name)
                sheet.write(line_number, 1, service["name"])
                sheet.write(line_number, 2, part["label"])
                sheet.write_number(line_number, 3, Decimal(part["amount"]), money)
                sheet.write_number(line_number, 4, Decimal(part["per_unit"]), money)
                line_number += 1
    sheet.set_column(0, 2, 36)
    sheet.set_column(3, 4, 16)


def tariff_list_pdf(tariff_list: TariffList, *, progress: Progress = no_progress) -> bytes:
    return html_to_pdf(tariff_list_html(tariff_list), progress=progress, done=1, total=3)


def tariff_lists_pdf(tariff_lists: list[TariffList], *, title: str, progress: Progress = no_progress) -> bytes:
    """Several regions' lists (the whole country) as one PDF, each region with its own heading and page numbers."""
    return htmls_to_pdf([tariff_list_html(tariff_list) for tariff_list in tariff_lists], title=title,
                        progress=progress, done=1, total=len(tariff_lists) + 2)


_AMOUNT = re.compile(r"(?:\S+ )?\d{1,3}(?:\.\d{3})*,\d\d kr\.")


def _unbroken_amounts(text: str) -> SafeString:
    """`text` as HTML with each amount kept on one line with the word before it («loft 2.467,20 kr.»): the PDF's
    columns have fixed widths, and a remark wraps where it must."""
    return mark_safe(_AMOUNT.sub(lambda match: f'<span class="nowrap">{match.group(0)}</span>', escape(text)))


def tariff_list_html(tariff_list: TariffList) -> str:
    return render_to_string("tariffs/tariff_list_pdf.html", {
        "list": tariff_list, "generated": timezone.localtime(),
        "rows": [
            {"row": row, "offer": row.tariff.service.offer, "unit": UNIT_LABELS.get(row.tariff.service.unit, ""),
             "previous": format_kr(row.previous.amount_ore) if row.previous else "–",
             "current": format_kr(row.tariff.amount_ore),
             "monthly": format_kr(row.tariff.monthly_ore) if row.tariff.monthly_ore is not None else "–",
             "flags": _unbroken_amounts(_flags(row))}
            for row in tariff_list.rows
        ],
    })


def export_filename(tariff_list: TariffList, extension: str, *, now: datetime | None = None) -> str:
    region = tariff_list.agreement.region.name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return f"takstoversigt-{region}-{tariff_list.year}.{extension}"
