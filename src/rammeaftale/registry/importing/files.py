"""Reading an uploaded CSV or XLSX file into a header and numbered rows, and writing the empty template."""
import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import PurePosixPath

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from rammeaftale.registry.importing.columns import COLUMN_NAMES, COLUMNS, OPERATOR_COLUMNS, Cell

MAX_ROWS = 10_000
MAX_BYTES = 10 * 1024 * 1024  # a file larger than this is refused before it is read (page, API and console)
# An XLSX is a zip: before openpyxl opens one, its directory must promise a spreadsheet, not a bomb. Python's
# zipfile stops at each member's declared size (and fails its CRC), so the declared sizes bound what is unpacked.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100  # spreadsheets pack 5–20 times; repeated filler packs a thousand times
RATIO_FROM_BYTES = 1024 * 1024  # a small file may pack as it likes
MAX_MEMBERS = 1_000
MAX_COLUMNS = 200  # the template has 23 columns
MB = 1024 * 1024


class FileProblem(Exception):
    """The file as a whole cannot be read; the message is Danish."""


@dataclass
class Table:
    """The header as written, and every non-blank row with its number as the user sees it (header = 1)."""

    header: list[str]
    rows: list[tuple[int, list[Cell]]]


def file_suffix(filename: str) -> str:
    # A browser may send a Windows path; only the last part names the file.
    return PurePosixPath(filename.replace("\\", "/")).suffix.lower()


def table_read(*, filename: str, content: bytes) -> Table:
    suffix = file_suffix(filename)
    if suffix == ".xls":
        raise FileProblem("gamle Excel-filer (.xls) kan ikke indlæses: gem filen som .xlsx eller CSV")
    if suffix not in (".csv", ".xlsx"):
        raise FileProblem(f"filtypen «{suffix or filename}» kan ikke indlæses: brug en CSV- eller XLSX-fil")
    if len(content) > MAX_BYTES:
        raise FileProblem(f"filen fylder {_mb(len(content))} MB; højst {MAX_BYTES // MB} MB kan indlæses")
    if not content.strip():
        raise FileProblem("filen er tom")
    records = _csv_records(content) if suffix == ".csv" else _xlsx_records(content)
    header: list[str] | None = None
    rows: list[tuple[int, list[Cell]]] = []
    for number, cells in enumerate(records, start=1):
        if not any(cells):
            continue
        if header is None:
            header = [str(cell) for cell in cells]
            while header and not header[-1]:
                header.pop()
            continue
        rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            limit = f"{MAX_ROWS:,}".replace(",", ".")
            raise FileProblem(f"filen har mere end {limit} rækker; del den op i flere filer")
    if header is None:
        raise FileProblem("filen er tom")
    return Table(header=header, rows=rows)


def _csv_records(content: bytes):
    if content.startswith(b"PK\x03\x04"):
        raise FileProblem("filen er en Excel-fil (XLSX), men hedder .csv: omdøb den til .xlsx")
    if b"\x00" in content:
        raise FileProblem("filen er ikke en CSV-tekstfil: gem den som «CSV UTF-8» eller som .xlsx")
    text = _decode(content)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # Danish Excel writes «;» (the comma is the decimal sign); header names contain neither.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            # A line break inside a quoted cell arrives as \r\n; XLSX and the database keep \n.
            yield [cell.strip().replace("\r\n", "\n") for cell in record]
    except csv.Error as exc:
        raise FileProblem(f"CSV-filen kan ikke læses omkring linje {reader.line_num}: {exc}") from exc


def _decode(content: bytes) -> str:
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8):]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Excel's plain «CSV (semikolonsepareret)» on a Danish Windows is Windows-1252, not UTF-8.
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise FileProblem("filens tegnsæt kan ikke læses: gem den som «CSV UTF-8»") from None


def _mb(size: int) -> str:
    return f"{size / MB:.1f}".replace(".", ",")


NOT_XLSX = "filen er ikke en gyldig XLSX-fil: gem den igen fra Excel som .xlsx"


def xlsx_check(content: bytes) -> None:
    """Refuse a file that is no zip, or whose zip directory declares more than a spreadsheet: too many members,
    more than MAX_UNPACKED_BYTES unpacked, or packed more than MAX_RATIO times. Reads the directory only."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:  # a damaged directory raises any of them
        raise FileProblem(NOT_XLSX) from exc
    if len(members) > MAX_MEMBERS:
        raise FileProblem(f"XLSX-filen har {len(members)} dele; et regneark har langt færre: {NOT_XLSX}")
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileProblem(
            f"XLSX-filen fylder {unpacked // MB} MB pakket ud; højst {MAX_UNPACKED_BYTES // MB} MB kan indlæses "
            "(en zip-bombe eller et regneark med langt mere end tilbud): del den op eller gem den igen fra Excel")
    if unpacked > RATIO_FROM_BYTES and unpacked > MAX_RATIO * max(packed, 1):
        raise FileProblem(
            f"XLSX-filen er pakket {unpacked // max(packed, 1)} gange tættere end et regneark (højst {MAX_RATIO}); "
            f"den indlæses ikke: {NOT_XLSX}")


def _xlsx_records(content: bytes):
    xlsx_check(content)
    # openpyxl raises many unrelated exception types on a damaged or foreign file; to the user they all mean
    # the same thing.
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise FileProblem(NOT_XLSX) from exc
    max_rows = 2 * MAX_ROWS + 1  # the header, the rows and as many blank ones: stop reading there
    try:
        if not workbook.worksheets:
            raise FileProblem("XLSX-filen har intet regneark")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some programs write a wrong size; read what is there
        records = []
        # Each row is as long as its last cell (a max_col would pad every row to it); the first row reaching past
        # the cap is refused, so no more than one over-long row is ever built.
        for row in sheet.iter_rows(min_row=1, values_only=True):
            if len(records) == max_rows:
                raise FileProblem(f"regnearket har mere end {max_rows} rækker (tomme medregnet); del filen op i "
                                  "flere filer")
            if len(row) > MAX_COLUMNS:
                raise FileProblem(f"regnearket har mere end {MAX_COLUMNS} kolonner; importskabelonen har "
                                  f"{len(COLUMNS)}")
            records.append([_xlsx_cell(value) for value in row])
    except FileProblem:
        raise
    except Exception as exc:
        raise FileProblem("XLSX-filens første regneark kan ikke læses: gem filen igen fra Excel") from exc
    finally:
        workbook.close()
    return records


def _xlsx_cell(value) -> Cell:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, datetime):
        return value.date() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 561, 6700 and EAN numbers as floats
    return str(value).strip()


def template_build(*, filename: str) -> bytes:
    """An empty import file with the header row: CSV for Danish Excel (BOM, «;») or XLSX with a help sheet."""
    suffix = file_suffix(filename)
    if suffix == ".csv":
        return ("\ufeff" + ";".join(COLUMN_NAMES) + "\r\n").encode("utf-8")
    if suffix != ".xlsx":
        raise FileProblem(f"skabelonen kan skrives som .csv eller .xlsx, ikke «{suffix or filename}»")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tilbud"
    sheet.append(list(COLUMN_NAMES))
    for index, column in enumerate(COLUMNS, start=1):
        sheet.cell(row=1, column=index).font = Font(bold=column.required)
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(column.name) + 2)
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet("Vejledning")
    help_sheet.append(["kolonne", "påkrævet", "type", "eksempel", "regel"])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        required = "ja" if column.required else ("en af de to" if column.name in OPERATOR_COLUMNS else "nej")
        help_sheet.append([column.name, required, column.kind_da, column.example, column.rule_da])
    for letter, width in zip("ABCDE", (22, 10, 14, 40, 100)):
        help_sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
