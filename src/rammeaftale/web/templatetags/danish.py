"""Template filters for the Danish pages: money in øre, choice labels, and audit values."""
import json

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from rammeaftale.core.money import format_kr
from rammeaftale.registry.models import Category
from rammeaftale.rulebooks.display import ASSUMED_DA, parameter_label, source_text

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


@register.simple_tag
def options(items, selected=None):
    """The `<option>`s of a filter menu: one per object (its pk and str) or (value, label) pair, the one equal to
    `selected` (compared as text, so a GET parameter matches an id) marked selected. The same HTML the template loop
    gave, made in one pass: a menu of 400 operators costs the template engine milliseconds on every visit."""
    chosen = "" if selected is None else str(selected)
    parts = []
    for item in items:
        value, label = item if isinstance(item, tuple) else (item.pk, item)
        value = str(value)
        parts.append(f'<option value="{escape(value)}"{" selected" if value == chosen and chosen else ""}>'
                     f"{escape(label)}</option>")
    return mark_safe("".join(parts))


@register.filter
def rule_basis(param) -> str:
    """A rule's basis as a person reads it: the agreement's title, section and words; or, for a value no agreement
    gives, «Antaget standard – ikke fastsat i rammeaftalen» with the reason one click away. Takes a rulebook
    parameter (`Param`) or a row of `rulebook_parameters`."""
    if param is None:
        return ""
    source, assumed = getattr(param, "source", None), getattr(param, "assumed", None)
    if source is not None and hasattr(source, "title"):  # a row: the document is looked up already
        quote = f": »{source.quote}«" if source.quote else ""
        return escape(f"{source.title}, {source.section}{quote}")
    if source is not None:
        return escape(source_text(param))
    return mark_safe(
        f'<span class="badge badge-assumed">{ASSUMED_DA}</span> '
        f'<details class="assumed-why"><summary>Hvorfor?</summary>{escape(assumed or "")}</details>')


@register.filter
def rule_label(path: str) -> str:
    """A parameter's Danish name for its key ("tariffs.approval_deadline")."""
    return parameter_label(path) if path else ""
