"""Issue 15 part 3 in a real browser on the demo region: the secretariat opens the year's calendar and sees each
municipality's status for each deadline, makes its calendar address and downloads the iCalendar file; a
municipality's economist sees its own status only."""
import re

import icalendar
import pytest
from playwright.sync_api import Page, expect

from rammeaftale.accounts.actor import Actor
from rammeaftale.demo.build import demo_build
from rammeaftale.demo.catalogue import DEMO_PASSWORD
from tests.browser.test_pages import log_in
from tests.conftest import TODAY

pytestmark = [pytest.mark.browser]


@pytest.fixture
def demo(transactional_db):
    demo_build(actor=Actor.system(username="demo"), region_codes=["1083"], seed=1, year_from=TODAY.year - 1,
               year_to=TODAY.year)


def test_the_secretariat_sees_each_municipalitys_status_and_downloads_the_calendar(page: Page, live_server, demo,
                                                                                 screenshot_dir):
    log_in(page, live_server, "sekretariat", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Årshjul").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Årshjul {TODAY.year}")
    table = page.locator("#calendar-status")
    expect(table.get_by_role("columnheader", name="Næste års budgetter og takster")).to_be_visible()
    for municipality in ("Esbjerg Kommune", "Odense Kommune"):
        row = table.locator("tbody tr").filter(has=page.get_by_role("rowheader", name=municipality))
        expect(row).to_have_count(1)
        # 6 December: every deadline of the year has passed; each operator's is met, met late or late.
        expect(row.locator(".badge").first).to_have_text(
            re.compile("^(Færdig|Færdig for sent|For sent|Ikke relevant)$"))
    page.screenshot(path=screenshot_dir / "aarshjul-sekretariat.png", full_page=True)

    page.get_by_role("button", name="Lav en kalenderadresse").click()
    expect(page.locator("#feed-url")).to_contain_text("/aarshjul/kalender/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Hent kalenderen (.ics)").click()
    body = download_info.value.path().read_bytes()
    events = icalendar.Calendar.from_ical(body).walk("VEVENT")
    summaries = {str(event["SUMMARY"]) for event in events if event.start.year == TODAY.year}
    assert {"Frist: Næste års budgetter og takster", "Frist: Kategorisering af tilbud for næste år"} <= summaries
    expect(page.get_by_role("button", name="Slet kalenderadressen")).to_be_visible()

    page.context.clear_cookies()
    log_in(page, live_server, "oekonomi", DEMO_PASSWORD)  # Esbjerg's economist
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Årshjul").click()
    expect(page.locator("#calendar-status")).to_have_count(0)
    expect(page.locator("#deadlines thead")).to_contain_text("Status for Esbjerg Kommune")
    expect(page.locator("main")).not_to_contain_text("Odense Kommune")
