"""The category page in a real browser: the secretariat goes from the offer's tariff page to the category for 2018,
reads 2017's sales counted from the placements and the rulebook's «kræver vurdering», decides with a reason (a
missing reason refused beside the field) and sees the category locked for the year."""
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from rammeaftale.accounts.models import Role
from rammeaftale.placements.services import PlacementRequest, placement_request
from rammeaftale.registry import services
from rammeaftale.registry.models import OfferCategory
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from tests.browser.axe import axe_violations
from tests.browser.test_pages import log_in

pytestmark = [pytest.mark.browser]

YEAR, SALES = 2018, 2017  # Syddanmark 2017's thresholds; the year before's sales


@pytest.fixture
def world(transactional_db, agreements, esbjerg, odense, copenhagen, secretariat_syd, make_offer, make_user, system):
    """Esbjerg's Engen (4 places, 2,500 kr. a day in 2018): in 2017 its own citizen and Odense all year,
    Copenhagen for July–September."""
    offer = make_offer(esbjerg, name="Bostedet Engen", places=None)
    services.offer_capacity_set(actor=system, offer=offer, valid_from=date(SALES, 1, 1), places=4)
    basis = services.service_create(actor=system, offer=offer, name="Døgnophold")
    for year, amount_ore in ((SALES, 240_000), (YEAR, 250_000)):
        Tariff.objects.create(service=basis, year=year, amount_ore=amount_ore, origin=TariffOrigin.PUBLISHED)
    for payer, cpr, start, end in ((esbjerg, "0101801234", date(SALES, 1, 1), None),
                                   (odense, "0101811234", date(SALES, 1, 1), None),
                                   (copenhagen, "0101821234", date(SALES, 7, 1), date(SALES, 10, 1))):
        outside = payer.region_id != offer.municipality.region_id  # seed 000: an individual payment agreement then
        placement_request(actor=system, request=PlacementRequest(
            offer=offer, paying_municipality=payer, acting_municipality=payer, citizen_name="Borger", cpr=cpr,
            start_date=start, planned_end=end, custody="", contact_name="Sagsbehandler",
            payment_agreement="Betalingsaftale efter takstprincipperne" if outside else "",
            payment_agreement_follows_tariff_principles=True if outside else None), reserve=True)
    make_user(secretariat_syd, Role.SECRETARIAT, username="sekretariat", first_name="Signe", last_name="Sekretær")
    return {"offer": offer}


def test_the_secretariat_reads_last_years_sales_and_decides(page: Page, live_server, world, screenshot_dir,
                                                            odense, copenhagen):
    log_in(page, live_server, "sekretariat")
    offer = world["offer"]
    page.goto(f"{live_server.url}/takster/tilbud/{offer.pk}/kategori/{YEAR}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Kategori {YEAR}: Bostedet Engen")
    expect(page.get_by_role("heading", name=f"Salg i {SALES}")).to_be_visible()
    sales = page.locator("#category-sales")
    expect(sales).to_contain_text("1.460 pladsdøgn ÷ 365 dage")
    expect(sales).to_contain_text("457 pladsdøgn ÷ 365 dage = 31,30 % af pladserne")
    expect(page.locator("#category-buyers")).to_contain_text(f"{copenhagen.name}: 92 pladsdøgn")
    expect(page.locator("#category-buyers")).to_contain_text(f"{odense.name}: 365 pladsdøgn")
    suggestion = page.locator("#category-suggestion")
    expect(suggestion).to_contain_text("intet forslag – kræver vurdering")
    expect(suggestion).to_contain_text("Et klyngetilbud har en takst under 2.000,00 kr. (seed-002, fodnote 3)")
    expect(page.get_by_label("Antal andre købende kommuner")).to_have_count(0)  # nothing typed by hand
    page.screenshot(path=screenshot_dir / "kategori.png", full_page=True)

    page.get_by_label("Kategori").select_option(label="Klyngetilbud")
    page.get_by_role("button", name=f"Fastlæg kategori for {YEAR}").click()
    expect(page.locator("#category-errors")).to_contain_text("Skriv begrundelsen for kategorien.")
    assert not OfferCategory.objects.filter(offer=offer).exists()
    page.get_by_label("Begrundelse").fill("Sælger fast til Odense; ikke højt specialiseret.")
    page.get_by_role("button", name=f"Fastlæg kategori for {YEAR}").click()
    expect(page.locator("#confirm-category")).to_have_text("Klyngetilbud")  # asked once, nothing locked yet
    expect(page.locator("main")).to_contain_text(f"Kategorien låses for hele {YEAR}")
    assert axe_violations(page) == []
    assert not OfferCategory.objects.filter(offer=offer).exists()
    page.get_by_role("button", name="Ja, fastlæg og lås kategorien").click()
    expect(page.get_by_text(f"Kategorien for {YEAR} er fastlagt som Klyngetilbud og låst for året.")).to_be_visible()
    expect(page.locator("#category-lock")).to_contain_text(f"Låst for {YEAR}: Klyngetilbud")
    expect(page.get_by_role("button", name=f"Fastlæg kategori for {YEAR}")).to_have_count(0)
    assert OfferCategory.objects.get(offer=offer, year=YEAR).category == "klynge"
