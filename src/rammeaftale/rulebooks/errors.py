"""RulebookError, and the translation of TOML and pydantic problems into it (Danish first, then English)."""

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError


class RulebookError(Exception):
    """A rulebook or the source registry could not be loaded: which file, which key, what is wrong."""

    def __init__(
        self,
        *,
        file: str,
        key: str | None,
        problem: str,
        line: int | None = None,
        more: tuple[tuple[str | None, str], ...] = (),
        label: str = "Regelbog",
    ) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        self.line = line
        # Further (key, problem) pairs from the same validation run, so one fix-and-retry loop shows them all.
        self.more = more
        self.label = label
        super().__init__(str(self))

    def __str__(self) -> str:
        text = _one_line(label=self.label, file=self.file, key=self.key, line=self.line, problem=self.problem)
        if self.more:
            rest = "\n".join(
                f"  også nøgle '{key}': {problem}" if key else f"  også: {problem}"
                for key, problem in self.more
            )
            text = f"{text}\n{rest}"
        return text


def _one_line(*, label: str, file: str, key: str | None, line: int | None, problem: str) -> str:
    where = f"{label} {file}"
    if key:
        where += f", nøgle '{key}'"
    if line is not None:
        where += f", linje {line}"
    return f"{where}: {problem}"


def toml_read(*, path: Path, label: str = "Regelbog") -> dict[str, Any]:
    """The parsed TOML at `path`, or a RulebookError naming the file (and the line, for syntax errors)."""
    name = path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RulebookError(
            file=name, key=None, problem=f"findes ikke (file not found: {path})", label=label
        ) from None
    except OSError as exc:
        raise RulebookError(
            file=name, key=None, problem=f"kan ikke læses (cannot read: {exc})", label=label
        ) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RulebookError(
            file=name,
            key=None,
            problem=f"er ikke gyldig UTF-8 (not valid UTF-8 at byte {exc.start})",
            label=label,
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has no lineno attribute; the message ends "(at line L, column C)".
        found = re.search(r"at line (\d+)", str(exc))
        raise RulebookError(
            file=name,
            key=None,
            line=int(found.group(1)) if found else None,
            problem=f"ugyldig TOML-syntaks (TOML syntax error: {exc})",
            label=label,
        ) from None


def error_from_validation(*, file: str, exc: ValidationError, label: str = "Regelbog") -> RulebookError:
    """One RulebookError for a pydantic ValidationError: the first problem in front, the rest in `more`."""
    problems = [(_key_of(error), _problem_of(error)) for error in exc.errors(include_url=False)]
    (key, problem), rest = problems[0], tuple(problems[1:])
    return RulebookError(file=file, key=key, problem=problem, more=rest, label=label)


def _key_of(error: dict[str, Any]) -> str | None:
    parts: list[str] = []
    for part in error["loc"]:
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1]}[{part}]"] if parts else [f"[{part}]"]
        else:
            parts.append(str(part))
    # A cross-field rule is raised at its table; it names the key it blames in ctx["key"].
    extra = (error.get("ctx") or {}).get("key")
    if extra:
        parts.append(extra)
    return ".".join(parts) or None


_FIXED = {
    "missing": "nøglen mangler (required key is missing)",
    "extra_forbidden": "ukendt nøgle (unknown key)",
    "int_type": "skal være et heltal (must be an integer)",
    "int_parsing": "skal være et heltal (must be an integer)",
    "bool_type": "skal være true eller false (must be a boolean)",
    "string_type": "skal være tekst i anførselstegn (must be a string)",
    "list_type": "skal være en liste [ ... ] (must be a list)",
    "tuple_type": "skal være en liste [ ... ] (must be a list)",
    "dict_type": "skal være en tabel (must be a table)",
    "model_attributes_type": "skal være en tabel (must be a table)",
}


def _problem_of(error: dict[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in _FIXED:
        return _FIXED[kind]
    if kind == "model_type":
        if str(ctx.get("class_name", "")).startswith("Param["):
            return (
                'skal være en tabel { value = …, source = { … } } eller { value = …, assumed = "…" } '
                "(a parameter must be a table with value and source or assumed)"
            )
        return "skal være en tabel (must be a table)"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace(" or ", " eller ")
        return f"ugyldig værdi {error['input']!r}; tilladt er {expected} (not one of the allowed values)"
    if kind == "greater_than_equal":
        return f"skal være mindst {ctx['ge']} (must be at least {ctx['ge']})"
    if kind == "less_than_equal":
        return f"må højst være {ctx['le']} (must be at most {ctx['le']})"
    if kind == "too_short":
        return "må ikke være tom (must not be empty)"
    if kind == "string_pattern_mismatch":
        return f"har et ugyldigt format {error['input']!r} (does not match {ctx.get('pattern')})"
    if kind.startswith("rulebook_"):
        # Our own validators already write "dansk (English)".
        return error["msg"]
    return f"ugyldig værdi ({error['msg']})"
