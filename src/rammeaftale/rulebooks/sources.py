"""The registry of documents a rulebook parameter may cite (data/sources.toml)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from rammeaftale.rulebooks.errors import error_from_validation, toml_read
from rammeaftale.rulebooks.values import Identifier, Text, rule_error

DATA_DIR = Path(__file__).resolve().parent / "data"
SOURCES_PATH = DATA_DIR / "sources.toml"
SOURCES_LABEL = "Kildeliste"


class SourceDocument(BaseModel):
    """One citable document: a seed agreement, the research notes, a law, or an agreement clause."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    title: Text
    kind: Literal["seed", "research", "law", "clause"]
    file: Text | None = None  # relative to shared/seeds
    url: Text | None = None
    # A document we know only through another one's excerpt (a clause quoted in research/domain_rules.md).
    via: Identifier | None = None
    via_section: Text | None = None

    @model_validator(mode="after")
    def _locatable(self) -> "SourceDocument":
        if self.file is None and self.url is None and self.via is None:
            raise rule_error(
                key="file",
                problem=(
                    "dokumentet skal have file, url eller via (a document needs a file, a url or a via)"
                ),
            )
        if self.url is not None and not self.url.startswith(("https://", "http://")):
            raise rule_error(
                key="url", problem=f"url skal begynde med https:// ({self.url!r} is not a web address)"
            )
        if self.via_section is not None and self.via is None:
            raise rule_error(key="via_section", problem="via_section kræver via (via_section needs via)")
        return self


class SourceRegistry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    document: tuple[SourceDocument, ...]

    @model_validator(mode="after")
    def _consistent(self) -> "SourceRegistry":
        seen: set[str] = set()
        for index, doc in enumerate(self.document):
            if doc.id in seen:
                raise rule_error(
                    key=f"document[{index}].id",
                    problem=f"dokument-id '{doc.id}' står to gange (duplicate id)",
                )
            seen.add(doc.id)
        for index, doc in enumerate(self.document):
            if doc.via is not None and (doc.via not in seen or doc.via == doc.id):
                raise rule_error(
                    key=f"document[{index}].via",
                    problem=(
                        f"via '{doc.via}' er ikke et andet dokument i listen (via must name another document)"
                    ),
                )
        return self


def sources_load_path(*, path: Path) -> dict[str, SourceDocument]:
    """The documents of a sources file by id, or RulebookError."""
    data = toml_read(path=path, label=SOURCES_LABEL)
    try:
        registry = SourceRegistry.model_validate(data)
    except ValidationError as exc:
        raise error_from_validation(file=path.name, exc=exc, label=SOURCES_LABEL) from None
    return {doc.id: doc for doc in registry.document}


@lru_cache(maxsize=1)
def _sources_cached() -> dict[str, SourceDocument]:
    return sources_load_path(path=SOURCES_PATH)


def document_sources() -> dict[str, SourceDocument]:
    """Every document a rulebook may cite, by id (a fresh dict; the documents themselves are frozen)."""
    return dict(_sources_cached())
