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
from rammeaftale.rulebooks.models import (
    INFORMATIONAL,
    Param,
    ReportPeriod,
    Rulebook,
    Source,
    parameter_is_informational,
    parameter_paths,
)
from rammeaftale.rulebooks.sources import SourceDocument, document_sources

__all__ = [
    "INFORMATIONAL",
    "Param",
    "ParameterSource",
    "ReportPeriod",
    "Rulebook",
    "RulebookError",
    "RulebookParameter",
    "Source",
    "SourceDocument",
    "document_sources",
    "parameter_is_informational",
    "parameter_paths",
    "rulebook_checksum",
    "rulebook_from_data",
    "rulebook_keys",
    "rulebook_load",
    "rulebook_load_path",
    "rulebook_parameters",
    "rulebook_to_data",
]
