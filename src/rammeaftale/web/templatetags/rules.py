"""`{% rule_source %}` and `{% law_source %}`: which rule a page follows, as a link to the rule's source.

A rulebook parameter links to its row on the agreement page (`parameter_anchor`), with the source's own words as
the link's text (document and section), or «Antaget standard – ikke fastsat i rammeaftalen» for a value no source
gives. A law links to its official text, from the one list of citable documents (rulebooks/data/sources.toml).
Which agreement: the one a page passes (`agreement=`), else the one that governs the acting user's region today
(`rules_in_force`, the one selector for that decision). Without an agreement the rule is named without a link.
"""
from django import template
from django.urls import reverse
from django.utils.html import format_html

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.core.clock import today
from rammeaftale.core.errors import DomainError
from rammeaftale.registry.models import Agreement
from rammeaftale.registry.rules import RulesInForce, rulebook_of, rules_in_force
from rammeaftale.rulebooks.display import parameter_anchor, parameter_at, parameter_label, source_reference
from rammeaftale.rulebooks.models import parameter_paths
from rammeaftale.rulebooks.sources import document_sources

register = template.Library()

_KNOWN_PATHS = frozenset(f"{section}.{name}" for section, name in parameter_paths())


def rules_for_request(request) -> RulesInForce | None:
    """The rules that govern the acting user's region today, or None (no region, no agreement); once per request."""
    if request is None:
        return None
    if not hasattr(request, "_rules_here"):
        actor = actor_for_request(request)
        rules = None
        if actor.region_id is not None:
            try:
                rules = rules_in_force(region=actor.region_id, on=today())
            except DomainError:
                rules = None
        request._rules_here = rules
    return request._rules_here


@register.simple_tag(takes_context=True)
def rule_source(context, path: str, **kwargs) -> str:
    """A link to the rule at `path` ("occupancy.deviation_threshold_pct") on the agreement page, its text the
    source's title and section. `agreement=` (an Agreement or the rules in force) names the agreement; without it,
    the acting user's. No agreement, or one whose rulebook lacks the rule: the rule's Danish name, no link."""
    if path not in _KNOWN_PATHS:
        raise template.TemplateSyntaxError(f"rule_source: no rulebook parameter {path!r}")
    given = kwargs.get("agreement") if "agreement" in kwargs else rules_for_request(context.get("request"))
    if isinstance(given, RulesInForce):
        agreement, rulebook = given.agreement, given.rulebook
    elif isinstance(given, Agreement):
        agreement, rulebook = given, rulebook_of(given.rulebook)
    else:
        agreement, rulebook = None, None
    param = parameter_at(rulebook, path) if rulebook is not None else None
    if param is None:
        return format_html('<span class="rule-source">{}</span>', parameter_label(path))
    href = reverse("registry:agreement_detail", args=[agreement.pk]) + "#" + parameter_anchor(path)
    return format_html('<span class="rule-source"><a href="{}" title="{}">{}</a></span>',
                       href, f"{parameter_label(path)} – {agreement.name}", source_reference(param))


@register.simple_tag
def law_source(doc_id: str) -> str:
    """A link to a law's official text (a `kind = "law"` document of sources.toml), its title as the text."""
    document = document_sources().get(doc_id)
    if document is None or document.kind != "law" or not document.url:
        raise template.TemplateSyntaxError(f"law_source: no law with a url named {doc_id!r} in sources.toml")
    return format_html('<span class="rule-source"><a href="{}" rel="noopener">{}</a></span>',
                       document.url, document.title)
