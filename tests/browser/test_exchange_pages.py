"""Issue 13's «Done when», in a real browser on the Sjælland demo: a caseworker searches the vacancies, sends one
request to three offers, two operators answer from their inboxes (one opening the link of the e-mail that a real
SMTP server received), the caseworker reserves the yes; buying in a private offer while public vacancies are open asks
for the reason, and the region's secretariat sees it in its yearly list."""
import re
import socket
from datetime import date, timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings
from playwright.sync_api import Page, expect

from rammeaftale.accounts.actor import Actor, actor_from_user
from rammeaftale.accounts.models import Role, User
from rammeaftale.demo.build import demo_build
from rammeaftale.demo.catalogue import DEMO_PASSWORD
from rammeaftale.demo.placements import demo_placements_build
from rammeaftale.exchange.models import Answer, VacancyRequestOffer
from rammeaftale.exchange.search import VacancySearch, vacancy_search
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements.models import PlacementStatus, PublicVacancyCheck
from rammeaftale.registry.models import Offer
from tests.browser.test_pages import log_in
from tests.conftest import PASSWORD, TODAY

pytestmark = [pytest.mark.browser]

SJAELLAND = "1085"


class Inbox:
    """aiosmtpd's handler: the messages the server accepted."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.original_content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def mail(live_server):
    """A real SMTP server on a free port; the platform's e-mails go to it, with links to the live server."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                               EMAIL_PORT=port, EMAIL_USE_TLS=False, EMAIL_USE_SSL=False, EMAIL_HOST_USER="",
                               EMAIL_HOST_PASSWORD="", EMAIL_TIMEOUT=5, RAMMEAFTALE_BASE_URL=live_server.url):
            yield handler
    finally:
        controller.stop()


@pytest.fixture
def demo(transactional_db):
    """`rammeaftale demo --region sjaelland --seed 1` for last year and this, with placements from last January."""
    actor = Actor.system(username="demo")
    demo_build(actor=actor, region_codes=[SJAELLAND], seed=1, year_from=TODAY.year - 1, year_to=TODAY.year)
    region = Organisation.objects.get(kind=OrganisationKind.REGION, code=SJAELLAND)
    demo_placements_build(actor=actor, regions=[region], seed=1, first_day=date(TODAY.year - 1, 1, 1), today=TODAY)
    return region


def _chosen_offers(region, caseworker) -> tuple[list[Offer], list[Organisation]]:
    """Three public offers of the search's first page, the first two run by different operators (who answer)."""
    hits = vacancy_search(actor=actor_from_user(caseworker), today=TODAY,
                          search=VacancySearch(offer_type="residential", region_id=region.pk,
                                               operator_kinds=("kommunal",))).hits
    offers = [Offer.objects.select_related("operator").get(pk=hit.offer_id) for hit in hits]
    first = offers[0]
    second = next(offer for offer in offers if offer.operator_id != first.operator_id)
    third = next(offer for offer in offers if offer not in (first, second))
    return [first, second, third], [first.operator, second.operator]


def test_a_caseworker_finds_asks_three_offers_and_reserves_the_yes_and_buys_private_with_a_reason(
        page: Page, live_server, demo, mail, make_user, screenshot_dir):
    caseworker = User.objects.get(username="sagsbehandler")
    caseworker.email = "sagsbehandler@kommune.invalid"
    caseworker.save(update_fields=["email"])
    offers, operators = _chosen_offers(demo, caseworker)
    answering = [make_user(operator, Role.OPERATOR, username=f"driftsherre{index}",
                           email=f"driftsherre{index}@kommune.invalid")
                 for index, operator in enumerate(operators, start=1)]

    # 1. The caseworker searches and ticks three offers.
    log_in(page, live_server, "sagsbehandler", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Ledige pladser").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ledige pladser")
    page.get_by_label("Tilbudstype").select_option("residential")
    page.get_by_label("Region", exact=True).select_option(str(demo.pk))
    page.get_by_label("Kommunal", exact=True).check()
    page.get_by_role("button", name="Søg").click()
    expect(page.locator("#vacancy-table tbody tr").first).to_be_visible()
    for offer in offers:
        page.get_by_label(f"Vælg {offer.name}").check()
    page.screenshot(path=screenshot_dir / "ledige-pladser-soegning.png", full_page=True)
    page.get_by_role("button", name="Send forespørgsel til de valgte tilbud").click()

    # 2. One request to the three.
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny forespørgsel om plads")
    expect(page.locator("#chosen-offers li")).to_have_count(3)
    start = TODAY + timedelta(days=20)
    page.get_by_label("Ønsket startdato").fill(start.isoformat())
    page.get_by_label("Beskrivelse af behovet").fill("Ung mand, 24 år, udviklingshæmning, har brug for botilbud "
                                                     "med døgnstøtte tæt på familien.")
    page.get_by_role("button", name="Send forespørgsel").click()
    expect(page.get_by_text("Svarfrist", exact=False).first).to_be_visible()
    recipients = {r.offer_id: r for r in VacancyRequestOffer.objects.all()}
    assert set(recipients) == {offer.pk for offer in offers}
    page.screenshot(path=screenshot_dir / "forespoergsel-sendt.png", full_page=True)

    # 3. The first operator answers yes from the inbox.
    page.context.clear_cookies()
    log_in(page, live_server, answering[0].username, PASSWORD)
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name=re.compile("Indbakke")).click()
    page.locator("#venter-paa-svar").get_by_role("link", name=offers[0].name).click()
    page.get_by_label("Ja, der er plads").check()
    page.get_by_label("Bemærkning til sagsbehandleren (uden CPR-nummer)").fill("Værelse med eget bad.")
    page.get_by_role("button", name="Send svar").click()
    expect(page.get_by_text("Ja, der er plads").first).to_be_visible()

    # 4. The second operator answers no by the link in the e-mail it received.
    to_second = [message for rcpt, message in mail.messages if answering[1].email in rcpt]
    assert to_second, "the second operator got no e-mail"
    body = to_second[0].get_payload(decode=True).decode(to_second[0].get_content_charset() or "utf-8")
    link = re.search(rf"{re.escape(live_server.url)}\S+", body).group(0)
    page.context.clear_cookies()
    page.goto(link)
    page.get_by_label("Brugernavn").fill(answering[1].username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.get_by_label("Nej", exact=True).check()
    page.get_by_role("button", name="Send svar").click()
    assert VacancyRequestOffer.objects.get(offer=offers[1]).answer == Answer.NO

    # 5. The caseworker sees the answers and reserves the yes in one step.
    page.context.clear_cookies()
    log_in(page, live_server, "sagsbehandler", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/ledige-pladser/indbakke/")
    page.locator("#svar").get_by_role("link", name="Reservér pladsen").click()
    page.get_by_label("Borgerens navn").fill("Mads Jensen")
    page.get_by_label("CPR-nummer").fill("0101024234")
    page.get_by_role("button", name="Reservér pladsen").click()
    reserved = VacancyRequestOffer.objects.get(offer=offers[0]).placement
    assert reserved.status == PlacementStatus.RESERVED and reserved.reserved_until == start
    assert reserved.citizen_name == "Mads Jensen" and reserved.start_date == start
    expect(page.get_by_text(reserved.reference).first).to_be_visible()
    page.screenshot(path=screenshot_dir / "forespoergsel-reserveret.png", full_page=True)

    # 6. A private place with public vacancies open: the public ones first, and a reason.
    private = (Offer.objects.filter(municipality__region=demo, operator__kind=OrganisationKind.PRIVATE_OPERATOR,
                                    offer_type="residential").order_by("pk").first())
    page.goto(f"{live_server.url}/placeringer/ny/?offer={private.pk}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Offentlige pladser før køb hos privat")
    expect(page.locator("#public-vacancies tbody tr").first).to_be_visible()
    page.get_by_label("Startdato").fill(start.isoformat())
    page.get_by_role("button", name=re.compile("Køb alligevel")).click()
    expect(page.get_by_role("alert")).to_contain_text("Skriv, hvorfor")
    expect(page.locator("#public-vacancies caption")).to_contain_text(f"fra {start.day}.")  # the start date's
    page.get_by_label("Begrundelse for køb hos privat").fill("Borgeren har brug for et lille opholdssted med "
                                                             "særlig støtte, som de offentlige tilbud ikke har.")
    page.screenshot(path=screenshot_dir / "offentlige-foerst.png", full_page=True)
    page.get_by_role("button", name=re.compile("Køb alligevel")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Køb plads")
    page.get_by_label("Borgerens navn").fill("Ida Hansen")
    page.get_by_label("CPR-nummer").fill("0202084234")
    expect(page.get_by_label("Startdato")).to_have_value(start.isoformat())  # carried from the page before
    page.get_by_role("button", name=re.compile("Køb plads|Send")).last.click()
    check = PublicVacancyCheck.objects.get()
    assert check.placement is not None and check.placement.offer == private and check.public_vacancies

    # 7. The region's secretariat sees the purchase and its reason.
    page.context.clear_cookies()
    log_in(page, live_server, "sekretariat", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/ledige-pladser/privat-koeb/oversigt/")
    row = page.locator("#private-purchases tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("særlig støtte")
    expect(row).to_contain_text(private.name)
    page.screenshot(path=screenshot_dir / "koeb-hos-private.png", full_page=True)
