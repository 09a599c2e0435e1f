"""The capacity and occupancy analysis as charts (shared by the page and the PDF), XLSX (xlsxwriter, charts as PNG)
and PDF (WeasyPrint, PDF/UA, charts as SVG images)."""
import io
from collections import defaultdict

import xlsxwriter
from django.template.loader import render_to_string
from django.utils import timezone

from rammeaftale.core.spreadsheet import xlsx_options
from rammeaftale.occupancy.analysis import TOP_PURCHASES, GroupRow, OccupancyAnalysis, PurchaseMatrix, Section
from rammeaftale.reports.charts import chart_png, chart_svg, heat_map_chart, trend_chart
from rammeaftale.reports.pdf import Progress, html_to_pdf, no_progress, svg_image

HEAT_MAP_MAX = 30  # buyers and operators in the heat map: the largest by place-days (the tables have them all)
SHEET_PREFIX = {"main": "Regionens tilbud", "nationwide_secured": "Lands- og sikrede"}
PCT = '0.00" %"'
COUNT = "#,##0"
BUYER = "Betalingskommune"
OPERATOR = "Driftsherre"
SEVERAL_PARAGRAPHS = ("Et tilbud med flere lovgrundlag (eller målgrupper) tæller under hvert af dem, så rækkerne "
                      "tilsammen kan give mere end »I alt«.")


def trend_spec(section: Section, *, year_from: int, year_to: int) -> dict:
    rows = [(row.label, figure.year, figure.pct) for row in section.by_paragraph for figure in row.years]
    return trend_chart(rows, title=f"{section.title}: belægning pr. lovgrundlag {year_from}–{year_to}")


def heat_map_spec(matrix: PurchaseMatrix) -> dict:
    """The largest buyers and operators (HEAT_MAP_MAX of each) by place-days."""
    by_buyer: dict[str, int] = defaultdict(int)
    by_operator: dict[str, int] = defaultdict(int)
    for purchase in matrix.purchases:
        by_buyer[purchase.buyer] += purchase.occupied_days
        by_operator[purchase.operator] += purchase.occupied_days
    buyers = set(sorted(by_buyer, key=lambda name: -by_buyer[name])[:HEAT_MAP_MAX])
    operators = set(sorted(by_operator, key=lambda name: -by_operator[name])[:HEAT_MAP_MAX])
    cells = [(p.buyer, p.operator, p.occupied_days) for p in matrix.purchases
             if p.buyer in buyers and p.operator in operators]
    return heat_map_chart(cells, title=f"Køb af pladser på tværs {matrix.year}: belagte pladsdøgn",
                          x_title=BUYER, y_title=OPERATOR)


def analysis_charts(analysis: OccupancyAnalysis) -> dict:
    """Vega-Lite specs: a trend per section with offers (by section key) and the heat map (None without
    purchases)."""
    return {
        "trends": {section.key: trend_spec(section, year_from=analysis.year_from, year_to=analysis.year_to)
                   for section in analysis.sections if section.by_paragraph},
        "heat_map": heat_map_spec(analysis.purchases) if analysis.purchases.purchases else None,
    }


def analysis_svgs(analysis: OccupancyAnalysis) -> dict:
    """For the PDF's template: each section with its trend as an SVG image (empty without offers), and the heat
    map (`reports.pdf.svg_image`)."""
    charts = analysis_charts(analysis)
    return {
        "sections": [{"section": section, "chart": svg_image(chart_svg(charts["trends"][section.key]))
                      if section.key in charts["trends"] else ""} for section in analysis.sections],
        "heat_map": svg_image(chart_svg(charts["heat_map"])) if charts["heat_map"] else "",
    }


# XLSX


def _formats(book) -> dict:
    return {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "bold": book.add_format({"bold": True}),
        "head": book.add_format({"bold": True, "text_wrap": True, "valign": "bottom", "bottom": 1}),
        "count": book.add_format({"num_format": COUNT}),
        "pct": book.add_format({"num_format": PCT}),
        "total": book.add_format({"bold": True, "num_format": COUNT, "top": 1}),
        "total_pct": book.add_format({"bold": True, "num_format": PCT, "top": 1}),
        "total_text": book.add_format({"bold": True, "top": 1}),
        "note": book.add_format({"italic": True, "font_color": "#555555"}),
    }


def _group_sheet(book, formats, analysis: OccupancyAnalysis, section: Section, *, name: str, label: str,
                 rows: tuple[GroupRow, ...], chart: dict | None) -> None:
    sheet = book.add_worksheet(name)
    latest = analysis.year_to
    sheet.write(0, 0, f"{section.title}: {label.lower()}", formats["title"])
    sheet.write(1, 0, f"{analysis.region} · {analysis.year_from}–{analysis.year_to} · opgjort til og med "
                      f"{analysis.as_of:%d.%m.%Y}. Tilbud og pladser ved udgangen af {latest}.")
    sheet.write(2, 0, SEVERAL_PARAGRAPHS, formats["note"])
    headers = [label, f"Tilbud {latest}", f"Pladser {latest}", f"Belagte pladsdøgn {latest}",
               f"Pladsdøgn {latest}"] + [f"Belægning {year}" for year in analysis.years]
    top = 4
    sheet.write_row(top, 0, headers, formats["head"])

    def write(row_number: int, row: GroupRow, *, total: bool = False) -> None:
        count, pct = (formats["total"], formats["total_pct"]) if total else (formats["count"], formats["pct"])
        sheet.write(row_number, 0, row.label, formats["total_text"] if total else None)
        latest_figure = row.latest
        for column, value in enumerate((latest_figure.offers, latest_figure.places, latest_figure.occupied_days,
                                        latest_figure.capacity_days), start=1):
            sheet.write_number(row_number, column, value, count)
        for column, figure in enumerate(row.years, start=5):
            if figure.pct is None:
                sheet.write_blank(row_number, column, None, pct)
            else:
                sheet.write_number(row_number, column, figure.pct, pct)

    for index, row in enumerate(rows, start=top + 1):
        write(index, row)
    write(top + 1 + len(rows), section.total, total=True)
    sheet.set_column(0, 0, 38)
    sheet.set_column(1, len(headers) - 1, 12)
    sheet.set_row(top, 32)
    sheet.freeze_panes(top + 1, 1)
    if chart:  # None (not asked for) or {} (no data to draw)
        sheet.insert_image(top + 3 + len(rows), 0, "belaegning.png",
                           {"image_data": io.BytesIO(chart_png(chart)), "x_scale": 0.5, "y_scale": 0.5})


def _purchase_sheets(book, formats, analysis: OccupancyAnalysis, chart: dict | None) -> None:
    matrix = analysis.purchases
    heading = (f"Køb af pladser på tværs af kommuner {matrix.year} ({matrix.first_day:%d.%m.%Y}–"
               f"{matrix.last_day:%d.%m.%Y}): {analysis.region}")
    note = ("Belagte pladsdøgn og placeringer i regionens tilbud, hvor betalingskommunen ikke er tilbuddets "
            "driftsherre. Driftsherrens egne borgere indgår ikke.")
    sheet = book.add_worksheet(f"Køb på tværs {matrix.year}")
    sheet.write(0, 0, heading, formats["title"])
    sheet.write(1, 0, note, formats["note"])
    headers = [BUYER, OPERATOR, "Belagte pladsdøgn", "Placeringer"]
    sheet.write_row(3, 0, headers, formats["head"])
    for row, purchase in enumerate(matrix.purchases, start=4):
        sheet.write(row, 0, purchase.buyer)
        sheet.write(row, 1, purchase.operator)
        sheet.write_number(row, 2, purchase.occupied_days, formats["count"])
        sheet.write_number(row, 3, purchase.placements, formats["count"])
    total_row = 4 + len(matrix.purchases)
    sheet.write(total_row, 0, "I alt", formats["total_text"])
    sheet.write_blank(total_row, 1, None, formats["total_text"])
    sheet.write_number(total_row, 2, matrix.occupied_days, formats["total"])
    sheet.write_number(total_row, 3, matrix.placements, formats["total"])
    sheet.set_column(0, 1, 34)
    sheet.set_column(2, 3, 16)
    sheet.freeze_panes(4, 0)
    if matrix.purchases:
        sheet.autofilter(3, 0, 3 + len(matrix.purchases), len(headers) - 1)

    grid = book.add_worksheet(f"Matrix {matrix.year}")
    grid.write(0, 0, heading + ": belagte pladsdøgn", formats["title"])
    grid.write(1, 0, note + f" Rækker: {OPERATOR.lower()}; kolonner: {BUYER.lower()}.", formats["note"])
    buyers = sorted({p.buyer for p in matrix.purchases})
    operators = sorted({p.operator for p in matrix.purchases})
    values = {(p.operator, p.buyer): p.occupied_days for p in matrix.purchases}
    grid.write(3, 0, f"{OPERATOR} \\ {BUYER}", formats["head"])
    grid.write_row(3, 1, buyers, formats["head"])
    for row, operator in enumerate(operators, start=4):
        grid.write(row, 0, operator)
        for column, buyer in enumerate(buyers, start=1):
            if (operator, buyer) in values:
                grid.write_number(row, column, values[(operator, buyer)], formats["count"])
    grid.set_column(0, 0, 34)
    grid.set_column(1, max(len(buyers), 1), 12)
    grid.set_row(3, 60)
    grid.freeze_panes(4, 1)
    if buyers:
        grid.conditional_format(4, 1, 3 + len(operators), len(buyers), {
            "type": "2_color_scale", "min_color": "#f0f6fc", "max_color": "#1f5f99"})
    if chart:
        grid.insert_image(6 + len(operators), 0, "koeb.png",
                          {"image_data": io.BytesIO(chart_png(chart)), "x_scale": 0.5, "y_scale": 0.5})


def _data_sheet(book, formats, analysis: OccupancyAnalysis) -> None:
    """Every figure in long form (section, grouping, name, year) for pivot tables."""
    sheet = book.add_worksheet("Data")
    headers = ["Afsnit", "Opdeling", "Navn", "År", "Opgjort til og med", "Tilbud", "Pladser", "Belagte pladsdøgn",
               "Pladsdøgn", "Belægning"]
    sheet.write_row(0, 0, headers, formats["head"])
    date_format = book.add_format({"num_format": "dd.mm.yyyy"})
    row_number = 1
    for section in analysis.sections:
        for grouping, rows in (("I alt", (section.total,)), ("Lovgrundlag", section.by_paragraph),
                               ("Målgruppe", section.by_target_group)):
            for row in rows:
                for figure in row.years:
                    sheet.write_row(row_number, 0, [section.title, grouping, row.label])
                    sheet.write_number(row_number, 3, figure.year)
                    sheet.write_datetime(row_number, 4, figure.last_day, date_format)
                    for column, value in enumerate((figure.offers, figure.places, figure.occupied_days,
                                                    figure.capacity_days), start=5):
                        sheet.write_number(row_number, column, value, formats["count"])
                    if figure.pct is not None:
                        sheet.write_number(row_number, 9, figure.pct, formats["pct"])
                    row_number += 1
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 1, 14)
    sheet.set_column(2, 2, 38)
    sheet.set_column(3, 9, 13)
    sheet.autofilter(0, 0, max(row_number - 1, 1), len(headers) - 1)
    sheet.freeze_panes(1, 0)


def analysis_xlsx(analysis: OccupancyAnalysis) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, xlsx_options(in_memory=True))
    formats = _formats(book)
    charts = analysis_charts(analysis)
    for section in analysis.sections:
        prefix = SHEET_PREFIX[section.key]
        _group_sheet(book, formats, analysis, section, name=f"{prefix}, lovgrundlag", label="Lovgrundlag",
                     rows=section.by_paragraph, chart=charts["trends"].get(section.key))
        _group_sheet(book, formats, analysis, section, name=f"{prefix}, målgrupper", label="Målgruppe",
                     rows=section.by_target_group, chart=None)
    _purchase_sheets(book, formats, analysis, charts["heat_map"])
    _data_sheet(book, formats, analysis)
    book.close()
    return buffer.getvalue()


# PDF


def analysis_pdf(analysis: OccupancyAnalysis, *, base_url: str | None = None,
                 progress: Progress = no_progress) -> bytes:
    """The charts (a step), then the layout and the file."""
    progress(0, 3, "Tegner diagrammerne")
    html = render_to_string("occupancy/analysis_pdf.html", {
        "analysis": analysis, **analysis_svgs(analysis), "generated": timezone.localtime(),
        "several_paragraphs": SEVERAL_PARAGRAPHS, "top": TOP_PURCHASES,
    })
    return html_to_pdf(html, base_url=base_url, progress=progress, done=1, total=3)


def export_filename(analysis: OccupancyAnalysis, extension: str) -> str:
    region = analysis.region.name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa").replace(" ", "-")
    return f"belaegningsanalyse-{region}-{analysis.year_from}-{analysis.year_to}.{extension}"
