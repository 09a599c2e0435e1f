"""`rammeaftale economy guarantee`: JSON in, the guarantee engine (`engine/guarantee.py`), JSON out.

A rulebook with `[new_places_model]`, the population date, the year of operation and the year's deficit → the
guaranteed part and each of the region's municipalities' share of it. Format and worked example:
docs/engine-json.md («Underskudsgaranti for nye pladser»); errors have the shape of the other engine JSON commands.
"""
import re
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from rammeaftale.economy.population import PopulationMissing, population_check
from rammeaftale.engine.guarantee import GuaranteeInputError, guarantee_calculate
from rammeaftale.engine.tariff_json import EngineInputError, SignedAmount, _Input, _parse, _rulebook
from rammeaftale.rulebooks import rulebook_keys, rulebook_load, rulebook_parameters


def _iso_date(value: Any) -> date:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"skal være en dato skrevet som tekst, fx \"2024-01-01\", ikke {value!r} "
                         "(a date as \"YYYY-MM-DD\")")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"«{value}» er ikke en dato (not a date: {exc})") from exc


class GuaranteeIn(_Input):
    rulebook: str
    population_date: Annotated[date, BeforeValidator(_iso_date)]
    year_of_operation: int = Field(strict=True)  # strict: `true` is not year 1; its range is the rulebook's steps
    deficit: SignedAmount  # a negative deficit (a surplus) is refused by the engine, with its reason
    offer: str = ""


def _no_model_message(key: str) -> str:
    having = [other for other in rulebook_keys() if rulebook_load(key=other).new_places_model is not None]
    return (f"regelbogen «{key}» har ingen økonomimodel for nye pladser ([new_places_model]) og dermed ingen "
            f"underskudsgaranti; den findes i {', '.join(having) or 'ingen regelbog'} "
            "(the rulebook has no deficit guarantee for new places)")


def guarantee_json(data: Any) -> dict:
    """The guarantee's input as JSON → the year's percentage, the guaranteed amount and the shares, summing exactly."""
    guarantee = _parse(GuaranteeIn, data)
    rulebook = _rulebook(guarantee.rulebook)
    rules = rulebook.new_places_model
    if rules is None:
        raise EngineInputError(field="rulebook", message=_no_model_message(rulebook.key))
    on = guarantee.population_date
    try:
        population = population_check(on=on, region_code=rulebook.rulebook.region_code,
                                      municipalities=rulebook.rulebook.municipalities)
    except PopulationMissing as exc:
        raise EngineInputError(field=exc.field, message=str(exc)) from exc
    try:
        result = guarantee_calculate(
            deficit_kr=guarantee.deficit, year_of_operation=guarantee.year_of_operation,
            steps_pct=rules.guarantee_steps_pct.value, max_pct=rules.deficit_guarantee_max_pct.value,
            municipalities=population.municipalities,
        )
    except GuaranteeInputError as exc:
        raise EngineInputError(field=exc.field, message=str(exc)) from exc
    return {
        "rulebook": rulebook.key, "rulebook_version": rulebook.version, "offer": guarantee.offer,
        "region": {"code": population.region_code, "name": population.region},
        "year_of_operation": result.year_of_operation, "deficit": str(result.deficit_kr),
        "guarantee_pct": str(result.guarantee_pct), "guaranteed": str(result.guaranteed_kr),
        "guaranteed_ore": result.guaranteed_ore,
        "population_date": on.isoformat(), "population_source": population.source,
        "population_total": result.population_total,
        "shares": [
            {"municipality_code": share.municipality_code, "municipality": share.municipality,
             "population": share.population, "share_ore": share.share_ore, "extra_ore": share.extra_ore}
            for share in result.shares
        ],
        "sum_ore": result.sum_ore,
        "rule": [
            {"parameter": row.path, "label": row.label_da, "value": row.value_display,
             "informational": row.informational, "source": row.source and row.source.doc,
             "section": row.source and row.source.section, "quote": row.source and row.source.quote}
            for row in rulebook_parameters(rulebook) if row.path.startswith("new_places_model.")
        ],
    }
