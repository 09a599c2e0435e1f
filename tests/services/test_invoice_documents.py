"""Issue 16, part 4: invoices people can read. The invoice and credit note as a page and PDF/UA (parties with EAN and
CVR, lines with period, placement number and unit, totals in Danish format, payment; never a CPR number), the posting
file with the legal paragraph, the unit per offer type, an account on every line and totals per account, the
preview's warning of lines without an account code, and the buyer's own account codes."""
import csv
import io
import re
import subprocess
from datetime import date

import openpyxl
import pytest
from django.test import Client

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.billing.documents import NO_ACCOUNT, POSTING_COLUMNS, posting_csv, posting_rows
from rammeaftale.billing.models import AccountMapping, Invoice, InvoiceKind, InvoiceLine
from rammeaftale.billing.settlement import settlement_issue, settlement_plan
from rammeaftale.placements import services as placement_services
from rammeaftale.placements.models import PlacementService
from rammeaftale.placements.services import PlacementRequest, placement_request
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import LegalParagraph
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from tests.conftest import PASSWORD
from tests.services.test_settlement import ISSUE, YEAR, world  # noqa: F401 (the fixture)

CPR_FORMS = ("0101901234", "010190-1234", "0202851234", "020285-1234")


@pytest.fixture
def invoiced(world, make_offer, system):  # noqa: F811
    """January for Esbjerg from Odense: a residential place (31 døgn, SEL § 108, mapped), a day offer (31 dage,
    SEL § 104, mapped) and hours of § 85 support (2,25 timer; SEL § 85 has no account code anywhere)."""
    AccountMapping.objects.create(paragraph=LegalParagraph.objects.get(code="sel-104"), account_code="5.38.59")
    day_offer = make_offer(world["odense"], name="Dagcentret Lærken", paragraphs=("sel-104",), offer_type="day")
    day_service = registry_services.service_create(actor=system, offer=day_offer, name="Aktivitetstilbud", unit="day")
    Tariff.objects.create(service=day_service, year=YEAR, amount_ore=61_250, origin=TariffOrigin.PUBLISHED)
    support_offer = make_offer(world["odense"], name="Bostøtten Odense", paragraphs=("sel-85",),
                               offer_type="outpatient")
    support = registry_services.service_create(actor=system, offer=support_offer, name="Socialpædagogisk støtte",
                                               unit="hour")
    Tariff.objects.create(service=support, year=YEAR, amount_ore=52_000, origin=TariffOrigin.PUBLISHED)
    for offer, name, cpr in ((day_offer, "Bent Bentsen", "0202851234"), (support_offer, "Carl Carlsen", "0303801234")):
        placement_request(actor=world["caseworker"], request=PlacementRequest(
            offer=offer, paying_municipality=world["esbjerg"], citizen_name=name, cpr=cpr,
            start_date=date(YEAR, 1, 1)))
    bought = PlacementService.objects.get(service=support)
    for day, minutes in ((date(YEAR, 1, 5), 90), (date(YEAR, 1, 6), 45)):
        placement_services.hours_register(actor=system, placement_service=bought, day=day, minutes=minutes)
    result = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    [invoice] = result.invoices
    return {**world, "invoice": invoice, "day_offer": day_offer, "support_offer": support_offer}


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True).stdout
    return re.sub(r"\s+", " ", out.decode())


def pdf_metadata(content: bytes) -> str:
    return subprocess.run(["pdfinfo", "-meta", "-"], input=content, capture_output=True, check=True).stdout.decode()


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_the_invoice_page_reads_as_an_invoice(invoiced):
    invoice = invoiced["invoice"]
    assert invoice.total_ore == 31 * 234_567 + 31 * 61_250 + 117_000 == 9_287_327
    page = client_for(invoiced["buyer_user"]).get(f"/afregning/fakturaer/{invoice.pk}/")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.content.decode())
    for expected in (f"Faktura {invoice.number}", "Odense Kommune", "Esbjerg Kommune", invoice.seller_ean,
                     invoice.buyer_ean, "CVR", invoiced["odense"].cvr, invoiced["esbjerg"].cvr, "Rådhuset 1",
                     "92.873,27 kr.", "72.715,77 kr.", "18.987,50 kr.", "1.170,00 kr.", "2.345,67 kr.",
                     "01.01.2026–31.01.2026", "januar 2026", "1234 0001234567", "Betales senest",
                     invoiced["placement"].reference, "SEL § 108", "5.38.50", "Mangler kontering"):
        assert expected in text, expected
    assert re.search(r'<td class="num">31</td><td>døgn</td>', text) and re.search(r"<td>dag</td>", text)
    assert '<td class="num">2,25</td><td>timer</td>' in text
    assert not any(cpr in text for cpr in CPR_FORMS) and "Anna Andersen" not in text
    for link in ("faktura.pdf", "oioubl.xml", "kontering.xlsx", "kontering.csv"):
        assert f"/afregning/fakturaer/{invoice.pk}/{link}" in text
    assert "/afregning/fakturaer/kontostrenge/" in text  # the buyer is led to its account codes


def test_the_invoice_pdf_has_seller_buyer_ean_the_danish_total_and_no_cpr(invoiced):
    invoice = invoiced["invoice"]
    assert invoice.due_date == date(YEAR, 7, 1)  # issued 1 June, 30 days
    response = client_for(invoiced["buyer_user"]).get(f"/afregning/fakturaer/{invoice.pk}/faktura.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'filename="{invoice.number}.pdf"' in response["Content-Disposition"]
    assert 'pdfuaid:part="1"' in pdf_metadata(response.content)  # PDF/UA-1, as the other reports
    text = pdf_text(response.content)
    for expected in (f"Faktura {invoice.number}", "Sælger", "Odense Kommune", "Køber (betalingskommune)",
                     "Esbjerg Kommune", invoice.seller_ean, invoice.buyer_ean, invoiced["odense"].cvr,
                     "92.873,27 kr.", "72.715,77 kr.", "døgn", "dag", "timer", "01.01.2026–31.01.2026",
                     invoiced["placement"].reference, "Reg.nr. og kontonr.", "1234 0001234567",
                     "Betales senest 1. juli 2026", "Momsfri ydelse"):
        assert expected in text, expected
    assert not any(cpr in text for cpr in CPR_FORMS)
    assert not any(name in text for name in ("Anna Andersen", "Bent Bentsen", "Carl Carlsen"))
    # The seller's economist reads the same document
    assert client_for(invoiced["seller_user"]).get(f"/afregning/fakturaer/{invoice.pk}/faktura.pdf").status_code == 200


def test_a_credit_note_names_the_invoice_it_credits(invoiced):
    placement_services.placement_end_date_set(actor=invoiced["caseworker"], placement=invoiced["placement"],
                                              end_date=date(YEAR, 1, 20), reason="Fejlregistrering",
                                              today=date(YEAR, 3, 2), operator_agreement="Aftalt med Odense 2.3.")
    march = settlement_issue(actor=invoiced["seller"], seller=invoiced["odense"], year=YEAR, month=3,
                             issue_date=ISSUE)
    [note] = march.credit_notes
    assert note.credits == invoiced["invoice"]
    client = client_for(invoiced["buyer_user"])
    page = re.sub(r"\s+", " ", client.get(f"/afregning/fakturaer/{note.pk}/").content.decode())
    assert f"Kreditnota {note.number}" in page and "Krediterer faktura" in page
    assert f'<a href="/afregning/fakturaer/{invoiced["invoice"].pk}/">{invoiced["invoice"].number}</a>' in page
    assert "Krediteret i alt" in page and "72.715,77 kr." in page
    text = pdf_text(client.get(f"/afregning/fakturaer/{note.pk}/faktura.pdf").content)
    assert f"Kreditnota {note.number}" in text and f"Krediterer faktura {invoiced['invoice'].number}" in text
    assert "Krediteret i alt (momsfri) 72.715,77 kr." in text and "0101901234" not in text


def test_another_municipality_and_a_caseworker_get_404_on_every_invoice_document(invoiced, copenhagen, make_user):
    invoice = invoiced["invoice"]
    outsider = client_for(make_user(copenhagen, Role.ECONOMIST))
    caseworker = client_for(invoiced["caseworker_user"])  # the buyer's own caseworker: not an economist
    for suffix in ("", "faktura.pdf", "kontering.csv", "kontering.xlsx", "oioubl.xml"):
        assert outsider.get(f"/afregning/fakturaer/{invoice.pk}/{suffix}").status_code == 404, suffix
        assert caseworker.get(f"/afregning/fakturaer/{invoice.pk}/{suffix}").status_code == 404, suffix
    assert client_for(invoiced["buyer_user"]).get(f"/afregning/fakturaer/{invoice.pk}/kontering.pdf").status_code == 404


def test_the_posting_file_has_the_paragraph_the_unit_per_offer_type_and_an_account_on_every_line(invoiced):
    invoice = invoiced["invoice"]
    header = posting_csv(Invoice.objects.filter(pk=invoice.pk)).decode("utf-8-sig").splitlines()[0].split(";")
    assert header == list(POSTING_COLUMNS) and {"Lovgrundlag", "Kontostreng", "Enhed"} <= set(header)
    rows = csv_rows(client_for(invoiced["buyer_user"]).get(f"/afregning/fakturaer/{invoice.pk}/kontering.csv").content)
    by_service = {row["Ydelse"]: row for row in rows}
    assert {name: (row["Antal"], row["Enhed"], row["Lovgrundlag"], row["Kontostreng"], row["Beløb (kr.)"])
            for name, row in by_service.items()} == {
        "Døgnophold": ("31", "døgn", "SEL § 108", "5.38.50", "72715,77"),
        "Aktivitetstilbud": ("31", "dag", "SEL § 104", "5.38.59", "18987,50"),
        "Socialpædagogisk støtte": ("2,25", "timer", "SEL § 85", NO_ACCOUNT, "1170,00"),
    }
    assert all(row["Kontostreng"] for row in rows)
    assert InvoiceLine.objects.get(invoice=invoice, service__name="Socialpædagogisk støtte").account_code == ""


def test_totals_per_account_come_as_their_own_csv_and_the_xlsx_second_sheet(invoiced):
    client = client_for(invoiced["buyer_user"])
    totals = csv_rows(client.get("/afregning/fakturaer/kontering-pr-kontostreng.csv?side=received").content)
    assert [(row["Kontostreng"], row["Lovgrundlag"], row["Linjer"], row["Beløb (kr.)"]) for row in totals] == [
        ("5.38.50", "SEL § 108", "1", "72715,77"), ("5.38.59", "SEL § 104", "1", "18987,50"),
        (NO_ACCOUNT, "SEL § 85", "1", "1170,00")]
    # The posting CSV itself holds only lines: an ERP import would post trailing total rows again
    lines = csv_rows(client.get("/afregning/fakturaer/kontering.csv?side=received").content)
    assert len(lines) == 3 and all(row["Fakturanr."] == invoiced["invoice"].number for row in lines)
    book = openpyxl.load_workbook(io.BytesIO(client.get("/afregning/fakturaer/kontering.xlsx?side=received").content))
    assert book.sheetnames == ["Kontering", "Pr. kontostreng"]
    sheet = book["Pr. kontostreng"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4, max_row=6)]
    assert [(row[1], row[3], float(row[4])) for row in values] == [
        ("5.38.50", 1, 72715.77), ("5.38.59", 1, 18987.50), (NO_ACCOUNT, 1, 1170.0)]
    assert sheet.cell(row=8, column=1).value == "I alt" and sheet.cell(row=8, column=5).value == pytest.approx(92873.27)
    lines_sheet = book["Kontering"]
    header = [cell.value for cell in lines_sheet[3]]
    account = header.index("Kontostreng")
    assert all(row[account].value for row in lines_sheet.iter_rows(min_row=4, max_row=6))


def test_the_preview_warns_of_lines_without_an_account_before_issuing(world, make_offer, system):  # noqa: F811
    offer = make_offer(world["odense"], name="Bostøtten Vest", paragraphs=("sel-85",), offer_type="outpatient")
    service = registry_services.service_create(actor=system, offer=offer, name="Døgnstøtte", unit="day")
    Tariff.objects.create(service=service, year=YEAR, amount_ore=40_000, origin=TariffOrigin.PUBLISHED)
    placement_request(actor=world["caseworker"], request=PlacementRequest(
        offer=offer, paying_municipality=world["esbjerg"], citizen_name="Dorte Dam", cpr="0404751234",
        start_date=date(YEAR, 1, 1)))
    plan = settlement_plan(actor=world["seller"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    [missing] = plan.missing_accounts
    assert (missing.buyer, missing.lines, missing.paragraphs) == (world["esbjerg"], 1, ("SEL § 85",))
    [warning] = [text for text in plan.warnings if text.startswith("Mangler kontering")]
    assert "1 linje har ingen kontostreng" in warning and "Esbjerg Kommune: 1 linje (SEL § 85)" in warning
    assert "MANGLER KONTERING" in warning and "Kontostrenge" in warning
    page = client_for(world["seller_user"]).get(f"/afregning/forhaandsvisning/?month={YEAR}-01")
    assert page.status_code == 200 and "Mangler kontering: 1 linje" in page.content.decode()
    # Issuing is not stopped (the code is the buyer's to give) and nothing was written by the preview
    assert not Invoice.objects.exists()
    # With the buyer's own code the warning is gone
    AccountMapping.objects.create(buyer=world["esbjerg"], paragraph=LegalParagraph.objects.get(code="sel-85"),
                                  account_code="5.38.38.001")
    again = settlement_plan(actor=world["seller"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    assert again.missing_accounts == [] and not any("kontering" in text.lower() for text in again.warnings)
    [invoice] = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1,
                                 issue_date=ISSUE).invoices
    assert set(invoice.lines.values_list("account_code", flat=True)) == {"5.38.50", "5.38.38.001"}


def test_the_buyer_sets_its_account_code_and_the_posting_file_uses_it(invoiced, copenhagen, make_user):
    client = client_for(invoiced["buyer_user"])
    page = client.get("/afregning/fakturaer/kontostrenge/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "SEL § 85" in text and "Mangler kontering" in text and "5.38.50" in text
    response = client.post("/afregning/fakturaer/kontostrenge/", {"paragraph": "sel-85", "account_code": " 5.38.38 "})
    assert response.status_code == 302
    mapping = AccountMapping.objects.get(buyer=invoiced["esbjerg"], paragraph__code="sel-85")
    assert mapping.account_code == "5.38.38"
    assert AuditEvent.objects.filter(event_type="account_mapping.set", organisation_id=invoiced["esbjerg"].pk).exists()
    # The issued line keeps what it was issued with; the buyer's posting file now carries the buyer's code
    line = InvoiceLine.objects.get(invoice=invoiced["invoice"], service__name="Socialpædagogisk støtte")
    assert line.account_code == ""
    rows = csv_rows(client.get(f"/afregning/fakturaer/{invoiced['invoice'].pk}/kontering.csv").content)
    assert {row["Ydelse"]: row["Kontostreng"] for row in rows}["Socialpædagogisk støtte"] == "5.38.38"
    # An empty code is refused in Danish, naming the paragraph; nothing changes
    refused = client.post("/afregning/fakturaer/kontostrenge/", {"paragraph": "sel-85", "account_code": "  "},
                          follow=True)
    assert "SEL § 85: Kontostrengen skal udfyldes" in refused.content.decode()
    assert AccountMapping.objects.get(pk=mapping.pk).account_code == "5.38.38"
    # Another municipality's economist sets only its own; a caseworker none
    outsider = client_for(make_user(copenhagen, Role.ECONOMIST))
    outsider.post("/afregning/fakturaer/kontostrenge/", {"paragraph": "sel-85", "account_code": "9.99"})
    assert AccountMapping.objects.get(pk=mapping.pk).account_code == "5.38.38"
    assert AccountMapping.objects.filter(buyer=copenhagen, paragraph__code="sel-85", account_code="9.99").exists()
    caseworker = client_for(invoiced["caseworker_user"])
    assert caseworker.get("/afregning/fakturaer/kontostrenge/").status_code == 403
    assert caseworker.post("/afregning/fakturaer/kontostrenge/", {"paragraph": "sel-85",
                                                                  "account_code": "1"}).status_code == 403
    assert client.post("/afregning/fakturaer/kontostrenge/", {"paragraph": "nej", "account_code": "1"}).status_code == 404


def test_posting_rows_of_a_credit_note_are_negative_with_the_unit_of_the_credited_line(invoiced):
    placement_services.placement_end_date_set(actor=invoiced["caseworker"], placement=invoiced["placement"],
                                              end_date=date(YEAR, 1, 20), reason="Fejlregistrering",
                                              today=date(YEAR, 3, 2), operator_agreement="Aftalt med Odense 2.3.")
    [note] = settlement_issue(actor=invoiced["seller"], seller=invoiced["odense"], year=YEAR, month=3,
                              issue_date=ISSUE).credit_notes
    column = {name: index for index, name in enumerate(POSTING_COLUMNS)}
    [row] = posting_rows(Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE))
    assert row[column["Fakturanr."]] == note.number and str(row[column["Beløb (kr.)"]]) == "-72715.77"
    assert (row[column["Enhed"]], row[column["Lovgrundlag"]], row[column["Kontostreng"]]) == (
        "døgn", "SEL § 108", "5.38.50")
