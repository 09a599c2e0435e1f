"""Cells a spreadsheet program shows as text and never runs: one decision for every CSV and XLSX export.

Text that begins with = + - @ (also after leading blanks), a tab or a carriage return is a formula to Excel and
LibreOffice when a CSV file is opened; `safe_cell` puts an apostrophe before it, as OWASP's guidance on CSV injection
recommends. Numbers written as numbers (negative amounts included) are left alone. For XLSX, xlsxwriter turns text
beginning with = into a formula and text looking like a URL into a hyperlink unless told not to: every workbook is
opened with `XLSX_OPTIONS`, so a formula is only ever one the code writes on purpose with `write_formula`.
"""
from typing import Any

# The full-width forms are read as the ASCII ones by some spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def xlsx_options(**extra: Any) -> dict[str, Any]:
    """The options for `xlsxwriter.Workbook(output, xlsx_options(in_memory=True))`."""
    return {**extra, **XLSX_OPTIONS}


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS)


def safe_cell(value: Any) -> Any:
    """A CSV cell: text that a spreadsheet would run gets a leading apostrophe; anything else is returned as it is."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value
