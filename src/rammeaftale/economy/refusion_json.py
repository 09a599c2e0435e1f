"""`rammeaftale economy refusion`: a year's cases as JSON → the state refusion per case and household (SEL § 176).

The engine is `engine/refusion.py`; the thresholds are the sourced rows of `data/refusion_thresholds.csv`. Format and
worked example: docs/engine-json.md «Statsrefusion (SEL § 176)» and docs/examples/economy/refusion.json. Errors have
the shape of the other engine JSON commands (`engine/tariff_json.py`): `{"error": {"field": ..., "message": ...}}`.
"""
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints, ValidationError

from rammeaftale.economy.refusion_thresholds import refusion_thresholds
from rammeaftale.engine.refusion import (
    RefusionCase,
    RefusionInputError,
    RefusionLine,
    RefusionThresholds,
    refusion_calculate,
)
from rammeaftale.engine.tariff import ORE
from rammeaftale.engine.tariff_json import (
    EngineInputError,
    _Input,
    _path,
    digits_message,
    error_message,
    too_many_digits,
)

# A municipality has tens of cases above the thresholds, the whole country about a thousand (845 cases of 2 million
# kroner or more in 59 municipalities, KL and Komponent 2023): ten thousand in one file is a mistake.
MAX_CASES = 10_000
EXAMPLE = '"900000.50"'


def _kroner(value: Any) -> Decimal:
    """Kroner and øre as a decimal string (or a whole number): finite, within the engine's bounds, not negative,
    at most two decimals."""
    if isinstance(value, float):
        raise ValueError(f"decimaltal skal skrives som tekst, fx {EXAMPLE} (decimals must be strings)")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"et beløb i kroner skrevet som tekst, fx {EXAMPLE} (must be a decimal string)")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValueError(f"«{value}» er ikke et beløb; skriv fx {EXAMPLE} med punktum (not a decimal number)")
    if too_many_digits(number):
        raise ValueError(digits_message(value))
    if number < 0:
        raise ValueError(f"udgiften kan ikke være negativ ({value}) (an expense cannot be negative)")
    if number == 0:
        return Decimal("0.00")  # 0E-1000000 and -0 are zero
    if number != number.quantize(ORE):
        raise ValueError(f"«{value}» har mere end to decimaler; angiv kroner og øre (at most two decimals)")
    return number.quantize(ORE)


Kroner = Annotated[Decimal, BeforeValidator(_kroner)]
Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), Field(strict=True)]


class CaseIn(_Input):
    id: Key
    expenses: Kroner
    household: Key | None = None
    age: int | None = Field(default=None, ge=0, le=130, strict=True)


class RefusionIn(_Input):
    year: int = Field(ge=2000, le=2100, strict=True)
    cases: list[CaseIn] = Field(min_length=1, max_length=MAX_CASES)


MESSAGES = {
    "missing": "mangler (required)",
    "extra_forbidden": "ukendt nøgle; en sag har id, expenses, household og age (unknown key)",
    "model_type": "skal være et JSON-objekt, fx {\"year\": 2022, \"cases\": [...]} (must be an object)",
    "list_type": "skal være en liste af sager (must be a list)",
    "string_type": "skal være tekst (must be a string)",
    "string_too_short": "må ikke være tom (must not be empty)",
    "string_too_long": "højst 100 tegn (at most 100 characters)",
    "int_type": "skal være et helt tal, fx 2022 (must be an integer)",
    "too_short": "mindst én sag (at least one case)",
    "too_long": f"højst {MAX_CASES:,} sager i én fil (too many cases)".replace(",", "."),
}


def _parse(data: Any) -> RefusionIn:
    """The input, or the first problem with its dotted field (`cases[2].expenses`) and a Danish message."""
    try:
        return RefusionIn.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = MESSAGES.get(first["type"]) or error_message(first)
        raise EngineInputError(field=_path(first["loc"]) or "(rod)", message=message) from exc


def _thresholds(year: int) -> RefusionThresholds:
    years = refusion_thresholds()
    if year not in years:
        known = ", ".join(str(known) for known in sorted(years))
        raise EngineInputError(field="year", message=(
            f"der er ingen kildebelagte tærskler for statsrefusion i {year} (kun for {known}); sekretariatet skal "
            "indtaste årets tærskler med deres kilde (src/rammeaftale/economy/data/refusion_thresholds.csv); de "
            f"gættes ikke (no sourced thresholds for {year})"))
    return years[year]


def _line(line: RefusionLine) -> dict:
    amounts = {"expenses": str(line.expenses_kr), "refusion": str(line.refusion_kr)}
    if line.household is None:
        return {"id": line.case_ids[0], **amounts}
    return {"household": line.household, "members": list(line.case_ids), **amounts}


def refusion_json(data: Any) -> dict:
    """A year and its cases as JSON → each case's and household's refusion, the total, and the thresholds used."""
    refusion = _parse(data)
    thresholds = _thresholds(refusion.year)
    cases = [RefusionCase(case_id=case.id, expenses_kr=case.expenses, household=case.household, age=case.age)
             for case in refusion.cases]
    try:
        result = refusion_calculate(cases=cases, thresholds=thresholds)
    except RefusionInputError as exc:
        raise EngineInputError(field=exc.field, message=str(exc)) from exc
    return {
        "year": result.year,
        "thresholds": {
            "level": thresholds.level,
            "bands": [{"threshold": str(band.threshold_kr), "rate_pct": str(band.rate_pct)}
                      for band in thresholds.bands],
            "source": thresholds.source, "source_url": thresholds.source_url,
        },
        "cases": [_line(line) for line in result.lines if line.household is None],
        "households": [_line(line) for line in result.lines if line.household is not None],
        "refusion_total": str(result.total_kr),
    }
