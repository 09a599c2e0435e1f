"""Demand and forecast as a chart (supply against forecast demand per target group) and as XLSX."""
import io

import xlsxwriter

from rammeaftale.core.spreadsheet import xlsx_options
from rammeaftale.economy.demand import DemandAnalysis, DemandGroup
from rammeaftale.economy.models import Expectation
from rammeaftale.engine.demand import INTERVAL_PCT
from rammeaftale.reports.charts import demand_chart

COLUMNS = ("Gruppe", "År", "Art", "Placeringer", "Belagte pladsdøgn", "Pladser 1. januar", "Kapacitet (pladsdøgn)",
           "Prognose (pladsdøgn)", f"Prognoseinterval {INTERVAL_PCT} %, nedre",
           f"Prognoseinterval {INTERVAL_PCT} %, øvre",
           "Kapacitet minus prognose")
EXPECTATION_COLUMNS = ("Målgruppe", "Kommuner: større behov", "Kommuner: samme behov", "Kommuner: mindre behov",
                       "Prognosemetode")


def group_chart(group: DemandGroup) -> dict:
    """The group's capacity and occupied place-days over the whole years, then capacity against the forecast."""
    return demand_chart(
        observed=[(year.year, year.occupied_days, year.capacity_days) for year in group.history],
        forecast=[(year.year, year.capacity_days, year.forecast.value, year.forecast.lower, year.forecast.upper)
                  for year in group.future if year.forecast is not None],
        interval_pct=INTERVAL_PCT, title=f"Kapacitet og prognose: {group.label}")


def _write_groups(sheet, bold, groups: tuple[DemandGroup, ...], top: int) -> int:
    for column, title in enumerate(COLUMNS):
        sheet.write(top, column, title, bold)
    row = top
    for group in groups:
        for year in group.history:
            row += 1
            sheet.write_row(row, 0, (group.label, year.year, "Hele år", year.placements, year.occupied_days,
                                     year.places, year.capacity_days))
        for year in group.future:
            row += 1
            kind = "Prognose; til dato" if year.running else "Prognose"
            values = [group.label, year.year, kind, year.placements if year.running else "",
                      year.occupied_days if year.running else "", year.places, year.capacity_days]
            if year.forecast is not None:
                values += [year.forecast.value, year.forecast.lower, year.forecast.upper, year.capacity_margin]
            else:
                values += [group.forecast.message_da]
            sheet.write_row(row, 0, values)
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 1, 8)
    sheet.set_column(2, 2, 18)
    sheet.set_column(3, len(COLUMNS) - 1, 16)
    sheet.autofilter(top, 0, max(row, top + 1), len(COLUMNS) - 1)
    return row


def demand_xlsx(analysis: DemandAnalysis) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, xlsx_options(in_memory=True))
    bold = book.add_format({"bold": True})
    note = (f"Prognose af belagte pladsdøgn med {INTERVAL_PCT} % prognoseinterval (eksponentiel udjævning, "
            f"statsmodels); det løbende år er opgjort til {analysis.today:%d.%m.%Y}. Et tilbud med flere målgrupper "
            "tæller i hver af dem.")
    sheet = book.add_worksheet("Målgrupper")
    sheet.write(0, 0, analysis.title, bold)
    sheet.write(1, 0, note)
    _write_groups(sheet, bold, analysis.by_target_group, 3)
    sheet = book.add_worksheet("Lovgrundlag")
    sheet.write(0, 0, analysis.title, bold)
    sheet.write(1, 0, note)
    _write_groups(sheet, bold, analysis.by_paragraph, 3)
    sheet = book.add_worksheet("Kommunernes forventninger")
    sheet.write(0, 0, f"Kommunernes forventede behov for {analysis.expectation_year}", bold)
    for column, title in enumerate(EXPECTATION_COLUMNS):
        sheet.write(2, column, title, bold)
    row = 2
    for group in analysis.by_target_group:
        row += 1
        sheet.write_row(row, 0, (group.label, *(group.expectations.get(value, 0) for value in Expectation.values),
                                 group.forecast.method_da or group.forecast.message_da))
    row += 2
    sheet.write_row(row, 0, ("Målgruppe", "Kommune", "Forventning", "Bemærkning"), bold)
    for group in analysis.by_target_group:
        for municipality, label, text in group.notes:
            row += 1
            sheet.write_row(row, 0, (group.label, municipality, label, text))
    sheet.set_column(0, 1, 30)
    sheet.set_column(2, 4, 22)
    book.close()
    return buffer.getvalue()
