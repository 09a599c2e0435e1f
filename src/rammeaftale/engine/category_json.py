"""JSON in and out for the category suggestion (the `category suggest` CLI and the API): decimals as strings, errors
naming the field in the tariff engine's shape (`EngineInputError`).

Format and worked examples: docs/engine-json.md and docs/examples/category-*.json.
"""
from decimal import Decimal, InvalidOperation
from typing import Any

from rammeaftale.engine.categorisation import (
    CategoryInputError,
    CategorySuggestion,
    Places,
    Sales,
    category_suggest,
    shown,
)
from rammeaftale.engine.tariff_json import MAX_DECIMALS, MAX_DIGITS, EngineInputError, too_many_digits
from rammeaftale.rulebooks import RulebookError, rulebook_load
from rammeaftale.rulebooks.models import Rulebook

FIELDS = ("rulebook", "offer", "daily_tariff", "other_buying_municipalities", "places", "places_sold_to_others")
LABELS = {
    "daily_tariff": "døgntaksten", "places": "pladserne", "places_sold_to_others": "pladserne solgt til andre kommuner",
    "other_buying_municipalities": "antallet af andre købende kommuner",
}


def _decimal(data: dict, field: str) -> Decimal:
    value, label = data[field], LABELS[field]
    if isinstance(value, float):
        raise EngineInputError(field=field, message=(
            f'{label}: decimaltal skal skrives som tekst, fx "{value}" (decimals must be strings)'))
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if not isinstance(value, str):
        raise EngineInputError(field=field, message=f'{label} skal være et tal skrevet som tekst, fx "12.5" '
                                                    "(must be a decimal string)")
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise EngineInputError(field=field, message=f'{label}: «{value}» er ikke et tal; skriv fx "12.5" med punktum '
                                                    "(not a number)")
    # The comparisons run in exact fractions: a figure like 1e999999999 would build a billion-digit integer.
    if too_many_digits(number):
        raise EngineInputError(field=field, message=(
            f"{label}: «{value}» har for mange cifre (højst {MAX_DIGITS} før og {MAX_DECIMALS} efter kommaet) "
            "(too many digits)"))
    return number


def _count(data: dict, field: str) -> int:
    value = data[field]
    if isinstance(value, bool) or not isinstance(value, int):
        raise EngineInputError(field=field, message=f"{LABELS[field]} skal være et helt tal, fx 4 (must be an integer)")
    return value


def _rulebook(key: Any) -> Rulebook:
    if not isinstance(key, str) or not key.strip():
        raise EngineInputError(field="rulebook", message="angiv regelbogens nøgle, fx «syddanmark-2017» "
                                                         "(rulebook key required)")
    try:
        return rulebook_load(key=key)
    except RulebookError as exc:
        raise EngineInputError(field="rulebook", message=f"ukendt eller ugyldig regelbog «{key}»: {exc}") from exc


def _text(value: Places | None) -> str | None:
    return None if value is None else str(shown(value))


def category_suggestion_json(*, sales: Sales, suggestion: CategorySuggestion, rulebook: Rulebook) -> dict:
    """The suggestion with the figures it was made from and, under thresholds, which tests they meet."""
    tests = suggestion.tests
    rules = rulebook.categorisation
    return {
        "rulebook": rulebook.key, "rulebook_version": rulebook.version, "method": rules.method.value,
        "category": suggestion.category, "needs_assessment": suggestion.needs_assessment,
        "reason": suggestion.reason_da,
        "facts": {
            "daily_tariff": _text(sales.daily_tariff_kr),
            "other_buying_municipalities": sales.other_buying_municipalities,
            "places": _text(sales.places), "places_sold_to_others": _text(sales.places_sold_to_others),
            "share_sold_pct": _text(sales.share_sold_pct_shown),
        },
        "thresholds": None if tests is None else {
            "source": rules.high_min_daily_tariff_kr.source.doc if rules.high_min_daily_tariff_kr
            and rules.high_min_daily_tariff_kr.source else None,
            "min_daily_tariff": str(tests.min_daily_tariff_kr), "tariff_met": tests.tariff_met,
            "min_other_buying_municipalities": tests.min_other_buying_municipalities, "buyers_met": tests.buyers_met,
            "min_share_sold_pct": str(tests.min_share_sold_pct), "share_met": tests.share_met,
        },
    }


def category_suggest_json(data: Any) -> dict:
    """Sales as JSON → the rulebook's category (or null), whether a judgement must decide, the reason and facts."""
    if not isinstance(data, dict):
        raise EngineInputError(field="(rod)", message="inputtet skal være et JSON-objekt (must be a JSON object)")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise EngineInputError(field=unknown[0], message=f"ukendt felt; brug {', '.join(FIELDS)} (unknown field)")
    for field in ("rulebook", "daily_tariff", "other_buying_municipalities", "places", "places_sold_to_others"):
        if field not in data:
            raise EngineInputError(field=field, message="feltet mangler (required)")
    rulebook = _rulebook(data["rulebook"])
    offer = data.get("offer", "")
    if not isinstance(offer, str):
        raise EngineInputError(field="offer", message="tilbuddets navn skal være tekst (must be a string)")
    try:
        sales = Sales(
            daily_tariff_kr=None if data["daily_tariff"] is None else _decimal(data, "daily_tariff"),
            other_buying_municipalities=_count(data, "other_buying_municipalities"),
            places=_decimal(data, "places"), places_sold_to_others=_decimal(data, "places_sold_to_others"),
        )
    except CategoryInputError as exc:
        raise EngineInputError(field=exc.field, message=str(exc)) from exc
    suggestion = category_suggest(sales=sales, rulebook=rulebook)
    return {"offer": offer, **category_suggestion_json(sales=sales, suggestion=suggestion, rulebook=rulebook)}
