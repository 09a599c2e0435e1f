"""Loading rulebooks from TOML files or stored JSON, and dumping them back to JSON-safe data."""

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rammeaftale.rulebooks.errors import RulebookError, error_from_validation, toml_read
from rammeaftale.rulebooks.models import Rulebook
from rammeaftale.rulebooks.sources import DATA_DIR, SOURCES_PATH


def rulebook_keys() -> list[str]:
    """The keys (file stems) of the rulebooks shipped in rulebooks/data/, sorted."""
    return sorted(path.stem for path in DATA_DIR.glob("*.toml") if path != SOURCES_PATH)


def rulebook_load(*, key: str) -> Rulebook:
    """The shipped rulebook `key` (e.g. "syddanmark-2017"), validated, or RulebookError."""
    # A key is a file stem, never a path: "../x" must not read outside data/.
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key) or key == SOURCES_PATH.stem:
        raise RulebookError(
            file=f"{key}.toml",
            key=None,
            problem=(
                f"ugyldig regelbogsnøgle {key!r}; kendte: {', '.join(rulebook_keys())} (not a rulebook key)"
            ),
        )
    return rulebook_load_path(path=DATA_DIR / f"{key}.toml")


def rulebook_load_path(*, path: Path) -> Rulebook:
    """The rulebook in a TOML file, validated; its [rulebook].id must equal the file stem."""
    path = Path(path)
    rulebook = rulebook_from_data(data=toml_read(path=path), origin=path.name)
    if rulebook.key != path.stem:
        raise RulebookError(
            file=path.name,
            key="rulebook.id",
            problem=(
                f"id '{rulebook.key}' skal være lig filnavnet '{path.stem}' (id must equal the file stem)"
            ),
        )
    return rulebook


def rulebook_from_data(*, data: dict[str, Any], origin: str) -> Rulebook:
    """A rulebook from parsed TOML or stored JSON; `origin` names it in errors (file name or database row)."""
    try:
        return Rulebook.model_validate(data)
    except ValidationError as exc:
        raise error_from_validation(file=origin, exc=exc) from None


def rulebook_to_data(rulebook: Rulebook) -> dict[str, Any]:
    """JSON-safe data that `rulebook_from_data` turns back into an equal rulebook (decimals as text)."""
    return rulebook.model_dump(mode="json", exclude_none=True)


def rulebook_checksum(rulebook: Rulebook) -> str:
    """SHA-256 of the rulebook's canonical JSON: equal rules, equal checksum, whatever the TOML layout."""
    # Same encoding as the digest the registry stores with each RulebookVersion.
    canonical = json.dumps(rulebook_to_data(rulebook), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
