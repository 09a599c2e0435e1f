"""The tariff pages in a real browser on the demo regions: in Hovedstaden (a cap per tariff that needs explaining)
the operator's economist finds the flags, opens a breakdown and records an explanation; in Syddanmark (a cap on the
total expenses) the economist recalculates a budget and the secretariat reads the list, next year's provisional
tariffs and keeps the P/L table; the exports download as XLSX and PDF (the
PDF made by the worker, fetched from its job page)."""
import re

import pytest
from playwright.sync_api import Page, expect

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import User
from rammeaftale.demo.build import demo_build
from rammeaftale.demo.catalogue import DEMO_PASSWORD
from rammeaftale.tariffs.models import PriceIndex, Tariff, TariffExplanation
from tests.browser.export_jobs import order_and_download
from tests.browser.test_pages import log_in
from tests.conftest import TODAY

pytestmark = [pytest.mark.browser]

THIS_YEAR = TODAY.year
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPLANATION = "Ny nattevagt efter tilsynets påbud fra 1. januar."


@pytest.fixture
def demo(transactional_db):
    """`rammeaftale demo --region syddanmark --seed 1` for the three years up to this one (as `make run` builds
    it): this year's and last year's tariffs calculated, with flags, explanations and approvals."""
    return demo_build(actor=Actor.system(username="demo"), region_codes=["1083"], seed=1,
                      year_from=THIS_YEAR - 2, year_to=THIS_YEAR)


@pytest.fixture
def demo_hovedstaden(transactional_db):
    """The same demo in Hovedstaden, whose rulebook caps each tariff and asks for an explanation above the cap."""
    return demo_build(actor=Actor.system(username="demo"), region_codes=["1084"], seed=1,
                      year_from=THIS_YEAR - 2, year_to=THIS_YEAR)


def open_tariffs(page: Page, region: str = "Syddanmark") -> None:
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Takster").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Takstoversigt {THIS_YEAR}")
    expect(page.locator(".lead")).to_contain_text(region)  # the user's own region by default


def listed(page: Page) -> int:
    """The number of tariffs the list says it has (all pages): «2.005 takster, heraf …»."""
    text = page.locator("#tariff-rows .count").inner_text()
    return int(re.match(r"([\d.]+) takster", text).group(1).replace(".", ""))


def check_download(page: Page, live_server, link_name: str, content_type: str, suffix: str, magic: bytes,
                   region: str = "syddanmark") -> None:
    link = page.get_by_role("link", name=link_name)
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == content_type
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"takstoversigt-{region}-{THIS_YEAR}.{suffix}"
    with open(download.path(), "rb") as file:
        assert file.read(len(magic)) == magic


def test_the_operators_economist_explains_a_rise_above_pl(page: Page, live_server, demo_hovedstaden,
                                                          screenshot_dir):
    own_name = str(User.objects.get(username="oekonomi").organisation)  # the demo's buying municipality
    log_in(page, live_server, "oekonomi", DEMO_PASSWORD)
    open_tariffs(page, "Hovedstaden")
    rows = page.locator("#tariff-table tbody tr")
    expect(page.locator("#tariff-table")).to_contain_text("over P/L: forklaring mangler")
    all_count = listed(page)
    assert rows.count() == min(all_count, 50)  # 50 a page
    page.evaluate("window.sameDocument = true")  # gone if the page reloads

    page.get_by_label("Markering").select_option(label="Over P/L uden forklaring")
    expect(page).to_have_url(re.compile(r"[?&]flag=unexplained"))
    expect(rows.first).to_contain_text("forklaring mangler")
    unexplained = listed(page)
    assert 0 < unexplained < all_count and rows.count() == min(unexplained, 50)
    page.screenshot(path=screenshot_dir / "takster-markeret.png", full_page=True)
    # Another operator's flagged tariff shows no form to this municipality's economist.
    other = rows.filter(has_not_text=own_name).first
    expect(other).to_contain_text("forklaring mangler")
    expect(other.get_by_text("Skriv forklaring")).to_have_count(0)

    # The municipality's economist explains one of its own tariffs, in place (its own on the first page).
    page.get_by_label("Driftsherre").select_option(label=own_name)
    expect(page).to_have_url(re.compile(r"[?&]operator=\d+"))
    expect(rows.first).to_contain_text(own_name)
    own = rows.filter(has_text=own_name).filter(has=page.get_by_text("Skriv forklaring")).first
    row_id = own.get_attribute("id")
    own.get_by_text("Skriv forklaring").click()
    own.get_by_role("textbox").fill("Dyrt")
    own.get_by_role("button", name="Gem forklaring").click()
    row = page.locator(f"#{row_id}")
    expect(row.locator(".field-error")).to_have_text(
        "Forklaringen skal sige, hvorfor taksten stiger mere end loftet eller den grænse, regelbogen sætter "
        "(mindst 10 tegn).")
    row.get_by_role("textbox").fill(EXPLANATION)
    row.get_by_role("button", name="Gem forklaring").click()
    expect(row).to_contain_text("over P/L, forklaret")
    expect(row).to_contain_text(EXPLANATION)
    assert page.evaluate("window.sameDocument") is True
    assert TariffExplanation.objects.filter(text=EXPLANATION, tariff_id=int(row.get_attribute("data-tariff"))).exists()

    # The breakdown of the explained tariff, and back to the list.
    service = row.locator("td").nth(2).inner_text()
    row.get_by_role("link", name=service).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{service} {THIS_YEAR}")
    breakdown = page.locator("#breakdown")
    for element in ("Lønninger", "Ejendomsudgifter", "Indirekte omkostninger (overhead)", "Takstgrundlag"):
        expect(breakdown).to_contain_text(element)
    expect(page.locator("#explanation-text")).to_contain_text(EXPLANATION)
    expect(page.get_by_role("heading", name="Kontrol af overhead")).to_be_visible()
    expect(page.locator("#operator-overhead")).to_contain_text(f"{own_name} i alt")
    page.screenshot(path=screenshot_dir / "takst-specifikation.png", full_page=True)
    page.get_by_role("link", name="Tilbage til takstoversigten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Takstoversigt {THIS_YEAR}")

    check_download(page, live_server, "Excel (XLSX)", XLSX, "xlsx", b"PK", region="hovedstaden")
    order_and_download(page, page.locator(".exports").get_by_role("button", name="PDF").first,
                       filename_start=f"takstoversigt-hovedstaden-{THIS_YEAR}.pdf", magic=b"%PDF-")


def test_the_economist_recalculates_a_budget_and_lands_on_the_breakdown(page: Page, live_server, demo):
    log_in(page, live_server, "oekonomi", DEMO_PASSWORD)
    open_tariffs(page)
    page.get_by_label("Driftsherre").select_option(label="Esbjerg Kommune")
    rows = page.locator("#tariff-table tbody tr")
    expect(rows.first).to_contain_text("Esbjerg Kommune")
    rows.first.locator("td").first.get_by_role("link").click()  # the offer's page
    page.get_by_role("link", name="Takster, beregningsgrundlag, budget og kategori pr. år").click()
    page.get_by_role("link", name=f"Se og ret budget {THIS_YEAR}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Budget {THIS_YEAR}")
    salaries = page.get_by_label("Lønninger (kr.)").first
    salaries.fill("-1")
    page.get_by_role("button", name="Gem budget").click()
    expect(page.locator("#budget-problem")).to_contain_text("Budgettet er ikke gemt")
    expect(page.locator(".field-error").first).to_contain_text("Lønninger må ikke være negativ")
    salaries.fill("12.000.000")
    page.get_by_role("button", name="Gem budget").click()
    expect(page.get_by_text(f"Budgettet for {THIS_YEAR} er gemt.")).to_be_visible()
    page.get_by_role("button", name=f"Beregn takster for {THIS_YEAR}").click()
    expect(page.get_by_text(f"Taksterne for {THIS_YEAR} er beregnet.")).to_be_visible()
    expect(page.locator("#breakdown")).to_contain_text("12.000.000,00 kr.")


def test_the_secretariat_reads_the_list_and_keeps_the_pl_table(page: Page, live_server, demo, screenshot_dir):
    log_in(page, live_server, "sekretariat", DEMO_PASSWORD)
    open_tariffs(page)
    table = page.locator("#tariff-table")
    # Syddanmark caps the municipalities' total expenses, not each tariff: no tariff waits for an explanation.
    expect(page.locator("#growth-rule")).to_contain_text("samlede udgifter")
    expect(table).not_to_contain_text("forklaring mangler")
    expect(table.get_by_text("Skriv forklaring")).to_have_count(0)
    order_and_download(page, page.locator(".exports").get_by_role("button", name="PDF").first,
                       filename_start=f"takstoversigt-syddanmark-{THIS_YEAR}.pdf", magic=b"%PDF-")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Takstoversigt {THIS_YEAR}")

    # Next year: every tariff is provisional (this year's × the P/L) until the operators' approved tariffs arrive.
    page.get_by_label("År", exact=True).select_option(str(THIS_YEAR + 1))
    expect(page).to_have_url(re.compile(rf"[?&]year={THIS_YEAR + 1}"))
    expect(page.locator("#tariff-table")).to_contain_text("foreløbig")  # the rows change in place
    page.reload()
    expect(page.locator("#provisional-notice")).to_contain_text("foreløbige takster")

    page.get_by_role("link", name="P/L-tabel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("P/L-tabel")
    current = page.locator(f'#pl-table tr[data-year="{THIS_YEAR}"]')
    expect(current).to_contain_text("eksempeltal")
    page.get_by_label("År", exact=True).fill(str(THIS_YEAR + 1))
    page.get_by_label("P/L (%)").fill("to")
    page.get_by_role("button", name="Gem P/L").click()
    expect(page.get_by_role("alert")).to_contain_text("P/L er ikke gemt")
    expect(page.locator(".field-error")).to_contain_text("Skriv et tal")
    page.get_by_label("P/L (%)").fill("2,9")
    page.get_by_label("Kilde", exact=True).fill("KL: Pris- og lønskøn (test)")
    page.get_by_role("button", name="Gem P/L").click()
    expect(page.get_by_text(f"P/L for {THIS_YEAR + 1} er gemt: 2,90 %.")).to_be_visible()
    added = page.locator(f'#pl-table tr[data-year="{THIS_YEAR + 1}"]')
    expect(added).to_contain_text("2,90 %")
    expect(added).not_to_contain_text("eksempeltal")
    assert not PriceIndex.objects.get(year=THIS_YEAR + 1).is_example
    # The provisional tariffs of that year follow the P/L the secretariat entered.
    provisional = Tariff.objects.filter(year=THIS_YEAR + 1, origin="provisional").select_related("service").first()
    this_year = Tariff.objects.get(service=provisional.service, year=THIS_YEAR)
    assert f"P/L {THIS_YEAR + 1} 2,90 %" in provisional.note and provisional.amount_ore != this_year.amount_ore
    page.screenshot(path=screenshot_dir / "pl-tabel.png", full_page=True)
