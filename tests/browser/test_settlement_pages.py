"""Settlement in a real browser: Odense's economist previews and issues the month, Esbjerg's economist sees the
invoice and downloads it as OIOUBL and the posting file as XLSX; a moved end date gives a credit note next month."""
from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect
from stdnum import ean

from rammeaftale.accounts.models import Role
from rammeaftale.billing import views as billing_views
from rammeaftale.billing.models import AccountMapping, Invoice, InvoiceKind, PaymentAccount
from rammeaftale.einvoice.validate import oioubl_validate
from rammeaftale.placements import services as placement_services
from rammeaftale.placements.services import PlacementRequest, placement_request
from rammeaftale.registry import services
from rammeaftale.registry.models import LegalParagraph
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from tests.browser.axe import axe_violations
from tests.browser.test_pages import log_in

pytestmark = [pytest.mark.browser]

YEAR = 2026


@pytest.fixture
def world(transactional_db, agreements, odense, esbjerg, make_offer, make_user, actor_of, system):
    for organisation, body, cvr in ((odense, "579800000461", "35209115"), (esbjerg, "579800000561", "29189803")):
        organisation.ean, organisation.cvr = body + ean.calc_check_digit(body), cvr
        organisation.address, organisation.postcode, organisation.city = "Rådhuset", "5000", organisation.name
        organisation.save()
    PaymentAccount.objects.create(organisation=odense, reg_no="1234", account_no="0001234567")
    AccountMapping.objects.create(paragraph=LegalParagraph.objects.get(code="sel-108"), account_code="5.38.50")
    offer = make_offer(odense, name="Botilbuddet Solsikken", paragraphs=("sel-108",), places=3)
    basis = services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
    Tariff.objects.create(service=basis, year=YEAR, amount_ore=231_450, origin=TariffOrigin.PUBLISHED)
    caseworker = actor_of(make_user(esbjerg, Role.CASEWORKER, username="caseworker"))
    make_user(odense, Role.ECONOMIST, username="seller", first_name="Otto", last_name="Økonomi")
    make_user(esbjerg, Role.ECONOMIST, username="buyer", first_name="Øjvind", last_name="Økonomi")
    placement = placement_request(actor=caseworker, request=PlacementRequest(
        offer=offer, paying_municipality=esbjerg, citizen_name="Anna Andersen", cpr="0101901234",
        start_date=date(YEAR, 1, 1)))
    return {"placement": placement, "caseworker": caseworker}


def _issue(page: Page, live_server, month: str) -> None:
    page.goto(f"{live_server.url}/afregning/?month={month}")
    expect(page.get_by_role("heading", level=3).first).to_contain_text("Faktura til Esbjerg Kommune")
    page.get_by_role("button", name="Udsted fakturaer").click()
    page.get_by_role("button", name="Ja, udsted").click()
    expect(page.get_by_role("status")).to_contain_text("Udstedt:")


def test_the_month_is_issued_seen_by_the_buyer_and_corrected_next_month(page: Page, browser: Browser,
                                                                        browser_context_args, live_server, world,
                                                                        screenshot_dir):
    log_in(page, live_server, "seller")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Afregning").click()
    page.goto(f"{live_server.url}/afregning/?month={YEAR}-01")
    expect(page.locator(".invoice-preview").first).to_contain_text("71.749,50 kr.")  # 31 × 2.314,50
    page.screenshot(path=screenshot_dir / "afregning-forhaandsvisning.png", full_page=True)
    page.get_by_role("button", name="Udsted fakturaer").click()
    # Asked once, with what will be issued; nothing is issued until the answer.
    expect(page.get_by_role("heading", level=1)).to_have_text("Udsted fakturaer for januar 2026?")
    expect(page.locator("#confirm-totals")).to_contain_text("71.749,50 kr.")
    expect(page.locator("#confirm-invoices")).to_contain_text("Esbjerg Kommune")
    assert not Invoice.objects.exists()
    assert axe_violations(page) == []
    page.screenshot(path=screenshot_dir / "afregning-bekraeft.png", full_page=True)
    page.get_by_role("button", name="Ja, udsted 1 faktura og 0 kreditnotaer").click()
    expect(page.get_by_role("status")).to_contain_text("Udstedt: 1 fakturaer og 0 kreditnotaer for januar 2026.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Udstedt for januar 2026")
    january = Invoice.objects.get(run__month=1)
    expect(page.locator("#result-documents")).to_contain_text("Esbjerg Kommune")
    assert axe_violations(page) == []
    page.get_by_role("link", name=january.number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Faktura {january.number}")
    _issue(page, live_server, f"{YEAR}-02")

    buyer = browser.new_context(**browser_context_args).new_page()
    log_in(buyer, live_server, "buyer")
    buyer.goto(f"{live_server.url}/afregning/fakturaer/?side=received")
    table = buyer.locator("#invoice-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    january = Invoice.objects.get(run__month=1)
    buyer.get_by_role("link", name=january.number).click()
    expect(buyer.get_by_role("heading", level=1)).to_have_text(f"Faktura {january.number}")
    expect(buyer.locator("main")).to_contain_text("5.38.50")
    with buyer.expect_download() as download:
        buyer.get_by_role("link", name="Hent OIOUBL-e-faktura (XML)").click()
    assert oioubl_validate(open(download.value.path(), "rb").read()) == []
    buyer.goto(f"{live_server.url}/afregning/fakturaer/?side=received")
    with buyer.expect_download() as download:
        buyer.get_by_role("link", name="Excel (XLSX)").click()
    assert open(download.value.path(), "rb").read(2) == b"PK"
    buyer.screenshot(path=screenshot_dir / "afregning-modtagne-fakturaer.png", full_page=True)

    # The place ended on 20 January after all: March credits January and February and invoices 19 days again.
    placement_services.placement_end_date_set(actor=world["caseworker"], placement=world["placement"],
                                              end_date=date(YEAR, 1, 20), reason="Fejlregistrering",
                                              today=date(YEAR, 3, 2), operator_agreement="Aftalt med Odense 2.3.")
    page.goto(f"{live_server.url}/afregning/?month={YEAR}-03")
    expect(page.locator("main")).to_contain_text("Kreditnota til Esbjerg Kommune")
    expect(page.locator("main")).to_contain_text("rettelse")
    page.get_by_role("button", name="Udsted fakturaer").click()
    expect(page.locator("#confirm-credits")).to_contain_text(january.number)
    page.get_by_role("button", name="Ja, udsted 1 faktura og 2 kreditnotaer").click()
    expect(page.get_by_role("status")).to_contain_text("Udstedt: 1 fakturaer og 2 kreditnotaer for marts 2026.")
    buyer.goto(f"{live_server.url}/afregning/fakturaer/?side=received")
    expect(buyer.locator("#invoice-table tbody tr")).to_have_count(5)
    expect(buyer.locator("#invoice-table tfoot")).to_contain_text("43.975,50 kr.")  # 19 × 2.314,50
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).count() == 2


def test_a_large_previews_invoice_shows_its_lines_when_opened(page: Page, live_server, world, monkeypatch):
    """Over the inline limit each invoice is a summary; opening it loads its lines (htmx, once) into it."""
    monkeypatch.setattr(billing_views, "PREVIEW_INLINE_LINES", 0)
    log_in(page, live_server, "seller")
    page.goto(f"{live_server.url}/afregning/?month={YEAR}-01")
    invoice = page.locator(".invoice-preview").first
    expect(invoice.get_by_role("heading", level=3)).to_contain_text("Faktura til Esbjerg Kommune")
    expect(invoice).to_contain_text("71.749,50 kr.")
    reference = world["placement"].reference
    expect(invoice.get_by_role("table")).to_have_count(0)
    invoice.locator("summary").click()
    expect(invoice.get_by_role("table")).to_contain_text(f"Placering {reference}, Døgnophold, 01.01–31.01.{YEAR}")
    expect(page.get_by_role("button", name="Udsted fakturaer")).to_be_visible()
