"""User administration in a real browser (issue 16, part 5, «an administrator creates a caseworker who logs in"):
Esbjerg's administrator creates a caseworker with a one-time password under «Brugere», logs out; the caseworker
logs in with it, is made to choose a password of their own (a weak one refused in Danish) and lands on the app.
Then the administrator deactivates the caseworker after a confirmation that names who is affected."""
import re

import pytest
from playwright.sync_api import Page, expect

from rammeaftale.accounts.models import Role, User
from tests.browser.test_pages import log_in

pytestmark = [pytest.mark.browser]

OWN_PASSWORD = "karins-egen-kode-2026"


@pytest.fixture
def world(transactional_db, reference, esbjerg, odense, make_user):
    make_user(esbjerg, Role.ADMINISTRATOR, username="administrator", first_name="Anna", last_name="Administrator")
    make_user(odense, Role.CASEWORKER, username="ole-odense")


def test_an_administrator_creates_a_caseworker_who_logs_in(page: Page, live_server, world, screenshot_dir):
    log_in(page, live_server, "administrator")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Brugere").click()
    expect(page.locator("#user-table")).not_to_contain_text("ole-odense")
    page.get_by_role("link", name="Opret bruger").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Opret bruger")
    expect(page.get_by_label("Sekretariat")).to_have_count(0)  # not a role of a municipality's users
    page.get_by_label("Brugernavn").fill("karin")
    page.get_by_label("Fornavn").fill("Karin")
    page.get_by_label("Efternavn").fill("Sagsbehandler")
    page.get_by_label("E-mail").fill("karin@esbjerg.dk")
    page.get_by_label("Sagsbehandler").check()
    expect(page.get_by_label("Dan en engangskode, som vises én gang")).to_be_checked()
    page.screenshot(path=screenshot_dir / "bruger-opret.png", full_page=True)
    page.get_by_role("button", name="Opret brugeren").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Brugeren er oprettet")
    password = page.locator("#one-time-password").inner_text()
    assert re.fullmatch(r"[A-Za-z2-9]{4}-[A-Za-z2-9]{4}-[A-Za-z2-9]{4}", password)
    page.screenshot(path=screenshot_dir / "bruger-engangskode.png", full_page=True)
    page.get_by_role("link", name="Til brugerlisten").click()
    row = page.locator("#user-table tbody tr", has_text="karin")
    expect(row).to_contain_text("Sagsbehandler")
    expect(row).to_contain_text("Skal skifte adgangskode")
    page.get_by_role("button", name="Log ud").click()

    log_in(page, live_server, "karin", password=password)
    expect(page).to_have_url(f"{live_server.url}/adgangskode/")
    expect(page.get_by_text("Din adgangskode er givet af en administrator")).to_be_visible()
    page.goto(f"{live_server.url}/tilbud/")  # nothing else before the password is changed
    expect(page).to_have_url(f"{live_server.url}/adgangskode/")
    page.get_by_label("Nuværende adgangskode").fill(password)
    page.get_by_label("Ny adgangskode:", exact=True).fill("kort")
    page.get_by_label("Ny adgangskode igen").fill("kort")
    page.get_by_role("button", name="Skift adgangskoden").click()
    expect(page.get_by_role("alert")).to_contain_text("Intet er gemt.")
    expect(page.get_by_role("alert")).to_contain_text("for kort")
    page.get_by_label("Nuværende adgangskode").fill(password)
    page.get_by_label("Ny adgangskode:", exact=True).fill(OWN_PASSWORD)
    page.get_by_label("Ny adgangskode igen").fill(OWN_PASSWORD)
    page.get_by_role("button", name="Skift adgangskoden").click()
    expect(page).to_have_url(f"{live_server.url}/tilbud/")
    expect(page.get_by_text("Din adgangskode er skiftet.")).to_be_visible()
    who = page.locator(".who")
    expect(who).to_contain_text("Karin Sagsbehandler")
    expect(who).to_contain_text("Esbjerg Kommune")
    expect(who).to_contain_text("Sagsbehandler")
    expect(page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Placeringer")).to_be_visible()
    page.get_by_role("button", name="Log ud").click()
    log_in(page, live_server, "karin", password=OWN_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tilbud/")
    page.get_by_role("button", name="Log ud").click()

    # The administrator deactivates her after a confirmation naming who is affected.
    log_in(page, live_server, "administrator")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Brugere").click()
    page.get_by_role("link", name="karin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Karin Sagsbehandler")
    page.get_by_role("link", name="Deaktivér brugeren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deaktivér Karin Sagsbehandler?")
    expect(page.locator(".facts")).to_contain_text("karin")
    page.screenshot(path=screenshot_dir / "bruger-deaktiver.png", full_page=True)
    page.get_by_role("button", name="Deaktivér brugeren").click()
    expect(page.get_by_text("«karin» er deaktiveret")).to_be_visible()
    page.get_by_role("button", name="Log ud").click()
    log_in(page, live_server, "karin", password=OWN_PASSWORD)
    expect(page.get_by_role("alert")).to_have_text("Forkert brugernavn eller adgangskode.")
    karin = User.objects.get(username="karin")
    assert not karin.is_active and not karin.password_change_required and karin.role_codes == {"caseworker"}
