"""The occupancy report in a real browser on the demo region: Odense's economist submits the 1 May report (after
the deadline, so it is accepted and marked late), first stopped by the missing text; the secretariat sees it
compiled with the late list and downloads it as XLSX and PDF."""
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from rammeaftale.accounts.actor import Actor
from rammeaftale.demo.build import demo_build
from rammeaftale.demo.catalogue import DEMO_PASSWORD
from rammeaftale.demo.placements import demo_placements_build
from rammeaftale.demo.reports import demo_reports_build
from rammeaftale.occupancy.models import OccupancyReport
from rammeaftale.parties.models import Organisation, OrganisationKind
from tests.browser.axe import axe_violations
from tests.browser.export_jobs import order_and_download
from tests.browser.test_pages import log_in
from tests.conftest import TODAY

pytestmark = [pytest.mark.browser]

YEAR = TODAY.year if TODAY >= date(TODAY.year, 4, 1) else TODAY.year - 1  # the latest first quarter that has ended
CODE = f"{YEAR}-Q1"


@pytest.fixture
def demo(transactional_db):
    """`rammeaftale demo --region syddanmark --seed 1` for this year, with placements and the demo reports."""
    actor = Actor.system(username="demo")
    demo_build(actor=actor, region_codes=["1083"], seed=1, year_from=YEAR, year_to=TODAY.year)
    region = Organisation.objects.get(kind=OrganisationKind.REGION, code="1083")
    demo_placements_build(actor=actor, regions=[region], seed=1, first_day=date(YEAR, 1, 1), today=TODAY)
    return demo_reports_build(actor=actor, regions=[region], seed=1, today=TODAY)


def _download(page: Page, name: str, magic: bytes) -> None:
    with page.expect_download() as info:
        page.get_by_role("link", name=name).click()
    with open(info.value.path(), "rb") as file:
        assert file.read(len(magic)) == magic


def test_the_economist_submits_the_may_report_and_the_secretariat_sees_it_compiled(page: Page, live_server, demo,
                                                                                    screenshot_dir):
    assert demo.submitted > 0 and demo.missing > 0
    log_in(page, live_server, "oekonomi-odense", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Belægning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Belægning")
    page.get_by_role("button", name=f"Start indberetningen for 1. kvartal {YEAR}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Indberetning af belægning: 1. kvartal {YEAR}")
    sections = page.locator("section.report-line")
    over = sections.count()
    assert over > 0, "the demo should give Odense at least one offer over the threshold"
    expect(sections.first.locator("svg").first).to_be_visible()  # occupancy per month with the budget line

    page.get_by_role("button", name="Indsend indberetning").click()
    # Submitting recomputes the figures and the page draws a chart per offer: allow more than the default 5 s.
    expect(page.locator("ul.messages")).to_contain_text("Indberetningen kan ikke sendes", timeout=30_000)
    expect(page.locator("ul.messages")).to_contain_text("mangler: vurdering af efterregulering, udfordringer, initiativer")
    expect(page.locator("#missing")).to_contain_text("Række 1")
    for index in range(over):
        section = page.locator("section.report-line").nth(index)
        section.get_by_label("Vurdering af efterregulering").select_option(index=1)
        section.get_by_label("Udfordringer med belægningen").fill("Færre henvisninger end budgetteret.")
        section.get_by_label("Igangsatte initiativer").fill("Ledige pladser meldt ud til nabokommunerne.")
    page.get_by_role("button", name="Gem kladde").click()  # through htmx: only the feedback part comes back
    expect(page.locator("#save-status")).to_contain_text("Kladden er gemt.", timeout=30_000)
    expect(page.locator("#missing")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Indberetning af belægning: 1. kvartal {YEAR}")
    page.get_by_role("button", name="Indsend indberetning").click()
    # Asked once: the recipient, the offers over the threshold and the deadline missed; nothing sent yet.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Indsend indberetningen 1. kvartal {YEAR}?",
                                                               timeout=30_000)
    expect(page.locator("#confirm-offers")).to_contain_text(f"heraf {over} over tærsklen")
    expect(page.locator("#confirm-deadline")).to_contain_text("for sent")
    expect(page.locator("#confirm-recipient")).to_contain_text("Sekretariatet i Region Syddanmark")
    assert axe_violations(page) == []
    assert OccupancyReport.objects.get(operator__code="461", year=YEAR, period="Q1").status == "draft"
    page.get_by_role("button", name="Ja, send indberetningen til sekretariatet").click()
    expect(page.locator("ul.messages")).to_contain_text("er modtaget efter fristen 1. maj", timeout=30_000)
    expect(page.locator("#report-status")).to_have_text("Indberettet · for sent")
    # A full-page screenshot leaves headless Chromium's click coordinates off: take them after the last click.
    page.screenshot(path=screenshot_dir / "belaegning-indberetning.png", full_page=True)
    report = OccupancyReport.objects.get(operator__code="461", year=YEAR, period="Q1")
    assert report.status == "submitted" and report.is_late

    page.get_by_role("button", name="Log ud").click()
    log_in(page, live_server, "sekretariat", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Belægning").click()
    page.get_by_role("link", name=f"Samlet indberetning 1. kvartal {YEAR}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Samlet indberetning af belægning: 1. kvartal {YEAR}")
    odense = page.locator("#status tr", has_text="Odense Kommune")
    expect(odense).to_contain_text("Indberettet for sent")
    expect(page.locator("#late-list")).to_contain_text("Odense Kommune")
    expect(page.locator("#compiled-lines tbody tr").first).to_be_visible()
    _download(page, "Hent som Excel (XLSX)", b"PK")
    order_and_download(page, page.get_by_role("button", name="Hent som PDF"), filename_start="belaegning-1083-",
                       magic=b"%PDF")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Samlet indberetning af belægning: 1. kvartal {YEAR}")
    page.screenshot(path=screenshot_dir / "belaegning-samlet.png", full_page=True)
