"""Template filters for the Danish pages: money in øre, choice labels, and audit values."""
import json

from django import template

from rammeaftale.core.money import format_kr
from rammeaftale.registry.models import Category

register = template.Library()


@register.filter
def kr(amount_ore):
    """Øre (int) → "1.234,50 kr."; empty for None."""
    return "" if amount_ore is None else format_kr(int(amount_ore))


@register.filter
def category_label(code) -> str:
    """A category code as its Danish name ("klynge" → "Klyngetilbud"); unknown codes as written."""
    if not code:
        return ""
    return Category(code).label if code in Category.values else str(code)


@register.filter
def audit_value(value) -> str:
    """A before/after value in one line: "–" for nothing, JSON for lists and objects."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
