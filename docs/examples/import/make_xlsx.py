"""Writes tilbud.xlsx from tilbud.csv with number and date cells, as Excel would: `python make_xlsx.py`."""
import csv
from datetime import date, datetime
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
NUMBER_COLUMNS = {"tilbudsportalen_id", "driftsherre_kode", "driftsherre_cvr", "driftsherre_ean", "postnr",
                  "beliggenhedskommune", "pladser", "kategori_aar"}
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


def _date(text: str) -> date:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"ukendt datoformat: {text}")


def _typed(column: str, text: str):
    if text == "":
        return None
    if column in NUMBER_COLUMNS:
        return int(text)
    if column == "pladser_fra":
        return _date(text)
    return text


def main() -> None:
    with (HERE / "tilbud.csv").open(encoding="utf-8-sig", newline="") as source:
        rows = list(csv.reader(source, delimiter=";"))
    header, records = rows[0], rows[1:]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tilbud"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record in records:
        sheet.append([_typed(column, text) for column, text in zip(header, record)])
    for cell in sheet["P"][1:]:  # pladser_fra, shown the Danish way
        cell.number_format = "DD-MM-YYYY"
    workbook.save(HERE / "tilbud.xlsx")


if __name__ == "__main__":
    main()
