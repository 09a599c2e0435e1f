"""Issue 16, part 7: each page names the rule it follows with a link to its source: `{% rule_source %}` links a
rulebook parameter to its row on the agreement page, `{% law_source %}` a law to its official text."""
import re

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory
from django.urls import reverse

from rammeaftale.accounts.models import Role
from rammeaftale.registry.models import Agreement
from rammeaftale.registry.rules import rules_in_force
from rammeaftale.rulebooks.display import ASSUMED_DA, parameter_anchor, rulebook_parameters
from rammeaftale.rulebooks.sources import document_sources
from tests.conftest import PASSWORD, TODAY


def render(text: str, *, user=None, **context) -> str:
    request = RequestFactory().get("/")
    if user is not None:
        request.user = user
    return Template("{% load rules %}" + text).render(Context({"request": request, **context}))


@pytest.fixture
def syd(agreements) -> Agreement:
    return Agreement.objects.get(rulebook__key="syddanmark-2019-2020")


def test_the_anchor_is_the_path_with_a_dash_for_the_dot():
    assert parameter_anchor("occupancy.deviation_threshold_pct") == "regel-occupancy-deviation_threshold_pct"


def test_a_sourced_rule_links_to_its_row_with_the_sources_words(syd):
    html = render('{% rule_source "occupancy.deviation_threshold_pct" agreement=a %}', a=syd)
    href = reverse("registry:agreement_detail", args=[syd.pk]) + "#regel-occupancy-deviation_threshold_pct"
    assert f'href="{href}"' in html
    text = re.sub(r"<[^>]+>", "", html)
    assert text.startswith("Rammeaftale 2019–2020, Syddanmark (Esbjerg Kommunes udgave), ")
    assert ASSUMED_DA not in text and 'class="rule-source"' in html


def test_an_assumed_rule_links_to_its_row_saying_it_is_assumed(syd):
    html = render('{% rule_source "notice.months_by_offer_type" agreement=a %}', a=syd)
    assert "#regel-notice-months_by_offer_type" in html
    assert re.sub(r"<[^>]+>", "", html) == ASSUMED_DA


def test_the_rules_in_force_may_be_passed_instead_of_the_agreement(syd, region_syd):
    rules = rules_in_force(region=region_syd, on=TODAY)
    html = render('{% rule_source "payment.due_days_max" agreement=r %}', r=rules)
    assert f"/rammeaftaler/{rules.agreement.pk}/#regel-payment-due_days_max" in html


def test_without_an_agreement_the_user_works_under_the_agreement_of_their_region(syd, esbjerg, make_user):
    user = make_user(esbjerg, Role.CASEWORKER)
    html = render('{% rule_source "occupancy.deviation_threshold_pct" %}', user=user)
    assert f"/rammeaftaler/{syd.pk}/#regel-occupancy-deviation_threshold_pct" in html


def test_no_agreement_names_the_rule_without_a_link_and_without_an_error(reference, esbjerg, make_user):
    """A region without agreements, a user without an organisation, a page that passes none: no link, no error."""
    for user in (make_user(esbjerg, Role.CASEWORKER), None):
        html = render('{% rule_source "occupancy.deviation_threshold_pct" %}', user=user)
        assert "<a" not in html and "afvigelsestærskel for belægning" in html
    html = render('{% rule_source "occupancy.deviation_threshold_pct" agreement=None %}')
    assert "<a" not in html and "rule-source" in html


def test_a_rule_the_agreements_rulebook_lacks_is_named_without_a_link(syd):
    """Syddanmark 2019–2020 has no economic model for new places (Hovedstaden's has)."""
    html = render('{% rule_source "new_places_model.startup_subscription_max_years" agreement=a %}', a=syd)
    assert "<a" not in html and "rule-source" in html


def test_an_unknown_rule_is_a_template_error_not_a_silent_key():
    with pytest.raises(TemplateSyntaxError):
        render('{% rule_source "occupancy.no_such_rule" %}')


def test_a_law_links_to_its_official_text():
    html = render('{% law_source "law-sel-176" %}')
    law = document_sources()["law-sel-176"]
    assert f'href="{law.url}"' in html and law.url.startswith("https://www.retsinformation.dk/")
    assert "Serviceloven § 176" in html
    with pytest.raises(TemplateSyntaxError):
        render('{% law_source "seed-000" %}')  # an agreement, not a law


def test_every_rule_of_the_agreement_page_has_its_anchor(client, syd, esbjerg, make_user):
    user = make_user(esbjerg, Role.CASEWORKER)
    assert client.login(username=user.username, password=PASSWORD)
    html = client.get(reverse("registry:agreement_detail", args=[syd.pk])).content.decode()
    rows = rulebook_parameters(rules_in_force(region=syd.region, on=TODAY).rulebook)
    assert rows
    for row in rows:
        assert f'id="{parameter_anchor(row.path)}" data-path="{row.path}"' in html, row.path
    ids = re.findall(r'id="(regel-[^"]+)"', html)
    assert len(ids) == len(set(ids)) == len(rows)
