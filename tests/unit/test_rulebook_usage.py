"""Issue 10 item 6: every rulebook parameter is read by code or declared informational.

A parameter counts as read when a module under src/rammeaftale (Python or template; not rulebooks/models.py, not the
TOML data) names it as `<section>.<name>` or, for a name no other section has, as `.<name>.value` (the code's habit:
`rules = rulebook.true_up` … `rules.mode.value`); or when a Rulebook accessor that reads it (e.g.
`budgeted_occupancy_bounds` reads `budgeted_occupancy.min_pct`) is called from such a module. A parameter only shown to
users is marked `json_schema_extra=INFORMATIONAL` in rulebooks/models.py.
"""
import inspect
import re
from collections import Counter
from pathlib import Path

from rammeaftale.rulebooks import models
from rammeaftale.rulebooks.models import Rulebook, parameter_is_informational, parameter_paths

SRC = Path(models.__file__).resolve().parents[1]

# Parameters that should steer behaviour and do not yet: not informational, and listed here with what would read
# them so the list is the open work. The test fails when one of them becomes read (remove it here) and when any
# other parameter is read by no code (read it, or mark it informational if it is only shown).
NOT_YET_WIRED: dict[str, str] = {
}


def _code() -> str:
    files = [path for path in SRC.rglob("*") if path.suffix in (".py", ".html")
             and path != SRC / "rulebooks" / "models.py" and "migrations" not in path.parts]
    return "\n".join(path.read_text(encoding="utf-8") for path in files)


def _names_read(text: str, paths: list[tuple[str, str]]) -> set[str]:
    shared = {name for name, count in Counter(name for _, name in paths).items() if count > 1}
    found = set()
    for section, name in paths:
        patterns = [rf"\b{section}\.{name}\b"] + ([] if name in shared else [rf"\.{name}\.value\b"])
        if any(re.search(pattern, text) for pattern in patterns):
            found.add(f"{section}.{name}")
    return found


def _read_through_accessors(code: str, paths: list[tuple[str, str]]) -> set[str]:
    """Parameters a public Rulebook method reads (its section named as `self.<section>`), when code calls it."""
    found = set()
    for method_name, method in vars(Rulebook).items():
        if method_name.startswith("_") or not callable(method) or not re.search(rf"\.{method_name}\(", code):
            continue
        source = inspect.getsource(method)
        for section, name in paths:
            if f"self.{section}" in source and re.search(rf"\.{name}\b", source):
                found.add(f"{section}.{name}")
    return found


def _read() -> set[str]:
    code, paths = _code(), parameter_paths()
    return _names_read(code, paths) | _read_through_accessors(code, paths)


def test_every_parameter_is_read_by_code_or_declared_informational():
    read = _read()
    unread = {f"{section}.{name}" for section, name in parameter_paths()
              if f"{section}.{name}" not in read and not parameter_is_informational(section=section, name=name)}
    new = sorted(unread - set(NOT_YET_WIRED))
    assert not new, (f"read by no code and not informational: {new}; read it where it steers behaviour, or mark it "
                     "json_schema_extra=INFORMATIONAL in rulebooks/models.py if it is only shown to users")
    wired = sorted(set(NOT_YET_WIRED) - unread)
    assert not wired, f"now read by code (or marked informational): remove {wired} from NOT_YET_WIRED"


def test_an_informational_parameter_is_read_by_no_code():
    read = _read()
    steering = sorted(f"{section}.{name}" for section, name in parameter_paths()
                      if parameter_is_informational(section=section, name=name) and f"{section}.{name}" in read)
    assert not steering, f"marked informational but read by code (it steers behaviour): {steering}"


def test_the_detector_sees_direct_reads_and_reads_through_accessors():
    paths = parameter_paths()
    assert _names_read("rules = rulebook.true_up\nrules.mode.value", paths) == {"true_up.mode"}
    assert _names_read("rulebook.tariffs.overhead_norm_pct", paths) == {"tariffs.overhead_norm_pct"}
    # `method` is in two sections: only `<section>.method` names it.
    assert _names_read("rules.method.value", paths) == set()
    assert _names_read("rulebook.categorisation.method.value", paths) == {"categorisation.method"}
    via = _read_through_accessors("low, high = rulebook.budgeted_occupancy_bounds(short_stay=True)", paths)
    assert via == {"budgeted_occupancy.min_pct", "budgeted_occupancy.max_pct", "budgeted_occupancy.short_stay_min_pct"}
    assert _read_through_accessors("rulebook.monthly_conversion_fraction(2024)", paths) == {
        "tariffs.monthly_conversion", "tariffs.monthly_conversion_leap_year"}
    assert _read_through_accessors("nothing calls it", paths) == set()


def test_every_model_parameter_is_in_every_shipped_rulebook_or_optional():
    # The walk covers the model, not only what a file happens to hold: optional parameters count too.
    assert ("market", "special_education_min_using_municipalities") in parameter_paths()
    assert ("tariffs", "monthly_conversion_leap_year") in parameter_paths()
    assert ("occupancy", "report_texts") in parameter_paths()
