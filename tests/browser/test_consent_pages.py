"""The paying municipality's consent in a real browser: Esbjerg's caseworker buys a place with Odense as payer, which
sends Odense a request; Odense's caseworker finds it in the inbox without the citizen and accepts; then the place is
reserved and Odense sees the placement."""
import pytest
from playwright.sync_api import Browser, Page, expect

from rammeaftale.accounts.models import Role
from rammeaftale.placements.models import PayerConsent, Placement, PlacementStatus
from tests.browser.test_pages import log_in
from tests.browser.test_placement_pages import _buy, _person, world  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser]

JUSTIFICATION = "Opholdskommune efter retssikkerhedslovens § 9, stk. 7"


def test_a_purchase_another_municipality_pays_for_waits_for_its_accept(
        page: Page, browser: Browser, browser_context_args, live_server, world, odense,  # noqa: F811
        make_user, screenshot_dir):
    make_user(odense, Role.CASEWORKER, username="odense-sagsbehandler", first_name="Ole", last_name="Odense")
    log_in(page, live_server, "caseworker")
    _buy(page)
    page.get_by_label("Reservér pladsen nu").check()
    page.get_by_label("Betalingskommune").select_option(label="Odense Kommune")
    page.get_by_role("button", name="Køb plads").click()
    expect(page.locator(".field--error")).to_contain_text("Skriv begrundelsen til betalingskommunen")
    assert not Placement.objects.exists()
    page.get_by_label("Begrundelse til den kommune, der skal betale").fill(JUSTIFICATION)
    page.get_by_role("button", name="Køb plads").click()
    placement = Placement.objects.get()
    expect(page.get_by_text("anmodningen er sendt til betalingskommunen (Odense Kommune)")).to_be_visible()
    expect(page.locator("#payer-consent")).to_contain_text("Venter på betalingskommunens accept")
    page.screenshot(path=screenshot_dir / "betaling-anmodet.png", full_page=True)

    payer = _person(browser, live_server, "odense-sagsbehandler", browser_context_args)
    payer.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Placeringer").click()
    payer.get_by_role("link", name="1 anmodning om betaling venter på din kommunes accept").click()
    rows = payer.locator("#consent-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Esbjerg Kommune")
    payer.get_by_role("link", name=placement.reference).click()
    expect(payer.locator("#justification")).to_have_text(JUSTIFICATION)
    for personal in ("Anna Andersen", "010190", "Strandvejen", "Sara Sagsbehandler"):
        expect(payer.get_by_text(personal)).to_have_count(0)
    payer.screenshot(path=screenshot_dir / "betaling-indbakke.png", full_page=True)
    payer.get_by_role("button", name="Acceptér købet").click()
    expect(payer.get_by_text("Købet er accepteret, og pladsen er reserveret.")).to_be_visible()
    expect(payer.locator("h1 [data-status]")).to_have_text("Reserveret")
    expect(payer.get_by_text("Anna Andersen").first).to_be_visible()
    payer.context.close()
    placement.refresh_from_db()
    assert (placement.status, placement.payer_consent) == (PlacementStatus.RESERVED, PayerConsent.ACCEPTED)
