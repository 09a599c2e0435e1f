"""Template filters for money in øre and decimal strings, Danish format."""
from datetime import date
from decimal import Decimal

from django import template

from rammeaftale.core.money import format_kr, kr_to_ore

register = template.Library()


@register.filter
def kr(amount_ore):
    """Øre (int) → "1.234,50 kr."; empty for None (and for a missing value, which templates give as "")."""
    return "" if amount_ore in (None, "") else format_kr(int(amount_ore))


@register.filter
def kr_text(amount: str):
    """A kroner decimal string (as the engine's JSON holds it) → "1.234,50 kr."."""
    return "" if amount in (None, "") else format_kr(kr_to_ore(Decimal(amount)))


@register.filter
def pct(value):
    return "" if value is None else f"{value} %".replace(".", ",")


@register.filter
def isodate(value):
    """An ISO date string (as a stored calculation holds it) → a date, for the `date` filter."""
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return value


@register.filter
def decimal_da(value):
    """A decimal string or number → Danish digits: "8479.68" → "8.479,68"."""
    if value in (None, ""):
        return ""
    text = f"{Decimal(value):,}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
