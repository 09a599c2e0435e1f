"""The monthly settlement run: invoices to the øre, idempotent, all or nothing, credit notes for retroactive changes."""
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from stdnum import ean

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.billing import views as billing_views
from rammeaftale.billing.models import (
    AccountMapping,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    PaymentAccount,
    SettlementRun,
)
from rammeaftale.billing.settlement import settlement_issue, settlement_plan
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.money import format_kr
from rammeaftale.placements import services as placement_services
from rammeaftale.placements.services import PlacementRequest, placement_request
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import LegalParagraph
from rammeaftale.tariffs.models import Tariff, TariffChange, TariffOrigin
from tests.conftest import PASSWORD
from tests.spreadsheets import AT_SUM, HYPERLINK, assert_text_not_formula

YEAR = 2026
ISSUE = date(YEAR, 6, 1)  # an issue day within 12 months of every month invoiced here


def gln(body: str) -> str:
    return body + ean.calc_check_digit(body)


def invoicing_ready(seller, buyer) -> None:
    """What an e-invoice needs of Odense (the seller) and Esbjerg (the buyer): EAN, CVR, address, a bank account."""
    for organisation, body, cvr in ((seller, "579800000461", "35209115"), (buyer, "579800000561", "29189803")):
        organisation.ean, organisation.cvr = gln(body), cvr
        organisation.address, organisation.postcode, organisation.city = "Rådhuset 1", "5000", organisation.name
        organisation.save()
    PaymentAccount.objects.create(organisation=seller, reg_no="1234", account_no="0001234567")


@pytest.fixture
def world(agreements, odense, esbjerg, copenhagen, make_offer, make_user, actor_of, system):
    invoicing_ready(odense, esbjerg)
    offer = make_offer(odense, name="Bostedet Æblehaven", paragraphs=("sel-108",), places=5)
    basis = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
    Tariff.objects.create(service=basis, year=YEAR - 1, amount_ore=230_000, origin=TariffOrigin.PUBLISHED)
    Tariff.objects.create(service=basis, year=YEAR, amount_ore=234_567, origin=TariffOrigin.PUBLISHED)
    AccountMapping.objects.create(paragraph=LegalParagraph.objects.get(code="sel-108"), account_code="5.38.50")
    caseworker_user = make_user(esbjerg, Role.CASEWORKER)
    caseworker = actor_of(caseworker_user)
    seller_user, buyer_user = make_user(odense, Role.ECONOMIST), make_user(esbjerg, Role.ECONOMIST)
    placement = placement_request(actor=caseworker, request=PlacementRequest(
        offer=offer, paying_municipality=esbjerg, citizen_name="Anna Andersen", cpr="0101901234",
        start_date=date(YEAR - 1, 12, 10)))
    return {
        "offer": offer, "basis": basis, "placement": placement, "caseworker": caseworker,
        "seller": actor_of(seller_user), "odense": odense, "esbjerg": esbjerg, "seller_user": seller_user,
        "buyer_economist": actor_of(buyer_user), "buyer_user": buyer_user,
        "caseworker_user": caseworker_user,
    }


def test_a_month_is_days_times_tariff_to_the_ore(world):
    result = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1,
                              issue_date=date(YEAR, 1, 2))
    [invoice] = result.invoices
    assert (invoice.seller, invoice.buyer, invoice.kind) == (world["odense"], world["esbjerg"], InvoiceKind.INVOICE)
    [line] = invoice.lines.all()
    assert (line.period_from, line.period_to, line.quantity, line.rate_ore) == (
        date(YEAR, 1, 1), date(YEAR, 2, 1), 31, 234_567)
    assert line.amount_ore == invoice.total_ore == 31 * 234_567 == 7_271_577
    assert line.account_code == "5.38.50"
    assert invoice.due_date == date(YEAR, 2, 1)  # at most 30 days (rentelovens § 3b, rulebook payment.due_days_max)
    assert "0101901234" not in line.description and world["placement"].reference in line.description
    assert AuditEvent.objects.filter(event_type="settlement.issued").count() == 1


def test_the_plan_reads_the_same_under_djangos_debug_cursor(world):
    """DEBUG (`make dev`) and tests that capture queries wrap the cursor, whose `copy` takes a statement only: the
    extraction's COPY on PostgreSQL once failed there with a TypeError."""
    plain = settlement_plan(actor=world["seller"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    with CaptureQueriesContext(connection) as queries:
        debugged = settlement_plan(actor=world["seller"], seller=world["odense"], year=YEAR, month=1,
                                   issue_date=ISSUE)
    assert [(line.line.amount_ore, line.description) for invoice in debugged.invoices for line in invoice.lines] == [
        (line.line.amount_ore, line.description) for invoice in plain.invoices for line in invoice.lines] != []
    assert len(queries) > 0


def test_the_same_month_twice_creates_nothing(world):
    first = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    second = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    assert (first.created, second.created, second.run) == (True, False, first.run)
    assert Invoice.objects.count() == 1 and SettlementRun.objects.count() == 1


def test_a_changed_end_date_gives_a_credit_note_and_a_new_invoice_next_month(world):
    settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    february = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=2, issue_date=ISSUE)
    assert february.credit_notes == []
    # The citizen's place ended on 20 January (first day without the place), registered in March.
    placement_services.placement_end_date_set(actor=world["caseworker"], placement=world["placement"],
                                              end_date=date(YEAR, 1, 20), reason="Borgeren døde 19. januar",
                                              today=date(YEAR, 3, 2), operator_agreement="Aftalt med Odense 2.3.")
    march = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=3, issue_date=ISSUE)
    assert len(march.credit_notes) == 2  # January's and February's invoices are credited
    credited = {note.credits.number: note.total_ore for note in march.credit_notes}
    assert credited == {inv.number: inv.total_ore for inv in Invoice.objects.filter(kind=InvoiceKind.INVOICE,
                                                                                    run__month__in=[1, 2])}
    [invoice] = march.invoices
    [line] = invoice.lines.all()
    assert (line.period_from, line.period_to, line.quantity, line.amount_ore) == (
        date(YEAR, 1, 1), date(YEAR, 1, 20), 19, 19 * 234_567)
    # Net, the buyer pays exactly the 19 days of January.
    net = sum(i.total_ore if i.kind == InvoiceKind.INVOICE else -i.total_ore for i in Invoice.objects.all())
    assert net == 19 * 234_567
    # The issued January invoice itself is unchanged.
    january = Invoice.objects.get(run__month=1)
    assert january.lines.get().quantity == 31
    # April: nothing more to correct.
    april = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=4, issue_date=ISSUE)
    assert (april.invoices, april.credit_notes) == ([], [])


def test_a_mid_month_tariff_change_splits_the_line(world):
    TariffChange.objects.create(service=world["basis"], valid_from=date(YEAR, 1, 16), amount_ore=240_000,
                                reason="Rettet takst")
    result = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    lines = list(result.invoices[0].lines.order_by("period_from"))
    assert [(line.quantity, line.rate_ore) for line in lines] == [(15, 234_567), (16, 240_000)]
    assert result.invoices[0].total_ore == 15 * 234_567 + 16 * 240_000


def test_december_to_january_uses_each_years_tariff_and_old_help_is_flagged(world):
    december = settlement_plan(actor=world["seller"], seller=world["odense"], year=YEAR - 1, month=12,
                               issue_date=date(YEAR + 1, 1, 5))
    [planned] = december.invoices
    [line] = planned.lines
    assert (line.line.quantity, line.line.rate_ore) == (22, 230_000)
    assert line.late_claim  # help from December the year before last: more than 12 months (SEL § 174 stk. 2)
    assert not Invoice.objects.exists()  # a plan writes nothing


def test_a_seller_without_ean_stops_the_whole_run(world):
    world["odense"].ean = ""
    world["odense"].save()
    with pytest.raises(DomainError, match="Odense Kommune \\(sælger\\) har intet EAN-nummer") as error:
        settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    assert error.value.code == "missing_party_data"
    assert not SettlementRun.objects.exists() and not InvoiceLine.objects.exists()


def test_a_buyer_without_ean_holds_only_its_own_invoice_and_the_next_run_bills_it(world, copenhagen, make_user,
                                                                                   actor_of):
    """Issue 11: one buyer's missing EAN stopped the seller's whole month. Now only that buyer's invoice waits
    (named in the preview), the others are issued, and the next run invoices the held days as corrections."""
    copenhagen.ean = gln("579800000101")
    copenhagen.address, copenhagen.postcode, copenhagen.city = "Rådhuspladsen 1", "1550", "København V"
    copenhagen.save()
    kbh = actor_of(make_user(copenhagen, Role.CASEWORKER))
    other = placement_request(actor=kbh, request=PlacementRequest(
        offer=world["offer"], paying_municipality=copenhagen, citizen_name="Bo Berg", cpr="0202902345",
        start_date=date(YEAR, 1, 1), payment_agreement="Aftale KBH-3", payment_agreement_follows_tariff_principles=True))
    world["esbjerg"].ean = ""
    world["esbjerg"].save()
    plan = settlement_plan(actor=world["seller"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    assert plan.problems == [] and [h.buyer for h in plan.held] == [world["esbjerg"]]
    assert plan.held[0].total_ore == 31 * 234_567
    assert any(w.startswith("Fakturaen til Esbjerg Kommune (72.715,77 kr.) venter: Esbjerg Kommune har intet "
                            "EAN-nummer") for w in plan.warnings)
    january = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    assert [i.buyer for i in january.invoices] == [copenhagen]
    assert set(InvoiceLine.objects.values_list("placement_id", flat=True)) == {other.pk}
    # February: Esbjerg still without EAN, its January and February both wait.
    february = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=2, issue_date=ISSUE)
    assert [i.buyer for i in february.invoices] == [copenhagen]
    world["esbjerg"].ean = gln("579800000561")
    world["esbjerg"].save()
    march = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=3, issue_date=ISSUE)
    [esbjerg] = [i for i in march.invoices if i.buyer == world["esbjerg"]]
    lines = sorted(esbjerg.lines.values_list("period_from", "quantity", "amount_ore"))
    assert lines == [(date(YEAR, 1, 1), 31, 31 * 234_567), (date(YEAR, 2, 1), 28, 28 * 234_567),
                     (date(YEAR, 3, 1), 31, 31 * 234_567)]
    # Copenhagen is not invoiced twice: only March is new for it.
    [kbh_march] = [i for i in march.invoices if i.buyer == copenhagen]
    assert list(kbh_march.lines.values_list("period_from", flat=True)) == [date(YEAR, 3, 1)]
    assert march.credit_notes == []


def test_a_held_buyers_credit_note_waits_with_its_invoice(world):
    """A change back in time to a buyer that now lacks its EAN: neither the credit note nor the new invoice is
    written; once the EAN is back, the next run credits and re-invoices."""
    settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    placement_services.placement_end_date_set(actor=world["caseworker"], placement=world["placement"],
                                              end_date=date(YEAR, 1, 20), reason="Fejlregistrering",
                                              today=date(YEAR, 2, 2), operator_agreement="Aftalt med Odense 2.2.")
    world["esbjerg"].ean = ""
    world["esbjerg"].save()
    february = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=2, issue_date=ISSUE)
    assert (february.invoices, february.credit_notes) == ([], [])
    world["esbjerg"].ean = gln("579800000561")
    world["esbjerg"].save()
    march = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=3, issue_date=ISSUE)
    [credit] = march.credit_notes
    [invoice] = march.invoices
    assert credit.total_ore == 31 * 234_567
    assert list(invoice.lines.values_list("period_from", "quantity")) == [(date(YEAR, 1, 1), 19)]


def test_a_day_without_tariff_stops_the_run(world):
    Tariff.objects.filter(year=YEAR).delete()
    with pytest.raises(DomainError):
        settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    assert not SettlementRun.objects.exists()


def test_only_the_sellers_economists_run_it(world):
    with pytest.raises(NotAllowed):
        settlement_issue(actor=world["buyer_economist"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    with pytest.raises(NotAllowed):
        settlement_issue(actor=world["caseworker"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    assert settlement_issue(actor=Actor.system(), seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE).created


def test_issued_invoices_export_as_valid_oioubl_and_posting_files(world, client):
    from lxml import etree

    from rammeaftale.billing.documents import invoice_oioubl, posting_csv
    from rammeaftale.einvoice.validate import oioubl_validate

    settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    placement_services.placement_end_date_set(actor=world["caseworker"], placement=world["placement"],
                                              end_date=date(YEAR, 1, 20), reason="Fejlregistrering",
                                              today=date(YEAR, 3, 2), operator_agreement="Aftalt med Odense 2.3.")
    march = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=3, issue_date=ISSUE)
    for document in [*march.invoices, *march.credit_notes]:
        xml = invoice_oioubl(document)
        assert oioubl_validate(xml) == []
        root = etree.fromstring(xml)
        ns = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
              "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}
        assert root.findtext(".//cac:AccountingCustomerParty//cbc:EndpointID", namespaces=ns) == world["esbjerg"].ean
        payable = root.findtext(".//cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=ns)
        assert payable == f"{document.total_ore // 100}.{document.total_ore % 100:02d}"
        assert b"0101901234" not in xml
    csv_text = posting_csv(Invoice.objects.filter(buyer=world["esbjerg"])).decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Fakturanr.;Type;Fakturadato")
    assert "5.38.50" in csv_text and "-72715,77" in csv_text  # January credited: −31 × 2.345,67

    assert client.login(username=world["buyer_user"].username, password=PASSWORD)
    response = client.get("/afregning/fakturaer/?side=received")
    assert response.status_code == 200 and march.invoices[0].number in response.content.decode()
    xlsx = client.get("/afregning/fakturaer/kontering.xlsx?side=received")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats") and xlsx.content[:2] == b"PK"
    xml = client.get(f"/afregning/fakturaer/{march.invoices[0].pk}/oioubl.xml")
    assert xml.status_code == 200 and oioubl_validate(xml.content) == []


def test_the_settlement_page_previews_then_issues(world, client):
    assert client.login(username=world["seller_user"].username, password=PASSWORD)
    preview = client.get("/afregning/forhaandsvisning/?month=2026-01")
    assert preview.status_code == 200
    assert "Faktura til Esbjerg Kommune" in preview.content.decode() and not Invoice.objects.exists()
    plan = settlement_plan(actor=world["seller"], seller=world["odense"], year=2026, month=1,
                           issue_date=clock.today())
    asked = client.post("/afregning/", {"month": "2026-01"})  # the button: the summary and the question, nothing else
    html = asked.content.decode()
    assert asked.status_code == 200 and "Udsted fakturaer for januar 2026?" in html
    assert not Invoice.objects.exists() and not SettlementRun.objects.exists()
    total = format_kr(plan.total_ore)
    assert total == "72.715,77 kr." and f'<strong id="confirm-total">{total}</strong>' in html  # 31 × 2.345,67
    assert re.search(r"<th scope=\"row\">Fakturaer</th><td class=\"num\">1</td><td class=\"num\">1</td>", html)
    assert "Esbjerg Kommune" in html and "Ja, udsted 1 faktura og 0 kreditnotaer" in html
    assert f'name="expected" value="1:0:{plan.total_ore}"' in html and 'name="confirm" value="1"' in html

    stale = client.post("/afregning/", {"month": "2026-01", "confirm": "1", "expected": "1:0:1"})
    assert stale.status_code == 200 and "Tallene har ændret sig" in stale.content.decode()  # other figures: asked again
    assert not Invoice.objects.exists() and not SettlementRun.objects.exists()

    issued = client.post("/afregning/", {"month": "2026-01", "confirm": "1", "expected": f"1:0:{plan.total_ore}"})
    assert issued.status_code == 302 and issued["Location"] == "/afregning/udstedt/?month=2026-01"
    invoice = Invoice.objects.get()
    result = client.get(issued["Location"]).content.decode()
    assert "Udstedt: 1 fakturaer og 0 kreditnotaer for januar 2026." in result
    assert f'<a href="/afregning/fakturaer/{invoice.pk}/">{invoice.number}</a>' in result
    assert f'<strong id="result-total">{total}</strong>' in result
    again = client.post("/afregning/", {"month": "2026-01"}, follow=True)
    assert "allerede afregnet" in again.content.decode() and Invoice.objects.count() == 1
    assert client.get(f"/afregning/fakturaer/{invoice.pk}/").status_code == 200
    assert client.get("/afregning/udstedt/?month=2026-02").status_code == 404  # not issued
    assert client.get("/afregning/udstedt/?month=2026-01").status_code == 200


def test_the_settlement_page_loads_its_preview_beside_it(world, client):
    """The page answers at once; the preview (the month's plan) comes from its own address, which htmx loads into
    the page, and without JavaScript the page's link opens it as a whole page."""
    assert client.login(username=world["seller_user"].username, password=PASSWORD)
    page = client.get("/afregning/?month=2026-01").content.decode()
    assert 'hx-get="/afregning/forhaandsvisning/?month=2026-01"' in page and "Faktura til" not in page
    assert 'href="/afregning/forhaandsvisning/?month=2026-01"' in page
    partial = client.get("/afregning/forhaandsvisning/?month=2026-01", HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert partial.status_code == 200 and "Faktura til Esbjerg Kommune" in text and "<html" not in text
    assert 'action="/afregning/"' in text and not Invoice.objects.exists()
    outside = client.get("/afregning/forhaandsvisning/?month=2060-01", HTTP_HX_REQUEST="true")
    assert outside.status_code == 200 and "Ingen rammeaftale for Region Syddanmark gælder den 01.01.2060" in (
        outside.content.decode())


def _preview(client, query: str, *, htmx: bool = True) -> tuple[int, str]:
    answer = client.get(f"/afregning/forhaandsvisning/?{query}", **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    return answer.status_code, answer.content.decode()


def test_a_large_preview_sums_up_each_invoice_and_loads_its_lines_on_demand(world, client, monkeypatch):
    """Over the inline limit the preview gives each invoice and credit note as a summary (lines, corrections, total)
    with the issue button at the top; a document's lines come when it is opened (htmx, `toggle once`), and without
    JavaScript its link gives the whole page with them shown."""
    monkeypatch.setattr(billing_views, "PREVIEW_INLINE_LINES", 0)
    for month in (1, 2):
        settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=month, issue_date=ISSUE)
    placement_services.placement_end_date_set(actor=world["caseworker"], placement=world["placement"],
                                              end_date=date(YEAR, 1, 20), reason="Fejlregistrering",
                                              today=date(YEAR, 3, 2), operator_agreement="Aftalt med Odense 2.3.")
    reference, esbjerg = world["placement"].reference, world["esbjerg"]
    assert client.login(username=world["seller_user"].username, password=PASSWORD)
    status, summary = _preview(client, f"month={YEAR}-03")
    assert status == 200 and "<html" not in summary and reference not in summary
    assert "Faktura til Esbjerg Kommune" in summary and "1 linje, 1 rettelse</summary>" in summary
    assert "<dd>1 med 1 linje: 1 rettelse, 0 med foreløbig takst, 0 med dage over 12 mdr." in summary
    assert "<dd>2 med 2 linjer</dd>" in summary  # January's and February's invoices credited
    assert summary.index("Udsted fakturaer") < summary.index("Faktura til Esbjerg Kommune")
    lines_url = f"/afregning/forhaandsvisning/?month={YEAR}-03&amp;buyer={esbjerg.pk}"
    assert f'hx-get="{lines_url}" hx-trigger="toggle once"' in summary
    assert f'href="{lines_url}#faktura-{esbjerg.pk}"' in summary

    status, lines = _preview(client, f"month={YEAR}-03&buyer={esbjerg.pk}")
    assert status == 200 and "<html" not in lines and "<table class=\"data\">" in lines
    assert f"Placering {reference}, Døgnophold, 01.01–19.01.{YEAR}: 19 dage" in lines and "rettelse" in lines
    status, page = _preview(client, f"month={YEAR}-03&buyer={esbjerg.pk}", htmx=False)
    assert status == 200 and "<html" in page and "<details open>" in page
    assert f"Placering {reference}, Døgnophold, 01.01–19.01.{YEAR}" in page and "Udsted fakturaer" in page

    january = Invoice.objects.get(run__month=1)
    assert f'hx-get="/afregning/forhaandsvisning/?month={YEAR}-03&amp;credit={january.pk}"' in summary
    status, credited = _preview(client, f"month={YEAR}-03&credit={january.pk}")
    assert status == 200 and credited.count("<tr><td>") == 1
    assert f">{31 * 234_567 // 100:,}".replace(",", ".") in credited


def test_a_preview_within_the_inline_limit_shows_every_line_at_once(world, client):
    assert client.login(username=world["seller_user"].username, password=PASSWORD)
    status, text = _preview(client, "month=2026-01")
    assert status == 200 and "<details open>" in text and "hx-trigger=\"toggle once\"" not in text
    assert f"Placering {world['placement'].reference}, Døgnophold, 01.01–31.01.2026: 31 dage" in text


def test_lines_only_of_an_invoice_the_users_own_organisation_would_issue(world, client, copenhagen, make_user,
                                                                        monkeypatch):
    """The preview is always the acting user's own organisation's as seller: a buyer it does not invoice this month,
    another organisation's user asking for Odense's buyer, or an id that is no number gives the 404 page, no lines."""
    monkeypatch.setattr(billing_views, "PREVIEW_INLINE_LINES", 0)
    reference, esbjerg = world["placement"].reference, world["esbjerg"]
    assert client.login(username=world["seller_user"].username, password=PASSWORD)
    for query in (f"buyer={copenhagen.pk}", f"buyer={world['odense'].pk}", "buyer=x", "credit=1", "buyer="):
        for htmx in (True, False):
            status, text = _preview(client, f"month=2026-01&{query}", htmx=htmx)
            assert status == 404 and reference not in text, (query, htmx)
    for outsider in (make_user(copenhagen, Role.ECONOMIST), world["buyer_user"]):
        client.force_login(outsider)
        for htmx in (True, False):
            status, text = _preview(client, f"month=2026-01&buyer={esbjerg.pk}", htmx=htmx)
            assert status == 404 and reference not in text
        status, text = _preview(client, "month=2026-01")
        assert status == 200 and "Faktura til Esbjerg Kommune" not in text and reference not in text
    client.force_login(make_user(world["odense"], Role.CASEWORKER))
    assert client.get(f"/afregning/forhaandsvisning/?month=2026-01&buyer={esbjerg.pk}").status_code == 403


def test_other_organisations_do_not_see_the_invoices(world, client, copenhagen, make_user):
    settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    outsider = make_user(copenhagen, Role.ECONOMIST)
    assert client.login(username=outsider.username, password=PASSWORD)
    invoice = Invoice.objects.get()
    assert client.get(f"/afregning/fakturaer/{invoice.pk}/").status_code == 404
    assert invoice.number not in client.get("/afregning/fakturaer/").content.decode()


def test_the_invoice_list_filters_by_other_party_and_kind_and_nets_each_side(world, client):
    """Issue 16: the list filters (the other party's name, type) and pages; with both sides shown it nets what was
    sold and what was bought apart (one sum of both would mean nothing), and a filtered export holds what is shown."""
    for month in (1, 2):
        settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=month, issue_date=ISSUE)
    placement_services.placement_end_date_set(actor=world["caseworker"], placement=world["placement"],
                                              end_date=date(YEAR, 1, 20), reason="Fejlregistrering",
                                              today=date(YEAR, 3, 2), operator_agreement="Aftalt med Odense 2.3.")
    settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=3, issue_date=ISSUE)
    net = 19 * 234_567  # January's 19 days, after the two credit notes
    assert client.login(username=world["seller_user"].username, password=PASSWORD)

    def rows(query: str) -> tuple[list[str], str]:
        page = client.get(f"/afregning/fakturaer/?{query}").content.decode()
        body = page.split('<table class="data" id="invoice-table">')[1].split("</tbody>")[0]
        return re.findall(r'<a href="/afregning/fakturaer/\d+/">([^<]+)</a>', body), page

    everything, page = rows("")
    assert len(everything) == 5
    assert f"sendt for {format_kr(net)} og modtaget for 0,00 kr." in page
    assert rows("party=esbj")[0] == everything  # the buyer's name, any case
    assert rows("party=Odense")[0] == []  # the own organisation is never the other party
    credits, page = rows("kind=credit_note")
    assert len(credits) == 2 and "sendt for -" in page and "<tfoot>" not in page
    assert rows("kind=credit_note&party=Esbjerg")[0] == credits
    sent, page = rows("side=sent")
    assert sent == everything and f'<th class="num">{format_kr(net)}</th>' in page
    export = client.get("/afregning/fakturaer/kontering.csv?kind=credit_note").content.decode()
    exported = set(re.findall(r"\d+-\d{6}-K?\d{3}", export))
    assert exported == set(credits)


def test_the_api_previews_issues_and_serves_oioubl(world, client):
    from rammeaftale.einvoice.validate import oioubl_validate

    seller = {"HTTP_AUTHORIZATION": _basic(world["seller_user"].username)}
    preview = client.get("/api/billing/settlement/2026-01", **seller)
    assert preview.status_code == 200
    body = preview.json()
    assert (body["total_ore"], body["total_kr"], body["already_issued"]) == (7_271_577, "72715.77", False)
    bad = client.get("/api/billing/settlement/januar", **seller)
    assert bad.status_code == 400 and bad.json()["field"] == "month" and "ÅÅÅÅ-MM" in bad.json()["message"]
    issued = client.post("/api/billing/settlement", {"month": "2026-01"}, content_type="application/json", **seller)
    assert issued.status_code == 200 and issued.json()["created"] is True
    again = client.post("/api/billing/settlement", {"month": "2026-01"}, content_type="application/json", **seller)
    assert again.json()["created"] is False
    buyer = {"HTTP_AUTHORIZATION": _basic(world["buyer_user"].username)}
    [received] = client.get("/api/billing/invoices?side=received", **buyer).json()
    assert received["total_ore"] == 7_271_577 and received["lines"][0]["account_code"] == "5.38.50"
    xml = client.get(f"/api/billing/invoices/{received['id']}/oioubl", **buyer)
    assert xml.status_code == 200 and oioubl_validate(xml.content) == []
    caseworker = {"HTTP_AUTHORIZATION": _basic(world["caseworker_user"].username)}
    assert client.get(f"/api/billing/invoices/{received['id']}", **caseworker).status_code == 404


def test_the_console_previews_and_issues(world, capsys):
    import json

    from django.core.management import call_command

    call_command("settlement", "run", "--month", "2026-01")
    preview = json.loads(capsys.readouterr().out)
    assert preview["sellers"][0]["total_ore"] == 7_271_577 and not Invoice.objects.exists()
    call_command("settlement", "run", "--month", "2026-01", "--issue")
    issued = json.loads(capsys.readouterr().out)
    assert issued["sellers"][0]["created"] is True and Invoice.objects.count() == 1


def _basic(username: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()


def test_hours_and_an_add_on_service_are_invoiced_with_the_basis(world, system):
    from rammeaftale.placements.models import PlacementService

    offer = world["offer"]
    support = registry_services.service_create(actor=system, offer=offer, name="Støtte § 85", unit="hour",
                                               kind="tillaeg")
    Tariff.objects.create(service=support, year=YEAR, amount_ore=52_000, origin=TariffOrigin.PUBLISHED)
    bought = PlacementService.objects.create(placement=world["placement"], service=support,
                                             valid_from=date(YEAR, 1, 1))
    for day, minutes in ((date(YEAR, 1, 5), 90), (date(YEAR, 1, 6), 45)):
        placement_services.hours_register(actor=system, placement_service=bought, day=day, minutes=minutes)
    with pytest.raises(DomainError, match="hele kvarterer"):
        placement_services.hours_register(actor=system, placement_service=bought, day=date(YEAR, 1, 7), minutes=50)
    [invoice] = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE).invoices
    lines = {line.service.name: line for line in invoice.lines.all()}
    assert (lines["Støtte § 85"].quantity, lines["Støtte § 85"].amount_ore) == (135, 117_000)  # 2,25 t × 520 kr.
    assert invoice.total_ore == 31 * 234_567 + 117_000
    from rammeaftale.billing.documents import invoice_oioubl
    from rammeaftale.einvoice.validate import oioubl_validate

    assert oioubl_validate(invoice_oioubl(invoice)) == []


def test_the_12_month_claim_counts_day_by_day_on_the_invoice_and_in_the_posting_file(world):
    from rammeaftale.billing.documents import posting_csv

    # Issued 20 December the year after: help on 10–19 December is more than 12 months old, 20–31 December is not.
    result = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR - 1, month=12,
                              issue_date=date(YEAR, 12, 20))
    [invoice] = result.invoices
    [line] = invoice.lines.all()
    assert (line.quantity, line.rate_ore) == (22, 230_000)
    assert (line.late_claim, line.late_days, line.late_amount_ore) == (True, 10, 10 * 230_000)
    assert invoice.has_late_claims and "10 dage ydet for mere end 12 måneder siden" in line.description
    row = posting_csv(Invoice.objects.filter(pk=invoice.pk)).decode("utf-8-sig").splitlines()[1].split(";")
    assert row[-2:] == ["10", "23000,00"]


def test_posting_files_write_formulas_in_names_as_text_and_amounts_as_numbers(world):
    """Issue 11: posting.csv wrote @SUM(1+1) unescaped and the XLSX made =HYPERLINK(…) a live formula."""
    import csv
    import io

    from rammeaftale.billing.documents import posting_csv, posting_xlsx

    settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    placement_services.placement_end_date_set(actor=world["caseworker"], placement=world["placement"],
                                              end_date=date(YEAR, 1, 20), reason="Fejlregistrering",
                                              today=date(YEAR, 3, 2), operator_agreement="Aftalt med Odense 2.3.")
    settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=3, issue_date=ISSUE)
    type(world["basis"]).objects.filter(pk=world["basis"].pk).update(name=HYPERLINK)
    type(world["odense"]).objects.filter(pk=world["odense"].pk).update(name=AT_SUM)
    InvoiceLine.objects.update(account_code="-5.38.50")
    invoices = Invoice.objects.filter(buyer=world["esbjerg"])
    rows = list(csv.reader(io.StringIO(posting_csv(invoices).decode("utf-8-sig")), delimiter=";"))
    header, lines = rows[0], rows[1:]
    column = {name: index for index, name in enumerate(header)}
    assert {line[column["Ydelse"]] for line in lines} == {"'" + HYPERLINK}
    assert {line[column["Sælger"]] for line in lines} == {"'@SUM(1+1) Kommune"}
    assert {line[column["Kontostreng"]] for line in lines} == {"'-5.38.50"}
    assert "-72715,77" in {line[column["Beløb (kr.)"]] for line in lines}  # a credit note's amount stays a number
    assert_text_not_formula(posting_xlsx(invoices, title="Kontering"), HYPERLINK, AT_SUM, "-5.38.50")


def test_line_texts_are_written_exactly_whatever_the_names_hold(world, system):
    """The lines go to the database as CSV rows (COPY on PostgreSQL): quotes, commas, semicolons and a line break in a
    service's name, an empty account code and hour, day and whole-month quantities all arrive as the plan has them."""
    from rammeaftale.placements.models import PlacementService

    name = 'Døgn "A", del 1;\nnat'
    type(world["basis"]).objects.filter(pk=world["basis"].pk).update(name=name)
    AccountMapping.objects.all().delete()  # no account code for the lines: the empty text, not NULL
    monthly = registry_services.service_create(actor=system, offer=world["offer"], name="Tilvalg, måned",
                                               unit="month", kind="tilvalg")
    Tariff.objects.create(service=monthly, year=YEAR, amount_ore=1_234_550, origin=TariffOrigin.PUBLISHED)
    hourly = registry_services.service_create(actor=system, offer=world["offer"], name="Støtte", unit="hour",
                                              kind="tillaeg")
    Tariff.objects.create(service=hourly, year=YEAR, amount_ore=52_000, origin=TariffOrigin.PUBLISHED)
    for service in (monthly, hourly):
        bought = PlacementService.objects.create(placement=world["placement"], service=service,
                                                 valid_from=date(YEAR, 1, 1))
    placement_services.hours_register(actor=system, placement_service=bought, day=date(YEAR, 1, 5), minutes=75)
    plan = settlement_plan(actor=world["seller"], seller=world["odense"], year=YEAR, month=1, issue_date=ISSUE)
    [invoice] = settlement_issue(actor=world["seller"], seller=world["odense"], year=YEAR, month=1,
                                 issue_date=ISSUE).invoices
    reference = world["placement"].reference
    written = sorted((line.service_id, line.description, line.account_code, line.late_claim, line.credited_line_id)
                     for line in invoice.lines.all())
    assert written == sorted([
        (world["basis"].pk, f"Placering {reference}, {name}, 01.01–31.01.{YEAR}: 31 dage à 2.345,67 kr.", "", False,
         None),
        (monthly.pk, f"Placering {reference}, Tilvalg, måned, 01.01–31.01.{YEAR}: hel måned à 12.345,50 kr.", "",
         False, None),
        (hourly.pk, f"Placering {reference}, Støtte, 01.01–31.01.{YEAR}: 1:15 timer à 520,00 kr.", "", False, None),
    ])
    assert sorted((p.line.service_id, p.description) for p in plan.invoices[0].lines) == [
        (service_id, text) for service_id, text, *_ in written]
    assert invoice.total_ore == plan.total_ore == 31 * 234_567 + 1_234_550 + 65_000


def test_where_the_rules_require_an_open_tariff_list_each_sellers_plan_names_its_own_closed_tariffs(
        agreements, make_offer, make_user, actor_of, system):
    """Sjælland 2025–26 settles only by an open tariff list: a seller's plan names the tariffs it prices that have no
    basis of calculation (a published one, not a provisional one), and only its own, when two sellers are planned at
    once (the tariffs are read once for all of them)."""
    from rammeaftale.billing.settlement import settlement_plans
    from rammeaftale.parties.models import Organisation
    from rammeaftale.placements.models import PlacementService

    roskilde, koege, greve = (Organisation.objects.get(kind="municipality", code=code) for code in ("265", "259", "253"))
    for organisation, body in ((roskilde, "579800000265"), (koege, "579800000259"), (greve, "579800000253")):
        organisation.ean = gln(body)  # the buyer's invoice is not held back
        organisation.address, organisation.postcode, organisation.city = "Rådhuset 1", "4000", organisation.name
        organisation.save()
    caseworker = actor_of(make_user(greve, Role.CASEWORKER))
    for seller, published, provisional in ((roskilde, "Døgn Roskilde", "Nat Roskilde"),
                                           (koege, "Døgn Køge", "Nat Køge")):
        offer = make_offer(seller, name=f"Bostedet {seller.name}", places=5)
        for name, origin in ((published, TariffOrigin.PUBLISHED), (provisional, TariffOrigin.PROVISIONAL)):
            service = registry_services.service_create(actor=system, offer=offer, name=name, unit="day",
                                                       kind="basis" if origin == TariffOrigin.PUBLISHED else "tilvalg")
            Tariff.objects.create(service=service, year=YEAR, amount_ore=200_000, origin=origin)
        placement = placement_request(actor=caseworker, request=PlacementRequest(
            offer=offer, paying_municipality=greve, citizen_name="Anna Andersen", cpr="0101901234",
            start_date=date(YEAR, 1, 1)))
        PlacementService.objects.create(placement=placement, service=offer.services.get(name=provisional),
                                        valid_from=date(YEAR, 1, 1))
    actor = Actor.system()
    plans = settlement_plans(actor=actor, sellers=[roskilde, koege], year=YEAR, month=1, issue_date=ISSUE)
    for plan, own, other in zip(plans, ("Døgn Roskilde", "Døgn Køge"), ("Døgn Køge", "Døgn Roskilde"), strict=True):
        [warning] = [w for w in plan.warnings if "åben takstoversigt" in w]
        assert f"1 takster i kørslen har intet beregningsgrundlag i systemet: «{own}»" in warning
        assert other not in warning and "Nat" not in warning
        [invoice] = plan.invoices  # the published and the provisional service, both charged
        assert sorted(p.line.service_id for p in invoice.lines) == sorted(Tariff.objects.filter(
            service__offer__operator=plan.seller).values_list("service_id", flat=True))
    assert [plan.warnings for plan in plans] == [
        settlement_plan(actor=actor, seller=seller, year=YEAR, month=1, issue_date=ISSUE).warnings
        for seller in (roskilde, koege)]
