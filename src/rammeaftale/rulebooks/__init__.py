"""Rulebooks: one TOML file per agreement, every parameter with its source, loaded typed (no Django)."""

from rammeaftale.rulebooks.display import ParameterSource, RulebookParameter, rulebook_parameters
from rammeaftale.rulebooks.errors import RulebookError
from rammeaftale.rulebooks.loader import (
    rulebook_checksum,
    rulebook_from_data,
    rulebook_keys,
    rulebook_load,
    rulebook_load_path,
    rulebook_to_data,
)
from rammeaftale.rulebooks.models import Param, ReportPeriod, Rulebook, Source
from rammeaftale.rulebooks.sources import SourceDocument, document_sources

__all__ = [
    "Param",
    "ParameterSource",
    "ReportPeriod",
    "Rulebook",
    "RulebookError",
    "RulebookParameter",
    "Source",
    "SourceDocument",
    "document_sources",
    "rulebook_checksum",
    "rulebook_from_data",
    "rulebook_keys",
    "rulebook_load",
    "rulebook_load_path",
    "rulebook_parameters",
    "rulebook_to_data",
]
