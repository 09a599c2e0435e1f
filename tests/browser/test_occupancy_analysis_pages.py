"""The capacity and occupancy analysis in a real browser on the demo region: the secretariat reads its region's
sections with the trend and heat-map charts, narrows the years, and downloads the analysis as XLSX and PDF."""
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from rammeaftale.accounts.actor import Actor
from rammeaftale.demo.build import demo_build
from rammeaftale.demo.catalogue import DEMO_PASSWORD
from rammeaftale.demo.placements import demo_placements_build
from rammeaftale.parties.models import Organisation, OrganisationKind
from tests.browser.export_jobs import order_and_download
from tests.browser.test_pages import log_in
from tests.conftest import TODAY

pytestmark = [pytest.mark.browser]

THIS_YEAR = TODAY.year


@pytest.fixture
def demo(transactional_db):
    """`rammeaftale demo --region syddanmark --seed 1` for last year and this, with placements from last January."""
    actor = Actor.system(username="demo")
    demo_build(actor=actor, region_codes=["1083"], seed=1, year_from=THIS_YEAR - 1, year_to=THIS_YEAR)
    region = Organisation.objects.get(kind=OrganisationKind.REGION, code="1083")
    demo_placements_build(actor=actor, regions=[region], seed=1, first_day=date(THIS_YEAR - 1, 1, 1), today=TODAY)
    return region


def test_the_secretariat_reads_the_analysis_and_downloads_it(page: Page, live_server, demo, screenshot_dir):
    log_in(page, live_server, "sekretariat", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/belaegning/analyse/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kapacitets- og belægningsanalyse")
    expect(page.locator(".lead")).to_contain_text("Region Syddanmark")  # the user's own region by default
    # Five years by default, but none before the first placement (issue 16): the demo's placements begin last year.
    expect(page.locator(".lead")).to_contain_text(f"{THIS_YEAR - 1}–{THIS_YEAR}")
    assert page.get_by_label("Fra år").locator("option").all_inner_texts() == [str(THIS_YEAR), str(THIS_YEAR - 1)]
    expect(page.get_by_role("heading", level=2, name="Regionens tilbud")).to_be_visible()
    expect(page.get_by_role("heading", level=2,
                            name="Lands- og landsdelsdækkende tilbud og sikrede afdelinger")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name=f"Køb af pladser på tværs af kommuner {THIS_YEAR - 1}")
           ).to_be_visible()
    charts = page.locator("figure.analysis-chart svg[role=img]")
    expect(charts.first).to_be_visible(timeout=30_000)  # loaded after the page
    assert charts.count() >= 2
    expect(page.get_by_role("img", name=f"Køb af pladser på tværs {THIS_YEAR - 1}: belagte pladsdøgn")).to_be_visible()
    paragraphs = page.locator("#tabel-main-lovgrundlag tbody tr")
    assert paragraphs.count() >= 2
    expect(page.locator("#tabel-main-lovgrundlag tfoot")).to_contain_text(" %")
    expect(page.locator("#purchase-table tbody tr").first).to_contain_text("Kommune")
    page.screenshot(path=screenshot_dir / "belaegningsanalyse.png", full_page=True)

    # Narrow to last year and this; the choice travels to the exports.
    page.get_by_label("Fra år").select_option(str(THIS_YEAR - 1))
    page.get_by_role("button", name="Vis").click()
    expect(page.locator(".lead")).to_contain_text(f"{THIS_YEAR - 1}–{THIS_YEAR}")
    expect(page.locator("#tabel-main-lovgrundlag thead tr").last.locator("th")).to_have_count(6)  # 4 and 2 years
    order_and_download(page, page.get_by_role("button", name="Hent som Excel (XLSX)"),
                       filename_start=f"belaegningsanalyse-syddanmark-{THIS_YEAR - 1}-{THIS_YEAR}.xlsx", magic=b"PK")
    order_and_download(page, page.get_by_role("button", name="Hent som PDF"),
                       filename_start=f"belaegningsanalyse-syddanmark-{THIS_YEAR - 1}-{THIS_YEAR}.pdf", magic=b"%PDF")
