"""JSON in and out for tariff growth against P/L (`rammeaftale tariff growth`): a series, the P/L table, the rulebook.

Format and worked examples: docs/engine-json.md and docs/examples/growth-*.json. Errors have the shape of the other
engine JSON commands (`engine/tariff_json.py`): `{"error": {"field": ..., "message": ...}}`.
"""
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError

from rammeaftale.engine.indexation import YearGrowth, growth_rules_of, tariff_growth_series
from rammeaftale.engine.tariff_json import EngineInputError, _Input, _rulebook, bounded_decimal, error_message
from rammeaftale.rulebooks.values import OFFER_TYPES


def _exact(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError(f"decimaltal skal skrives som tekst, fx \"{value}\" i stedet for {value} "
                         "(decimals must be strings)")
    return value


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError(f"en takst skal være større end 0, ikke {value} (a tariff must be positive)")
    return value


def _rate(value: Decimal) -> Decimal:
    if not Decimal(-100) < value <= Decimal(100):
        raise ValueError(f"P/L skal ligge over -100 og højst 100 %, ikke {value} (rate out of range)")
    return value


def _offer_type(value: str) -> str:
    if value not in OFFER_TYPES:
        raise ValueError(f"ukendt tilbudstype «{value}»; brug {', '.join(OFFER_TYPES)} (unknown offer type)")
    return value


Year = Annotated[int, Field(ge=2000, le=2100)]
TariffKr = Annotated[Decimal, BeforeValidator(_exact), AfterValidator(_positive), AfterValidator(bounded_decimal)]
RatePct = Annotated[Decimal, BeforeValidator(_exact), AfterValidator(_rate), AfterValidator(bounded_decimal)]


class GrowthIn(_Input):
    rulebook: str
    offer_type: Annotated[str, AfterValidator(_offer_type)]
    offer: str = ""
    tariffs: Annotated[dict[Year, TariffKr], Field(min_length=1)]
    pl_pct: dict[Year, RatePct] = {}


def _parse(data: Any) -> GrowthIn:
    """The input, or the first problem with its dotted field (`tariffs.2021`) and a Danish message."""
    try:
        return GrowthIn.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = [str(part) for part in first["loc"] if part != "[key]"]
        field = ".".join(location) or "(rod)"
        if first["loc"] and first["loc"][-1] == "[key]":
            message = (f"årstallet «{location[-1]}» skal være et helt år fra 2000 til 2100, fx \"2019\" "
                       "(years are whole numbers)")
        elif first["type"] == "too_short":
            message = "mindst ét år (at least one year)"
        elif first["type"] == "missing":
            message = "mangler (required)"
        elif first["type"] == "model_type":
            message = "skal være et JSON-objekt med rulebook, offer_type, tariffs og pl_pct (must be an object)"
        elif first["type"].startswith("decimal"):
            message = f"ugyldigt decimaltal {first['input']!r}; skriv fx \"2554.67\" (not a decimal number)"
        elif first["type"] == "extra_forbidden":
            message = "ukendt nøgle (unknown key)"
        else:
            message = error_message(first)
        raise EngineInputError(field=field, message=message) from exc


def _no_gap(tariffs: dict[int, Decimal]) -> None:
    """Growth is from the year before, so a series with a hole is a mistake in the file, not a rule to guess."""
    years = sorted(tariffs)
    missing = next((year for year in range(years[0], years[-1] + 1) if year not in tariffs), None)
    if missing is not None:
        raise EngineInputError(
            field=f"tariffs.{missing}",
            message=(f"mangler: takstrækken {years[0]}–{years[-1]} har ingen takst for {missing}; angiv en takst "
                     f"for hvert år, så stigningen fra året før kan beregnes (the series has a gap: {missing})"),
        )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _year_out(row: YearGrowth) -> dict:
    return {
        "year": row.year, "tariff": str(row.tariff_kr), "previous_tariff": _text(row.previous_kr),
        "growth_pct": _text(row.growth_pct_display), "growth_pct_unrounded": _text(row.growth_pct),
        "pl_pct": _text(row.pl_pct), "cap": _text(row.cap_kr_display), "cap_unrounded": _text(row.cap_kr),
        "over_cap": row.over_cap, "needs_explanation": row.needs_explanation, "report_required": row.report_required,
        "basis": {"kind": row.cap_basis, "from_year": row.cap_from_year, "pl_years": list(row.cap_pl_years),
                  "pl_missing": list(row.pl_missing_years), "text": row.basis_da()},
        "notes": list(row.notes),
    }


def tariff_growth_json(data: Any) -> dict:
    """A tariff series, the P/L table and the rulebook as JSON → per year: growth, cap, over cap and the flags."""
    growth = _parse(data)
    _no_gap(growth.tariffs)
    rulebook = _rulebook(growth.rulebook)
    rules = growth_rules_of(rulebook)
    years = tariff_growth_series(tariffs_kr=growth.tariffs, pl_pct=growth.pl_pct, rules=rules,
                                 offer_type=growth.offer_type)
    return {
        "rulebook": rulebook.key, "rulebook_version": rulebook.version, "offer": growth.offer,
        "offer_type": growth.offer_type,
        "rule": {"cap": rules.cap, "applies_to": rules.applies_to, "base_year": rules.base_year,
                 "explanation_required": rules.explanation_required,
                 "report_above_pct": _text(rules.report_above_pct),
                 "report_offer_types": list(rules.report_offer_types), "text": rules.description_da()},
        "years": [_year_out(row) for row in years],
    }
