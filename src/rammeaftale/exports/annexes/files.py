"""An issued annex as PDF/UA (WeasyPrint, as the tariff list) and XLSX (xlsxwriter, cells never formulas), made
from the version's stored snapshot: an old version always shows the data as it was issued, with its version, the
day it was issued and the day of its data."""
import io
from dataclasses import dataclass

import xlsxwriter
from django.template.loader import render_to_string
from django.utils import timezone

from rammeaftale.core.money import format_kr, ore_to_kr
from rammeaftale.core.spreadsheet import xlsx_options
from rammeaftale.exports.models import AgreementDocument, AnnexKind
from rammeaftale.reports.pdf import html_to_pdf

MONEY = '#,##0.00 "kr."'


def no_category_da(year: int) -> str:
    return f"Ikke kategoriseret for {year}"


def no_places_da(year: int) -> str:
    return f"Ingen kapacitet registreret pr. 1. januar {year}"


def no_tariff_da(year: int) -> str:
    return f"Ingen takst for {year} endnu"


@dataclass(frozen=True)
class Heading:
    """What every page of the annex says of itself."""

    title: str
    agreement: str
    version: int
    issued: str  # «06.12.2026 14:03»
    issued_by: str
    data_as_of: str  # «06.12.2026»
    state_on: str  # «1. januar 2027»
    sha256: str
    rules: str
    warning: str | None
    summary: str

    @property
    def lines(self) -> list[str]:
        lines = [self.agreement,
                 f"Version {self.version} · dannet {self.issued} af {self.issued_by} · data pr. {self.data_as_of} · "
                 f"tilbuddenes tilstand pr. {self.state_on}",
                 f"Regler: {self.rules} · kontrolsum {self.sha256[:16]}", self.summary]
        return lines + ([self.warning] if self.warning else [])


def annex_title(kind: str, year: int) -> str:
    if kind == AnnexKind.OFFERS:
        return f"Tilbud omfattet af Styringsaftalen {year}"
    return f"Takstbilag {year}"


def heading(document: AgreementDocument) -> Heading:
    snapshot, year = document.snapshot, document.year
    rows = snapshot["rows"]
    if document.kind == AnnexKind.OFFERS:
        missing = sum(1 for row in rows if row["category"] is None)
        summary = f"{len(rows)} tilbud; {missing} uden kategori for {year}."
    else:
        tariffs = sum(len(row["tariffs"]) for row in rows)
        missing = sum(1 for row in rows if not row["tariffs"])
        summary = (f"{tariffs} {'takst' if tariffs == 1 else 'takster'} for {len(rows)} tilbud; {missing} tilbud "
                   f"uden takst for {year}.")
    rules = snapshot["rules"]
    return Heading(
        title=annex_title(document.kind, year), agreement=snapshot["agreement"]["name"], version=document.version,
        issued=f"{timezone.localtime(document.generated_at):%d.%m.%Y %H:%M}", issued_by=document.generated_by_name,
        data_as_of=f"{document.data_as_of:%d.%m.%Y}", state_on=f"1. januar {year}", sha256=document.content_sha256,
        rules=f"{rules['name']} (regelbog {rules['rulebook']}, version {rules['rulebook_version']})",
        warning=rules["warning"], summary=summary)


def offer_lines(document: AgreementDocument) -> list[list[str]]:
    """The offers annex as text cells (the PDF's and the XLSX's), missing facts said, not left blank."""
    year = document.year
    return [[row["name"] + (f" ({row['tilbudsportalen_id']})" if row["tilbudsportalen_id"] else ""),
             row["operator"], row["municipality"], row["offer_type"], ", ".join(row["paragraphs"]) or "–",
             ", ".join(row["target_groups"]) or "–", row["category"] or no_category_da(year),
             str(row["places"]) if row["places"] is not None else no_places_da(year)]
            for row in document.snapshot["rows"]]


OFFER_HEADERS = ["Tilbud", "Driftsherre", "Beliggenhedskommune", "Tilbudstype", "Lovgrundlag", "Målgrupper",
                 "Kategori", "Pladser"]


def tariff_headers(year: int) -> list[str]:
    return ["Tilbud", "Driftsherre", "Ydelse", "Ydelsestype", "Enhed", f"Takst {year - 1}", f"Takst {year}",
            "Månedstakst", "Bemærkning"]


def _remark(tariff: dict) -> str:
    return "Foreløbig takst (sidste års takst × P/L)" if tariff["provisional"] else ""


def tariff_lines(document: AgreementDocument) -> list[list]:
    """The tariff annex: a line per tariff (amounts in øre, None where there is none), and for an offer without a
    tariff for the year one line saying so."""
    lines = []
    for row in document.snapshot["rows"]:
        if not row["tariffs"]:
            lines.append([row["name"], row["operator"], None, None, None, None, None, None,
                          no_tariff_da(document.year)])
        for tariff in row["tariffs"]:
            lines.append([row["name"], row["operator"], tariff["service"], tariff["kind"], tariff["unit"],
                          tariff["previous_ore"], tariff["amount_ore"], tariff["monthly_ore"], _remark(tariff)])
    return lines


def annex_pdf(document: AgreementDocument) -> bytes:
    head = heading(document)
    context = {"head": head, "kind": document.kind}
    if document.kind == AnnexKind.OFFERS:
        missing = {no_category_da(document.year), no_places_da(document.year)}
        context.update(headers=OFFER_HEADERS, offers=[[{"text": cell, "missing": cell in missing} for cell in line]
                                                      for line in offer_lines(document)])
    else:
        context.update(headers=tariff_headers(document.year), tariffs=[
            line[:5] + [format_kr(amount) if amount is not None else "–" for amount in line[5:8]] + line[8:]
            for line in tariff_lines(document)])
    return html_to_pdf(render_to_string("exports/annexes/annex_pdf.html", context))


def annex_xlsx(document: AgreementDocument) -> bytes:
    head = heading(document)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, xlsx_options(in_memory=True))
    bold, title = book.add_format({"bold": True}), book.add_format({"bold": True, "font_size": 14})
    money = book.add_format({"num_format": MONEY})
    sheet = book.add_worksheet("Tilbud" if document.kind == AnnexKind.OFFERS else "Takster")
    sheet.write(0, 0, head.title, title)
    for index, line in enumerate(head.lines, start=1):
        sheet.write(index, 0, line)
    top = len(head.lines) + 1
    if document.kind == AnnexKind.OFFERS:
        headers, lines = OFFER_HEADERS, offer_lines(document)
        for index, line in enumerate(lines, start=top + 1):
            sheet.write_row(index, 0, line[:7])
            places = document.snapshot["rows"][index - top - 1]["places"]
            if places is None:
                sheet.write(index, 7, line[7])
            else:
                sheet.write_number(index, 7, places)
        sheet.set_column(0, 1, 34)
        sheet.set_column(2, 6, 22)
        sheet.set_column(7, 7, 12)
    else:
        headers, lines = tariff_headers(document.year), tariff_lines(document)
        for index, line in enumerate(lines, start=top + 1):
            for column, value in enumerate(line):
                if 5 <= column <= 7:
                    if value is not None:
                        sheet.write_number(index, column, ore_to_kr(value), money)
                elif value is not None:
                    sheet.write(index, column, value)
        sheet.set_column(0, 2, 30)
        sheet.set_column(3, 4, 14)
        sheet.set_column(5, 7, 14)
        sheet.set_column(8, 8, 40)
    sheet.add_table(top, 0, top + max(len(lines), 1), len(headers) - 1, {
        "columns": [{"header": header, "header_format": bold} for header in headers],
        "style": "Table Style Light 9", "name": "Bilag"})
    sheet.freeze_panes(top + 1, 1)
    book.close()
    return buffer.getvalue()


def annex_filename(document: AgreementDocument, fmt: str) -> str:
    region = document.snapshot["agreement"]["region"].lower().replace("region ", "")
    region = region.replace("æ", "ae").replace("ø", "oe").replace("å", "aa").replace(" ", "-")
    name = "tilbudsoversigt" if document.kind == AnnexKind.OFFERS else "takstbilag"
    return f"{name}-{region}-{document.year}-v{document.version}.{fmt}"
