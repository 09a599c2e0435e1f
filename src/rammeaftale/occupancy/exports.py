"""The compiled occupancy report as XLSX (xlsxwriter, with a native chart) and PDF (WeasyPrint, PDF/UA, SVG charts as
images)."""
import io
from decimal import Decimal

import xlsxwriter
from django.template.loader import render_to_string
from django.utils import timezone

from rammeaftale.core.money import ore_to_kr
from rammeaftale.core.spreadsheet import xlsx_options
from rammeaftale.occupancy.charts import monthly_charts
from rammeaftale.occupancy.models import Assessment, TrueUpOutlook
from rammeaftale.occupancy.selectors import CompiledReport
from rammeaftale.registry.models import Category
from rammeaftale.reports.pdf import Progress, html_to_pdf, no_progress, svg_image

MONEY = '#,##0.00 "kr."'
CATEGORY_LABELS = dict(Category.choices)
OUTLOOK_LABELS = dict(TrueUpOutlook.choices)
ASSESSMENT_LABELS = dict(Assessment.choices)


def _title(compiled: CompiledReport) -> str:
    period = compiled.period
    return f"Belægning {period.rule.name} {period.year}: {period.agreement.name}"


def _kr(ore: int | None) -> Decimal | None:
    return None if ore is None else ore_to_kr(ore)


def compiled_xlsx(compiled: CompiledReport) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, xlsx_options(in_memory=True))
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 14})
    money = book.add_format({"num_format": MONEY})
    pct = book.add_format({"num_format": '0.00" %"'})
    number = book.add_format({"num_format": "0.00"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    period = compiled.period

    status = book.add_worksheet("Status")
    status.write(0, 0, _title(compiled), title)
    status.write(1, 0, f"Perioden {period.start:%d.%m.%Y}–{period.last_day:%d.%m.%Y}, frist {period.deadline:%d.%m.%Y}, "
                       f"opgjort {compiled.as_of:%d.%m.%Y}")
    headers = ["Driftsherre", "Kode", "Tilbud", "Status", "Indberettet", "For sent"]
    status.write_row(3, 0, headers, bold)
    for row, item in enumerate(compiled.statuses, 4):
        status.write_row(row, 0, [str(item.operator), item.operator.code, item.offers, item.status_label,
                                  item.report.submitted_on.strftime("%d.%m.%Y") if item.submitted else "",
                                  "ja" if item.is_late else "nej"])
    status.set_column(0, 0, 34)
    status.set_column(3, 5, 18)

    lines = book.add_worksheet("Tilbud")
    lines.write(0, 0, _title(compiled), title)
    headers = ["Driftsherre", "Tilbud", "Kategori", "Pladser", "Belagte pladsdøgn", "Pladsdøgn", "Faktisk belægning",
               "Budgetteret belægning", "Afvigelse", "Over tærsklen", "Indberettet", "Skøn", "Skønnet årsresultat",
               "Skønnet efterregulering i taksten", "Indgår i taksten for", "Vurdering", "Udfordringer",
               "Initiativer"]
    lines.write_row(2, 0, headers, bold)
    for row, line in enumerate(compiled.lines, 3):
        reported = line.offer_id in compiled.reported
        values = [str(line.offer.operator), line.offer.name, CATEGORY_LABELS.get(line.category, line.category),
                  line.places, line.occupied_days, line.capacity_days]
        lines.write_row(row, 0, values)
        for column, value, style in ((6, line.actual_pct, pct), (7, line.budgeted_pct, pct),
                                     (8, line.deviation_pct, number)):
            if value is not None:
                lines.write_number(row, column, value, style)
        lines.write(row, 9, "ja" if line.over_threshold else "nej")
        lines.write(row, 10, "ja" if reported else "nej")
        lines.write(row, 11, OUTLOOK_LABELS.get(line.outlook, line.outlook))
        for column, ore in ((12, line.expected_result_ore), (13, line.expected_to_tariff_ore)):
            if ore is not None:
                lines.write_number(row, column, _kr(ore), money)
        if line.expected_tariff_year:
            lines.write_number(row, 14, line.expected_tariff_year)
        if reported:
            lines.write(row, 15, ASSESSMENT_LABELS.get(line.assessment, ""))
            lines.write(row, 16, line.challenges, wrap)
            lines.write(row, 17, line.initiatives, wrap)
    lines.set_column(0, 1, 30)
    lines.set_column(2, 14, 14)
    lines.set_column(15, 17, 40)
    lines.freeze_panes(3, 2)
    if compiled.lines:
        lines.autofilter(2, 0, 2 + len(compiled.lines), len(headers) - 1)
        over = [index for index, line in enumerate(compiled.lines) if line.over_threshold]
        if over:
            chart = book.add_chart({"type": "bar"})
            last = 3 + len(over) - 1  # the over-threshold lines come first
            for column, name in ((6, "Faktisk belægning"), (7, "Budgetteret belægning")):
                chart.add_series({"name": name, "categories": ["Tilbud", 3, 1, last, 1],
                                  "values": ["Tilbud", 3, column, last, column]})
            chart.set_title({"name": "Tilbud over tærsklen: faktisk og budgetteret belægning (%)"})
            chart.set_size({"width": 900, "height": max(320, 28 * len(over))})
            sheet = book.add_worksheet("Diagram")
            sheet.insert_chart(0, 0, chart)
    book.close()
    return buffer.getvalue()


def compiled_pdf(compiled: CompiledReport, *, base_url: str | None = None,
                 progress: Progress = no_progress) -> bytes:
    """A chart per offer over the threshold (each a progress step), then the layout and the file."""
    period = compiled.period
    total = len(compiled.over_threshold) + 2
    charts = monthly_charts(compiled.over_threshold, year=period.year, until=period.end, progress=progress,
                            total=total)
    html = render_to_string("occupancy/compiled_pdf.html", {
        "compiled": compiled, "period": compiled.period, "title": _title(compiled),
        "generated": timezone.localtime(),
        "lines": [{"line": line, "reported": line.offer_id in compiled.reported,
                   "category": CATEGORY_LABELS.get(line.category, line.category),
                   "outlook": OUTLOOK_LABELS.get(line.outlook, line.outlook),
                   "assessment": ASSESSMENT_LABELS.get(line.assessment, ""),
                   "chart": svg_image(charts.get(line.offer_id, ""))} for line in compiled.over_threshold],
    })
    return html_to_pdf(html, base_url=base_url, progress=progress, done=total - 2, total=total)


def compiled_filename(compiled: CompiledReport, extension: str) -> str:
    return f"belaegning-{compiled.period.agreement.region.code}-{compiled.period.code}.{extension}"
