"""Issue 14 in a real browser on the demo region as `make run` builds it (placements and issued months): the
municipality's economist opens its spending against P/L; the secretariat enters a year's § 176 thresholds with their
source; the economist opens the year's especially expensive cases and downloads the claim statement; the secretariat
sees the forecast against capacity."""
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from rammeaftale.accounts.actor import Actor
from rammeaftale.demo.build import demo_build
from rammeaftale.demo.catalogue import DEMO_PASSWORD
from rammeaftale.demo.invoices import demo_invoices_issue
from rammeaftale.demo.placements import demo_placements_build
from rammeaftale.parties.models import Organisation, OrganisationKind
from tests.browser.test_pages import log_in
from tests.conftest import TODAY

pytestmark = [pytest.mark.browser]

LAST_YEAR = TODAY.year - 1


@pytest.fixture
def demo(transactional_db):
    """`rammeaftale bootstrap --demo syddanmark`, from last January: offers, placements and last year's issued months
    (bootstrap issues this year's too; last year's are what the test reads)."""
    actor = Actor.system(username="demo")
    demo_build(actor=actor, region_codes=["1083"], seed=1, year_from=LAST_YEAR, year_to=TODAY.year)
    region = Organisation.objects.get(kind=OrganisationKind.REGION, code="1083")
    demo_placements_build(actor=actor, regions=[region], seed=1, first_day=date(LAST_YEAR, 1, 1), today=TODAY)
    report = demo_invoices_issue(actor=actor, regions=[region], first=date(LAST_YEAR, 1, 1),
                                 today=date(TODAY.year, 1, 1))
    assert report.runs and not report.problems
    return region


def test_the_economist_sees_spending_and_the_claim_and_the_secretariat_the_forecast(page: Page, live_server, demo,
                                                                                    screenshot_dir):
    log_in(page, live_server, "oekonomi", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Økonomi").click()
    page.get_by_role("link", name="Forbrug mod P/L").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forbrug mod P/L: Esbjerg Kommune")
    rows = page.locator("#spend-years tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.get_by_role("img", name="Køb Esbjerg Kommune og P/L")).to_be_visible()
    expect(rows.filter(has_text=str(LAST_YEAR))).to_contain_text("kr.")
    expect(rows.filter(has_text=str(LAST_YEAR))).to_contain_text(f"ingen tærskel for {LAST_YEAR}")
    page.screenshot(path=screenshot_dir / "oekonomi-forbrug.png", full_page=True)

    # The secretariat enters last year's thresholds with their source (made-up test figures).
    page.context.clear_cookies()
    log_in(page, live_server, "sekretariat", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/oekonomi/refusion/taerskler/")
    page.get_by_label("År").fill(str(LAST_YEAR))
    page.get_by_label("Tærskel 1 (kr.)").fill("400000")
    page.get_by_label("Refusion over tærskel 1 (%)").fill("25")
    page.get_by_label("Tærskel 2 (kr.)").fill("900000")
    page.get_by_label("Refusion over tærskel 2 (%)").fill("50")
    page.get_by_label("Kilde", exact=True).fill("Testens tal (ikke årets rigtige tærskler)")
    page.get_by_role("button", name="Gem tærsklerne").click()
    expect(page.locator("#threshold-years")).to_contain_text("Testens tal")

    # The secretariat's forecast against capacity.
    page.goto(f"{live_server.url}/oekonomi/behov/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Behov")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    page.screenshot(path=screenshot_dir / "oekonomi-behov.png", full_page=True)

    # The economist's especially expensive cases and the claim statement.
    page.context.clear_cookies()
    log_in(page, live_server, "oekonomi", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/oekonomi/forbrug/")
    expect(page.locator("#spend-years tbody tr").filter(has_text=str(LAST_YEAR))).to_contain_text("over 400.000 kr.")
    page.goto(f"{live_server.url}/oekonomi/refusion/?aar={LAST_YEAR}")
    expect(page.locator("#refusion-cases tbody tr").first).to_be_visible()
    expect(page.locator("#refusion-total")).to_contain_text("kr.")
    with page.expect_download() as download:
        page.get_by_role("link", name="Hent opgørelsen som XLSX").click()
    assert download.value.suggested_filename == f"refusion-sel-176-esbjerg-{LAST_YEAR}.xlsx"
    page.screenshot(path=screenshot_dir / "oekonomi-refusion.png", full_page=True)
