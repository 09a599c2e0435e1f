"""The report of expense increases and the § 176 claim statement as XLSX and PDF (PDF/UA, as the other reports);
spending, and new places' subscription and guarantee shares, as XLSX."""
import io

import xlsxwriter
from django.template.loader import render_to_string

from rammeaftale.core.money import ore_to_kr
from rammeaftale.core.spreadsheet import xlsx_options
from rammeaftale.economy.expense_report import ExpenseReport
from rammeaftale.economy.new_places import ArrangementDetail as NewPlacesDetail
from rammeaftale.economy.refusion import RefusionClaim
from rammeaftale.economy.spend import SpendOverview
from rammeaftale.reports.pdf import html_to_pdf, svg_image

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


CLAIM_COLUMNS = ("Sag", "Borger", "CPR-nummer", "Alder", "Husstand", "Placeringer", "Udgift (kr.)",
                 "Refusion (kr.)")


def refusion_claim_xlsx(claim: RefusionClaim) -> bytes:
    """The claim: each case over the first threshold with its expense, each band's part and its refusion."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, xlsx_options(in_memory=True))
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": '#,##0.00 "kr."'})
    sheet = book.add_worksheet("Refusion SEL § 176")
    thresholds = claim.thresholds
    sheet.write(0, 0, f"Statsrefusion for særligt dyre enkeltsager (serviceloven § 176) {claim.year}: "
                      f"{claim.municipality}", bold)
    sheet.write(1, 0, "Tærskler: " + "; ".join(f"{band.rate_pct} % over {band.threshold_kr} kr."
                                                for band in thresholds.bands) + f" ({thresholds.level}). "
                      f"Kilde: {thresholds.source}")
    bands = len(thresholds.bands)
    top = 3
    titles = [*CLAIM_COLUMNS[:-1], *(f"Over {band.threshold_kr} kr. ({band.rate_pct} %)" for band in thresholds.bands),
              CLAIM_COLUMNS[-1], "Heraf egne tilbud (kr.)"]
    for column, title in enumerate(titles):
        sheet.write(top, column, title, bold)
    row = top
    for line, people in claim.rows:
        row += 1
        sheet.write(row, 0, ", ".join(line.case_ids))
        sheet.write(row, 1, ", ".join(person.name for person in people))
        sheet.write(row, 2, ", ".join(person.cpr_masked for person in people))
        sheet.write(row, 3, ", ".join(str(person.age) for person in people))
        sheet.write(row, 4, line.household or "")
        sheet.write(row, 5, ", ".join(ref for person in people for ref in person.placements))
        sheet.write_number(row, 6, line.expenses_kr, money)
        for index, share in enumerate(line.bands):
            sheet.write_number(row, 7 + index, share.amount_kr, money)
        sheet.write_number(row, 7 + bands, line.refusion_kr, money)
        sheet.write_number(row, 8 + bands, sum(person.own_offers_kr for person in people), money)
    sheet.write(row + 2, 0, "I alt", bold)
    sheet.write_number(row + 2, 7 + bands, claim.result.total_kr, money)
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 28)
    sheet.set_column(2, 5, 16)
    sheet.set_column(6, 8 + bands, 18)
    book.close()
    return buffer.getvalue()


def refusion_claim_pdf(claim: RefusionClaim) -> bytes:
    return html_to_pdf(render_to_string("economy/refusion_claim_pdf.html", {"claim": claim}))


def spend_xlsx(overview: SpendOverview) -> bytes:
    """The years and the splits, amounts in kroner (exact from øre)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, xlsx_options(in_memory=True))
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": '#,##0.00 "kr."'})
    pct = book.add_format({"num_format": '0.00" %"'})
    sheet = book.add_worksheet("Forbrug")
    sheet.write(0, 0, f"Forbrug mod P/L: {overview.label}, {overview.first_year}–{overview.last_year}", bold)
    titles = ("År", "Køb (kr.)", "Salg (kr.)", "Vækst i køb (%)", "P/L (%)", "Over P/L", "Sager",
              "Særligt dyre sager (SEL § 176)", "Første tærskel (kr.)", "Egne tilbud, budget (kr.)",
              "Egne tilbud, regnskab (kr.)")
    for column, title in enumerate(titles):
        sheet.write(2, column, title, bold)
    for row, item in enumerate(overview.years, start=3):
        sheet.write_number(row, 0, item.year)
        sheet.write_number(row, 1, ore_to_kr(item.purchases_ore), money)
        sheet.write_number(row, 2, ore_to_kr(item.sales_ore), money)
        if item.growth_pct is not None:
            sheet.write_number(row, 3, item.growth_pct, pct)
        if item.pl_pct is not None:
            sheet.write_number(row, 4, item.pl_pct, pct)
        if item.over_pl is not None:
            sheet.write(row, 5, "ja" if item.over_pl else "nej")
        sheet.write_number(row, 6, item.cases)
        if item.expensive_cases is not None:
            sheet.write_number(row, 7, item.expensive_cases)
            sheet.write_number(row, 8, item.threshold_kr, money)
        if item.own_costs_ore is not None:
            sheet.write_number(row, 9, ore_to_kr(item.own_costs_ore), money)
        if item.own_accounts_ore is not None:
            sheet.write_number(row, 10, ore_to_kr(item.own_accounts_ore), money)
    years = overview.year_range
    for caption, rows in overview.split_tables:
        name = caption.replace("Køb efter", "Efter")
        split = book.add_worksheet(name)
        split.write(0, 0, caption, bold)
        for column, year in enumerate(years, start=1):
            split.write(2, column, str(year), bold)
        for row, (key, amounts) in enumerate(rows, start=3):
            split.write(row, 0, key)
            for column, ore in enumerate(amounts, start=1):
                split.write_number(row, column, ore_to_kr(ore), money)
        split.set_column(0, 0, 40)
        split.set_column(1, len(years), 16)
    sheet.set_column(0, 9, 16)
    book.close()
    return buffer.getvalue()


def spend_pdf(overview: SpendOverview, *, chart: str) -> bytes:
    """The page as PDF/UA: the years, the chart (its title the alternative text) and the splits."""
    return html_to_pdf(render_to_string("economy/spend_pdf.html", {"overview": overview,
                                                                   "chart": svg_image(chart)}))


SHARE_COLUMNS = ("Kommune", "Befolkning", "Andel (kr.)", "Heraf øre efter største rest", "Faktura", "Driftsår")


def _share_rows(sheet, top: int, table, money, *, with_population: bool) -> int:
    rows = table.rows
    for column, title in enumerate(SHARE_COLUMNS):
        sheet.write(top, column, title)
    for index, row in enumerate(rows, start=top + 1):
        sheet.write(index, 0, row.share.municipality.name)
        if with_population:
            sheet.write_number(index, 1, row.share.population or 0)
        sheet.write_number(index, 2, ore_to_kr(row.share.amount_ore), money)
        sheet.write_number(index, 3, row.share.extra_ore)
        sheet.write(index, 4, row.invoice_number or ("egen andel" if row.own_share else "ikke faktureret endnu"))
        sheet.write_number(index, 5, row.share.year_of_operation)
    end = top + len(rows) + 1
    sheet.write(end, 0, "I alt")
    sheet.write_number(end, 2, ore_to_kr(table.total_ore), money)
    return end + 2


def new_places_xlsx(detail: NewPlacesDetail) -> bytes:
    """The arrangement's subscription and each decided guarantee year with the municipalities' shares."""
    arrangement = detail.arrangement
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, xlsx_options(in_memory=True))
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": '#,##0.00 "kr."'})
    sheet = book.add_worksheet("Økonomimodel")
    sheet.write(0, 0, f"{arrangement.offer.name}: {arrangement.get_kind_display().lower()}, {arrangement.places} "
                      f"pladser, første driftsår {arrangement.first_year}", bold)
    sheet.write(1, 0, f"Regelbog {arrangement.rulebook_key} version {arrangement.rulebook_version}; garanti "
                      f"{detail.steps} %; {arrangement.get_sharing_display().lower()} pr. "
                      f"{arrangement.population_date:%d.%m.%Y}; beslutning: {arrangement.decision_reference}")
    top = 3
    if detail.subscription:
        sheet.write(top, 0, f"Abonnement ({arrangement.subscription_years} år)", bold)
        top = _share_rows(sheet, top + 1, detail.subscription, money, with_population=False)
    for decided, rows in detail.years:
        sheet.write(top, 0, f"Driftsår {decided.year_of_operation}: underskud "
                            f"{ore_to_kr(decided.deficit_ore)} kr., garanti {decided.guarantee_pct} % = "
                            f"{ore_to_kr(decided.guaranteed_ore)} kr.; beslutning: {decided.decision_reference}", bold)
        top = _share_rows(sheet, top + 1, rows, money, with_population=True)
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 4, 18)
    book.close()
    return buffer.getvalue()
