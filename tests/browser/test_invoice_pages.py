"""Issue 16's "done when" for invoices, in a real browser on the demo as `make run` builds it: the buyer's economist
(`oekonomi`, Esbjerg) opens a received invoice, reads it (parties, EAN, lines with units, the Danish total, payment),
downloads it as PDF and its posting file, and finds an account on every line."""
import csv
import io
import re
import subprocess
from datetime import date

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from rammeaftale.accounts.actor import Actor
from rammeaftale.billing.models import Invoice, InvoiceKind
from rammeaftale.core.cpr_text import contains_cpr
from rammeaftale.core.money import format_kr
from rammeaftale.demo.build import demo_build
from rammeaftale.demo.catalogue import DEMO_PASSWORD
from rammeaftale.demo.invoices import demo_invoices_issue
from rammeaftale.demo.placements import demo_placements_build
from rammeaftale.parties.models import Organisation, OrganisationKind
from tests.browser.test_pages import log_in
from tests.conftest import TODAY

pytestmark = [pytest.mark.browser]


@pytest.fixture
def demo(transactional_db):
    """The Syddanmark demo of this year with last month issued (bootstrap issues from January last year; one month
    is what the test reads)."""
    actor = Actor.system(username="demo")
    demo_build(actor=actor, region_codes=["1083"], seed=1, year_from=TODAY.year, year_to=TODAY.year)
    region = Organisation.objects.get(kind=OrganisationKind.REGION, code="1083")
    demo_placements_build(actor=actor, regions=[region], seed=1, first_day=date(TODAY.year, 1, 1), today=TODAY)
    report = demo_invoices_issue(actor=actor, regions=[region], first=date(TODAY.year, TODAY.month - 1, 1),
                                 today=TODAY)
    assert report.runs and not report.problems
    return region


def test_the_buyers_economist_reads_an_invoice_and_downloads_its_pdf_and_posting_file(page: Page, live_server, demo,
                                                                                      screenshot_dir):
    esbjerg = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, code="561")
    invoice = (Invoice.objects.filter(buyer=esbjerg, kind=InvoiceKind.INVOICE).order_by("-total_ore").first())
    total = format_kr(invoice.total_ore)
    log_in(page, live_server, "oekonomi", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/afregning/fakturaer/?side=received")
    page.get_by_role("link", name=invoice.number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Faktura {invoice.number}")
    seller = page.get_by_role("region", name="Sælger")
    expect(seller).to_contain_text(str(invoice.seller))
    expect(seller).to_contain_text(invoice.seller_ean)
    expect(page.get_by_role("region", name="Køber (betalingskommune)")).to_contain_text(invoice.buyer_ean)
    lines = page.get_by_role("table").filter(has_text="Kontostreng")
    expect(lines.locator("tr.total")).to_contain_text(total)
    expect(lines).not_to_contain_text("Mangler kontering")
    expect(page.get_by_role("region", name="Betaling", exact=True)).to_contain_text("Reg.nr. og kontonr.")
    expect(page.get_by_role("region", name="Betaling", exact=True)).not_to_contain_text("9999")
    page.screenshot(path=screenshot_dir / "faktura-laesbar.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Hent faktura som PDF").click()
    assert download.value.suggested_filename == f"{invoice.number}.pdf"
    content = open(download.value.path(), "rb").read()
    assert content.startswith(b"%PDF")
    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", "-layout", "-", "-"], input=content,
                                              capture_output=True, check=True).stdout.decode())
    for expected in (str(invoice.seller), "Esbjerg Kommune", invoice.seller_ean, invoice.buyer_ean, total):
        assert expected in text, expected
    assert not contains_cpr(text)  # no CPR number in any form the e-invoice check knows

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read()), delimiter=";"))
    assert rows and all(row["Kontostreng"] and row["Kontostreng"] != "MANGLER KONTERING" for row in rows)
    assert all(row["Lovgrundlag"] and row["Enhed"] in ("døgn", "dag", "timer", "måned", "stk.") for row in rows)
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    book = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    assert book.sheetnames == ["Kontering", "Pr. kontostreng"]

    # The account codes behind the lines: every paragraph has one
    page.goto(f"{live_server.url}/afregning/fakturaer/?side=received")
    page.get_by_role("link", name="Kontostrenge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontostrenge")
    expect(page.locator("#account-codes")).not_to_contain_text("Mangler kontering")
    page.get_by_label("Kontostreng for SEL § 108").fill("5.38.50.001")
    page.get_by_role("button", name="Gem kontostreng for SEL § 108").click()
    expect(page.get_by_role("status")).to_contain_text("Kontostrengen for SEL § 108 er gemt.")
    expect(page.get_by_label("Kontostreng for SEL § 108")).to_have_value("5.38.50.001")
