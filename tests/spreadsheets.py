"""What the export tests share for formula injection: hostile names and a look into a generated XLSX."""
import io

import openpyxl

HYPERLINK = '=HYPERLINK("http://x","y")'
AT_SUM = "@SUM(1+1)"


def xlsx_cells(content: bytes) -> list:
    """Every non-empty cell of every sheet, as openpyxl reads it (data_type "f" is a formula, "s" text)."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


def assert_text_not_formula(content: bytes, *texts: str) -> None:
    """No cell is a formula, and each text begins at least one cell, stored as text."""
    cells = xlsx_cells(content)
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    for text in texts:
        found = [cell for cell in cells if str(cell.value).startswith(text)]  # «@SUM(1+1) Kommune» too
        assert found, f"no cell begins with {text!r}"
        assert all(cell.data_type == "s" for cell in found)
