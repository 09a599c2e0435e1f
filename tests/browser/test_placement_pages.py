"""Buying a place in a real browser: Esbjerg's caseworker buys a place in Odense's offer, the operator confirms and
registers the move-in, the caseworker reads the CPR number (logged) and gives notice; Copenhagen sees nothing."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.engine.notice import notice_end
from rammeaftale.placements.models import Placement, PlacementStatus
from rammeaftale.registry import services
from rammeaftale.registry.models import Agreement
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from tests.browser.axe import axe_violations
from tests.browser.test_pages import log_in
from tests.conftest import TODAY

pytestmark = [pytest.mark.browser]

YEAR = TODAY.year


@pytest.fixture
def world(transactional_db, agreements, region_syd, odense, esbjerg, copenhagen, make_offer, make_user, system):
    """Syddanmark with an agreement this year; Odense's Solsikken with two places and a tariff this year."""
    rulebook = Agreement.objects.get(rulebook__key="syddanmark-2019-2020").rulebook
    services.agreement_create(actor=system, region=region_syd, name=f"Demoaftale {YEAR}, Syddanmark",
                              year_from=YEAR, year_to=YEAR, rulebook=rulebook, is_demo=True)
    offer = make_offer(odense, name="Botilbuddet Solsikken", places=2, tilbudsportalen_id="100101")
    basis = services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
    Tariff.objects.create(service=basis, year=YEAR, amount_ore=231_450, origin=TariffOrigin.PUBLISHED)
    make_user(esbjerg, Role.CASEWORKER, username="caseworker", first_name="Sara", last_name="Sagsbehandler")
    make_user(odense, Role.OPERATOR, username="operator", first_name="Dorte", last_name="Driftsherre")
    make_user(copenhagen, Role.CASEWORKER, username="kbh", first_name="Karl", last_name="København")
    return {"offer": offer}


def _person(browser: Browser, live_server, username: str, browser_context_args: dict) -> Page:
    """A browser context of its own per person, logged in through the form."""
    page = browser.new_context(**browser_context_args).new_page()
    log_in(page, live_server, username)
    expect(page.get_by_role("navigation", name="Hovedmenu")).to_be_visible()
    return page


def _buy(page: Page) -> None:
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Tilbud", exact=True).click()
    page.get_by_role("link", name="Botilbuddet Solsikken").click()
    page.get_by_role("link", name="Køb plads").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Køb plads i Botilbuddet Solsikken")
    expect(page.locator("#vacancy-free")).to_have_text("2")
    expect(page.get_by_label("Betalingskommune")).to_have_value(re.compile(r"\d+"))
    expect(page.get_by_label("Betalingskommune").locator("option:checked")).to_have_text("Esbjerg Kommune")
    expect(page.get_by_role("checkbox", name=re.compile("^Døgnophold"))).to_be_checked()
    page.get_by_label("Borgerens navn").fill("Anna Andersen")
    page.get_by_label("CPR-nummer", exact=True).fill("010190-1234")
    page.get_by_label("Folkeregisteradresse").fill("Strandvejen 3, 6700 Esbjerg")
    page.get_by_label("Startdato").fill(f"{YEAR}-01-01")
    page.get_by_label("Startdato").dispatch_event("change")
    expect(page.get_by_role("heading", name=f"Ledighed og takst 1. januar {YEAR}")).to_be_visible()  # htmx
    expect(page.locator("#vacancy")).to_contain_text("2.314,50 kr.")
    page.get_by_label("Kontaktperson", exact=True).fill("Sara Sagsbehandler")
    page.get_by_label("Telefon").fill("76161616")
    page.get_by_label("E-mail").fill("sara@esbjerg.dk")
    page.get_by_label("Reservér pladsen nu").uncheck()  # a request the operator confirms


def test_buying_a_place_from_request_to_notice(page: Page, browser: Browser, browser_context_args, live_server,
                                               world, screenshot_dir):
    # Esbjerg's caseworker buys a place in Odense's offer; a wrong CPR number is shown beside the field first.
    log_in(page, live_server, "caseworker")
    _buy(page)
    page.get_by_label("CPR-nummer", exact=True).fill("320290-1234")
    page.get_by_role("button", name="Køb plads").click()
    expect(page.get_by_role("alert")).to_contain_text("Pladsen er ikke købt")
    expect(page.locator(".field--error")).to_contain_text("fødselsdatoen findes ikke")
    page.screenshot(path=screenshot_dir / "placering-koeb-fejl.png", full_page=True)
    page.get_by_label("CPR-nummer", exact=True).fill("010190-1234")
    page.get_by_role("button", name="Køb plads").click()

    placement = Placement.objects.get()
    expect(page).to_have_url(f"{live_server.url}/placeringer/{placement.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Placering {placement.reference}")
    expect(page.get_by_text(f"Placering {placement.reference} er oprettet, og anmodningen er sendt")).to_be_visible()
    expect(page.locator("h1 [data-status]")).to_have_text("Anmodet")
    expect(page.locator("#masked-cpr")).to_have_text("010190-****")
    expect(page.get_by_text("0101901234")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "placering-koebt.png", full_page=True)

    # The contract PDF behind the link.
    href = page.get_by_role("link", name="Standardkontrakt (PDF)").get_attribute("href")
    contract = page.request.get(f"{live_server.url}{href}")
    assert contract.status == 200 and contract.headers["content-type"] == "application/pdf"
    assert contract.body().startswith(b"%PDF-")
    assert AuditEvent.objects.filter(event_type="placement.cpr_read", reason="Standardkontrakt").count() == 1

    # Odense's operator confirms the reservation and registers the move-in.
    operator = _person(browser, live_server, "operator", browser_context_args)
    operator.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Placeringer").click()
    rows = operator.locator("#placement-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("010190-****")
    operator.get_by_label("Status").select_option(label="Anmodet")  # live filter (htmx)
    expect(operator).to_have_url(re.compile(r"status=requested"))
    expect(rows).to_have_count(1)
    operator.get_by_role("link", name=placement.reference).click()
    operator.get_by_role("button", name="Bekræft reservation").click()
    expect(operator.get_by_text("Reservationen er bekræftet.")).to_be_visible()
    expect(operator.locator("h1 [data-status]")).to_have_text("Reserveret")
    operator.get_by_role("button", name="Registrér indflytning").click()
    expect(operator.locator("h1 [data-status]")).to_have_text("Aktiv")
    operator.screenshot(path=screenshot_dir / "placering-driftsherre.png", full_page=True)
    operator.context.close()

    # Back with the caseworker: read the full CPR number (logged, shown once), then give notice.
    page.reload()
    expect(page.locator("h1 [data-status]")).to_have_text("Aktiv")
    page.get_by_label("Hvorfor skal du se det fulde CPR-nummer?").fill("Opringning fra botilbuddet")
    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name="Vis fuldt CPR-nummer").click()
    expect(page.locator("#full-cpr")).to_have_text("010190-1234")
    assert page.evaluate("window.sameDocument") is True  # htmx swapped the box only
    assert AuditEvent.objects.get(event_type="placement.cpr_read", reason="Opringning fra botilbuddet")
    page.reload()
    expect(page.locator("#masked-cpr")).to_have_text("010190-****")
    expect(page.locator("#full-cpr")).to_have_count(0)

    today = TODAY
    ends = notice_end(given_on=today, months=3, running_month=True)
    expect(page.locator("#notice-preview")).to_contain_text("løbende måned + 3 måneder")
    page.get_by_label("Opsagt den").fill(today.isoformat())
    page.get_by_role("button", name="Opsig pladsen").click()
    # Asked once: the notice's end, the last day paid, the rule and who is affected; nothing given yet.
    months = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
              "november", "december"]
    last = ends - timedelta(days=1)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bekræft opsigelsen: placering {placement.reference}")
    expect(page.locator("#confirm-notice-end")).to_contain_text(f"{last.day}. {months[last.month - 1]} {last.year}")
    expect(page.locator("#confirm-last-charged")).to_contain_text(f"{last.day}. {months[last.month - 1]} {last.year}")
    expect(page.locator("#confirm-rule")).to_contain_text("løbende måned + 3 måneder")
    expect(page.locator("#confirm-parties")).to_contain_text("Handlekommune")
    assert axe_violations(page) == []
    page.screenshot(path=screenshot_dir / "placering-bekraeft-opsigelse.png", full_page=True)
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ACTIVE
    page.get_by_role("button", name="Ja, opsig pladsen").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Pladsen er opsagt den {today.day}. {months[today.month - 1]} {today.year}")
    expect(page.locator("h1 [data-status]")).to_have_text("Opsagt")
    expect(page.locator("#notice-end")).to_contain_text(f"{ends.day}. {months[ends.month - 1]} {ends.year}")
    expect(page.locator("#charged-until")).to_contain_text(f"{ends.day}. {months[ends.month - 1]} {ends.year}")
    page.screenshot(path=screenshot_dir / "placering-opsagt.png", full_page=True)
    placement.refresh_from_db()
    assert (placement.status, placement.notice_end) == (PlacementStatus.NOTICE_GIVEN, ends)

    # Copenhagen's caseworker sees neither the placement in the list nor its page.
    other = _person(browser, live_server, "kbh", browser_context_args)
    other.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Placeringer").click()
    expect(other.get_by_text("Ingen placeringer passer til filtrene.")).to_be_visible()
    response = other.goto(f"{live_server.url}/placeringer/{placement.pk}/")
    assert response.status == 404
    expect(other.get_by_role("heading", level=1)).to_have_text("Siden findes ikke")
    assert other.request.get(f"{live_server.url}/placeringer/{placement.pk}/kontrakt.pdf").status == 404
    other.context.close()
