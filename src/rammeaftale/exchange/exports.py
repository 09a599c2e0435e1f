"""The search's result as XLSX: every matching offer with its free places, confirmation and tariff."""
import io
from datetime import date, datetime

import xlsxwriter

from rammeaftale.core.money import ore_to_kr
from rammeaftale.core.spreadsheet import xlsx_options
from rammeaftale.exchange.search import FREE_FOR_DAYS, VacancyResults

COLUMNS = ("Tilbud", "Driftsherre", "Driftsform", "Tilbudstype", "Beliggenhedskommune", "Region", "Afstand",
           "Alder fra", "Alder til", "Kategori", "Pladser", f"Ledige (første {FREE_FOR_DAYS} dage)",
           "Bekræftet ledige", "Bekræftet den", "Bekræftelse gælder", "Ydelse", "Takst (kr.)", "Enhed", "Foreløbig")


def vacancy_results_xlsx(results: VacancyResults) -> bytes:
    """One sheet, a table with a header row; text is written as text (no formulas from user text)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, xlsx_options(in_memory=True))
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": '#,##0.00 "kr."'})
    day = book.add_format({"num_format": "dd.mm.yyyy"})
    sheet = book.add_worksheet("Ledige pladser")
    sheet.write(0, 0, f"Ledige pladser fra {results.free_from:%d.%m.%Y}", bold)
    sheet.write(1, 0, f"{results.matching} tilbud passer til søgningen; {len(results.hits)} vises.")
    top = 3
    for column, title in enumerate(COLUMNS):
        sheet.write(top, column, title, bold)
    for index, hit in enumerate(results.hits, start=top + 1):
        confirmation = hit.confirmation
        values = [hit.name, hit.operator_name, hit.operator_kind_label, hit.offer_type_label, hit.municipality,
                  hit.region, hit.distance_label, hit.age_from, hit.age_to, hit.category_label, hit.places, hit.free,
                  confirmation.places if confirmation else None]
        for column, value in enumerate(values):
            if value is not None:
                sheet.write(index, column, value)
        if confirmation:
            sheet.write_datetime(index, 13, _as_datetime(confirmation.confirmed_on), day)
            sheet.write(index, 14, "ja" if confirmation.trusted else f"nej ({confirmation.age_days} dage gammel)")
        if hit.tariff:
            sheet.write(index, 15, hit.tariff.service_name)
            sheet.write_number(index, 16, ore_to_kr(hit.tariff.amount_ore), money)
            sheet.write(index, 17, hit.tariff.unit_label)
            sheet.write(index, 18, "ja" if hit.tariff.provisional else "nej")
    sheet.autofilter(top, 0, top + len(results.hits), len(COLUMNS) - 1)
    sheet.freeze_panes(top + 1, 1)
    sheet.set_column(0, 1, 36)
    sheet.set_column(2, 18, 14)
    book.close()
    return buffer.getvalue()


def _as_datetime(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)
