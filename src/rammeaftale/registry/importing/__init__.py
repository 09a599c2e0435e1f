"""Importing offers (tilbud) from CSV and XLSX files, all rows or none; the columns: docs/import.md."""
from rammeaftale.registry.importing.columns import COLUMNS, Column
from rammeaftale.registry.importing.files import MAX_BYTES, MAX_ROWS
from rammeaftale.registry.importing.offers import (
    ImportResult,
    ImportRowError,
    offers_import,
    offers_import_template,
)

__all__ = [
    "COLUMNS", "Column", "ImportResult", "ImportRowError", "MAX_BYTES", "MAX_ROWS", "offers_import",
    "offers_import_template",
]
