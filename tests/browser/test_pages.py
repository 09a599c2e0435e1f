"""Each role in a real browser: logs in through the form and sees exactly the pages, links and data it may."""
import re
from dataclasses import dataclass

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import Page, expect

from rammeaftale.accounts.models import Role
from rammeaftale.registry import services
from rammeaftale.registry.models import Agreement
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from tests.conftest import PASSWORD, TODAY

pytestmark = [pytest.mark.browser]

THIS_YEAR = TODAY.year
NOTE = "Ny afdeling åbner i efteråret"
IMPORT_HEADER = (
    "tilbudsportalen_id;tilbudsnavn;driftsherre_kode;beliggenhedskommune;tilbudstype;paragraffer;pladser;"
    "pladser_fra\n"
)


@dataclass(frozen=True)
class Person:
    username: str
    full_name: str
    organisation: str
    role_label: str


@pytest.fixture
def world(transactional_db, agreements, region_syd, odense, esbjerg, copenhagen, secretariat_syd, make_offer,
          make_user, system) -> dict:
    """Syddanmark with a demo agreement this year, three offers (Solsikken has an internal note), a user
    per role."""
    rulebook = Agreement.objects.get(rulebook__key="syddanmark-2019-2020").rulebook
    demo = services.agreement_create(
        actor=system, region=region_syd, name=f"Demoaftale {THIS_YEAR}, Syddanmark", year_from=THIS_YEAR,
        year_to=THIS_YEAR, rulebook=rulebook, is_demo=True,
        note="Reglerne fra 2019–2020 bruges som eksempel.",
    )
    solsikken = make_offer(odense, name="Botilbuddet Solsikken", internal_note=NOTE,
                           tilbudsportalen_id="100101")
    kastanjen = make_offer(esbjerg, name="Dagtilbuddet Kastanjen", offer_type="day", paragraphs=("sel-104",),
                           target_groups=("autisme",), places=25)
    make_offer(copenhagen, name="Bostedet Nordlys", paragraphs=("sel-107",), target_groups=("sindslidelse",))
    services.offer_category_set(actor=system, offer=kastanjen, year=THIS_YEAR, category="klynge")
    basis = services.service_create(actor=system, offer=solsikken, name="Døgnophold", unit="day")
    Tariff.objects.create(service=basis, year=THIS_YEAR, amount_ore=231_450, origin=TariffOrigin.PUBLISHED)
    people = {}
    for key, organisation, role, first, last in [
        ("caseworker", esbjerg, Role.CASEWORKER, "Sara", "Sagsbehandler"),
        ("economist", esbjerg, Role.ECONOMIST, "Øjvind", "Økonom"),
        ("operator", odense, Role.OPERATOR, "Dorte", "Driftsherre"),
        ("secretariat", secretariat_syd, Role.SECRETARIAT, "Svend", "Sekretariat"),
        ("administrator", esbjerg, Role.ADMINISTRATOR, "Anna", "Administrator"),
    ]:
        make_user(organisation, role, username=key, first_name=first, last_name=last)
        people[key] = Person(key, f"{first} {last}", str(organisation), Role(role).label)
    return {"people": people, "demo": demo}


def _tariff_menu() -> list[str]:
    """The tariff pages join the menu once their URLs are routed; occupancy (report and analysis) follows."""
    try:
        reverse("tariffs:tariff_list")
    except NoReverseMatch:
        return ["Belægning"]
    return ["Takster", "Belægning"]


def log_in(page: Page, live_server, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()


def check_header(page: Page, person: Person, menu: list[str]) -> None:
    nav = page.get_by_role("navigation", name="Hovedmenu")
    expect(nav.get_by_role("link")).to_have_text(menu)
    who = page.locator(".who")
    expect(who).to_contain_text(person.full_name)
    expect(who).to_contain_text(person.organisation)
    expect(who).to_contain_text(person.role_label)
    expect(page.get_by_role("button", name="Log ud")).to_be_visible()


def check_offer_list(page: Page, live_server) -> None:
    """The filters narrow the table, and typing in «Søg» replaces the table without reloading the page."""
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Tilbud", exact=True).click()
    rows = page.locator("#offer-table tbody tr")
    expect(rows).to_have_count(3)
    expect(page.get_by_text("3 tilbud", exact=True)).to_be_visible()
    page.evaluate("window.sameDocument = true")  # gone if the page reloads

    page.get_by_label("Søg", exact=True).press_sequentially("kastanjen", delay=20)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Dagtilbuddet Kastanjen")
    expect(rows.first).to_contain_text("Klyngetilbud")
    expect(page).to_have_url(re.compile(r"[?&]q=kastanjen"))  # shareable: the filters are in the address

    page.get_by_label("Søg", exact=True).fill("")
    page.get_by_label("Søg", exact=True).press("Backspace")  # keyup fires the search with the empty field
    expect(rows).to_have_count(3)
    page.get_by_label("Region", exact=True).select_option(label="Region Syddanmark")
    expect(rows).to_have_count(2)
    expect(page.locator("#offer-table")).not_to_contain_text("Bostedet Nordlys")
    page.get_by_label("Tilbudstype", exact=True).select_option(label="Dagtilbud")
    expect(rows).to_have_count(1)
    page.get_by_label("Tilbudstype", exact=True).select_option(label="Alle typer")
    page.get_by_label("Paragraf", exact=True).select_option("sel-108")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Botilbuddet Solsikken")
    assert page.evaluate("window.sameDocument") is True


def check_internal_note(page: Page, *, visible: bool) -> None:
    # The filters' last htmx answer may still be on its way: a click on a row it then replaces navigates nowhere.
    # (The form's hx-sync="this:replace" drops an older answer that arrives after a newer one.)
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Botilbuddet Solsikken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Botilbuddet Solsikken")
    expect(page.get_by_text("2.314,50 kr.")).to_be_visible()
    expect(page.get_by_text("1. januar 2020")).to_be_visible()  # Danish, though the browser asks for en-US
    note = page.get_by_role("heading", name="Intern note")
    if visible:
        expect(note).to_be_visible()
        expect(page.get_by_text(NOTE)).to_be_visible()
    else:
        expect(note).to_have_count(0)
        expect(page.get_by_text(NOTE)).to_have_count(0)


def check_audit(page: Page, live_server, *, allowed: bool) -> None:
    response = page.goto(f"{live_server.url}/revisionsspor/")
    if allowed:
        assert response.status == 200
        expect(page.get_by_role("heading", level=1)).to_have_text("Revisionsspor")
    else:
        assert response.status == 403
        expect(page.get_by_role("heading", level=1)).to_have_text("Ingen adgang")
        expect(page.get_by_text("Kun administratorer kan se revisionssporet.")).to_be_visible()


def check_agreement(page: Page, world: dict) -> None:
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Rammeaftaler").click()
    page.get_by_role("link", name=world["demo"].name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(world["demo"].name)
    expect(page.get_by_text("Demoaftale.")).to_be_visible()
    sourced = page.locator('tr[data-path="occupancy.deviation_threshold_pct"]')
    expect(sourced).to_contain_text("5 %")
    expect(sourced).to_contain_text("Rammeaftale 2019–2020, Syddanmark")
    expect(sourced).to_contain_text("afviger 5 % eller mere fra den budgetterede belægningsprocent")
    assumed = page.locator('tr[data-path="occupancy.deviation_mode"]')
    expect(assumed).to_contain_text("Antaget standard – ikke fastsat i rammeaftalen")
    expect(assumed).to_have_class(re.compile("rule--assumed"))
    expect(page.locator('tr[data-path="true_up.limit_pct"] a[href^="https://"]')).to_have_count(1)


def test_caseworker(page: Page, live_server, world, screenshot_dir):
    person = world["people"]["caseworker"]
    log_in(page, live_server, person.username)
    expect(page).to_have_url(f"{live_server.url}/tilbud/")
    check_header(page, person, ["Tilbud", "Ledige pladser", "Rammeaftaler", *_tariff_menu(), "Placeringer", "Indbakke",
                                "Enkeltmandstilbud"])
    check_offer_list(page, live_server)
    page.get_by_role("link", name="Nulstil").click()
    expect(page.locator("#offer-table tbody tr")).to_have_count(3)
    page.screenshot(path=screenshot_dir / "tilbudsliste.png", full_page=True)
    check_internal_note(page, visible=False)
    check_audit(page, live_server, allowed=False)
    assert page.goto(f"{live_server.url}/tilbud/import/").status == 403
    check_agreement(page, world)
    page.screenshot(path=screenshot_dir / "rammeaftale.png", full_page=True)


def test_economist(page: Page, live_server, world):
    person = world["people"]["economist"]
    log_in(page, live_server, person.username)
    check_header(page, person, ["Tilbud", "Ledige pladser", "Rammeaftaler", *_tariff_menu(), "Placeringer", "Indbakke",
                                "Afregning", "Økonomi", "Årshjul"])
    check_offer_list(page, live_server)
    check_internal_note(page, visible=False)
    check_audit(page, live_server, allowed=False)
    assert page.goto(f"{live_server.url}/brugere/").status == 403
    page.goto(f"{live_server.url}/")
    check_agreement(page, world)


def test_operator_staff(page: Page, live_server, world):
    person = world["people"]["operator"]
    log_in(page, live_server, person.username)
    check_header(page, person, ["Tilbud", "Ledige pladser", "Rammeaftaler", *_tariff_menu(), "Placeringer", "Indbakke",
                                "Årshjul", "Importér tilbud"])
    check_offer_list(page, live_server)
    check_internal_note(page, visible=True)  # Solsikken is run by the operator's own municipality
    check_audit(page, live_server, allowed=False)
    page.goto(f"{live_server.url}/")
    check_agreement(page, world)
    # The operator imports its own offer from a CSV file.
    page.get_by_role("link", name="Importér tilbud").click()
    page.get_by_label(re.compile("^Fil")).set_input_files(files=[{
        "name": "tilbud.csv", "mimeType": "text/csv",
        "buffer": (IMPORT_HEADER + "900001;Bostedet Engen;461;461;døgn;SEL § 108;12;2025-01-01\n").encode(),
    }])
    page.get_by_role("button", name="Importér").click()
    expect(page.get_by_role("heading", name="Filen er indlæst")).to_be_visible()
    expect(page.locator("#import-result")).to_contain_text("1 tilbud oprettet")


def test_secretariat(page: Page, live_server, world):
    person = world["people"]["secretariat"]
    log_in(page, live_server, person.username)
    check_header(page, person, ["Tilbud", "Ledige pladser", "Rammeaftaler", *_tariff_menu(), "Indbakke",
                                "Økonomi", "Årshjul", "Enkeltmandstilbud", "Importér tilbud"])
    check_offer_list(page, live_server)
    check_internal_note(page, visible=True)  # the secretariat of the offer's region
    check_audit(page, live_server, allowed=False)
    page.goto(f"{live_server.url}/")
    check_agreement(page, world)
    # A file with a bad row: every error is listed and nothing is saved.
    page.get_by_role("link", name="Importér tilbud").click()
    page.get_by_label(re.compile("^Fil")).set_input_files(files=[{
        "name": "tilbud.csv", "mimeType": "text/csv",
        "buffer": (IMPORT_HEADER + "900001;Bostedet Engen;461;461;døgn;SEL § 108;tolv;2025-01-01\n").encode(),
    }])
    page.get_by_role("button", name="Importér").click()
    expect(page.get_by_text("Intet er gemt.")).to_be_visible()
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first.locator("td").nth(0)).to_have_text("2")
    expect(errors.first.locator("td").nth(1)).to_have_text("pladser")


def test_administrator(page: Page, live_server, world):
    person = world["people"]["administrator"]
    log_in(page, live_server, person.username)
    check_header(page, person, ["Tilbud", "Ledige pladser", "Rammeaftaler", *_tariff_menu(), "Placeringer", "Indbakke",
                                "Afregning", "Økonomi", "Årshjul", "Enkeltmandstilbud", "Importér tilbud",
                                "Revisionsspor", "Brugere"])
    check_offer_list(page, live_server)
    check_internal_note(page, visible=False)  # an administrator of Esbjerg, not of Odense
    check_audit(page, live_server, allowed=True)
    table = page.locator("#audit-table")
    expect(table).to_contain_text("Dagtilbuddet Kastanjen")  # Esbjerg's own offer
    expect(table).not_to_contain_text("Botilbuddet Solsikken")  # Odense's
    page.evaluate("window.sameDocument = true")
    page.get_by_label("Hændelse").select_option("offer.category_set")
    expect(page.locator("#audit-table > tbody > tr")).to_have_count(1)
    page.locator("#audit-table details summary").first.click()
    expect(page.locator("#audit-table .diff__table").first).to_contain_text("Klyngetilbud")
    assert page.evaluate("window.sameDocument") is True
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Brugere").click()
    users = page.locator("#user-table")
    expect(users).to_contain_text("caseworker")
    expect(users).to_contain_text("administrator")
    expect(users).not_to_contain_text("operator")  # Odense's user
    check_agreement(page, world)


def test_a_wrong_login_shows_the_danish_error(page: Page, live_server, world):
    log_in(page, live_server, "caseworker", password="forkert-adgangskode")
    expect(page.get_by_role("alert")).to_have_text("Forkert brugernavn eller adgangskode.")
    expect(page).to_have_url(f"{live_server.url}/login/")
    expect(page.get_by_role("navigation", name="Hovedmenu")).to_have_count(0)


def test_five_wrong_passwords_lock_the_login_until_the_administrator_lifts_it(page: Page, live_server, world):
    """Issue 11: the right password after five wrong ones does not log in (Danish lockout page); the
    organisation's administrator lifts the lockout on «Brugere»."""
    for attempt in range(5):
        log_in(page, live_server, "caseworker", password=f"forkert-{attempt}")
    expect(page.get_by_role("heading", name="Login midlertidigt spærret")).to_be_visible()
    log_in(page, live_server, "caseworker")
    expect(page.get_by_role("heading", name="Login midlertidigt spærret")).to_be_visible()
    expect(page.get_by_role("navigation", name="Hovedmenu")).to_have_count(0)
    log_in(page, live_server, "administrator")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Brugere").click()
    row = page.locator("#user-table tbody tr", has_text="caseworker")
    expect(row).to_contain_text("Login spærret til kl.")
    row.get_by_role("button", name="Ophæv spærring").click()
    expect(page.get_by_text("Spærringen af «caseworker» er ophævet")).to_be_visible()
    page.get_by_role("button", name="Log ud").click()
    log_in(page, live_server, "caseworker")
    expect(page).to_have_url(f"{live_server.url}/tilbud/")


def test_logging_out(page: Page, live_server, world):
    log_in(page, live_server, "caseworker")
    expect(page).to_have_url(f"{live_server.url}/tilbud/")
    page.get_by_role("button", name="Log ud").click()
    expect(page).to_have_url(f"{live_server.url}/login/")
    expect(page.get_by_text("Du er logget ud.")).to_be_visible()
    page.goto(f"{live_server.url}/tilbud/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/tilbud/")
