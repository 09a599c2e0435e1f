"""The § 176 claim statement from the invoices a municipality received (issue 14, part 2): the year's thresholds
(sourced, or entered by a secretariat with their source), children of one household as one case, and the exports."""
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.billing.models import AccountMapping
from rammeaftale.billing.settlement import settlement_issue
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.economy.refusion import refusion_claim, refusion_thresholds_enter, thresholds_for
from rammeaftale.placements.models import Placement
from rammeaftale.placements.services import (
    PlacementRequest,
    placement_end_date_set,
    placement_household_set,
    placement_request,
)
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import LegalParagraph
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from tests.services.test_settlement import invoicing_ready

YEAR = 2026
BANDS_2026 = [(Decimal("900000"), Decimal("25")), (Decimal("1750000"), Decimal("50")),
              (Decimal("2200000"), Decimal("75"))]  # made-up figures for the test: a real year needs its source


@pytest.fixture
def world(agreements, odense, esbjerg, secretariat_syd, make_offer, make_user, actor_of, system):
    invoicing_ready(odense, esbjerg)
    offer = make_offer(odense, name="Døgninstitutionen Søen", paragraphs=("sel-108",), places=5)
    basis = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
    Tariff.objects.create(service=basis, year=YEAR, amount_ore=600_000, origin=TariffOrigin.PUBLISHED)  # 6,000 kr.
    AccountMapping.objects.create(paragraph=LegalParagraph.objects.get(code="sel-108"), account_code="5.38.50")
    caseworker = actor_of(make_user(esbjerg, Role.CASEWORKER))
    placements = {}
    for name, cpr, start in (("Ida Holm", "0101154234", date(YEAR, 1, 1)),  # a child, all year
                             ("Emil Holm", "0202174234", date(YEAR, 9, 1)),  # her brother, from September
                             ("Mads Berg", "0303901234", date(YEAR, 1, 1))):  # an adult, all year
        placements[name] = placement_request(actor=caseworker, request=PlacementRequest(
            offer=offer, paying_municipality=esbjerg, citizen_name=name, cpr=cpr, start_date=start))
    seller = actor_of(make_user(odense, Role.ECONOMIST))
    for month in range(1, 12):
        settlement_issue(actor=seller, seller=odense, year=YEAR, month=month, issue_date=date(YEAR, 12, 1))
    return {"placements": placements, "caseworker": caseworker, "esbjerg": esbjerg, "seller": seller,
            "economist": actor_of(make_user(esbjerg, Role.ECONOMIST)),
            "secretariat": actor_of(make_user(secretariat_syd, Role.SECRETARIAT))}


def test_a_year_without_thresholds_says_so_and_a_secretariat_enters_them_with_their_source(world):
    assert thresholds_for(2022).source and thresholds_for(2021) is None and thresholds_for(YEAR) is None
    claim = refusion_claim(actor=world["economist"], municipality_id=world["esbjerg"].pk, year=YEAR)
    assert claim.result is None and "ingen tærskler for 2026" in claim.missing_da
    with pytest.raises(NotAllowed):
        refusion_thresholds_enter(actor=world["economist"], year=YEAR, bands=BANDS_2026, source="Bek. nr. 1")
    with pytest.raises(DomainError, match="kildebelagte"):
        refusion_thresholds_enter(actor=world["secretariat"], year=2022, bands=BANDS_2026, source="x")
    with pytest.raises(DomainError, match="Angiv kilden"):
        refusion_thresholds_enter(actor=world["secretariat"], year=YEAR, bands=BANDS_2026, source=" ")
    with pytest.raises(DomainError, match="stige"):
        refusion_thresholds_enter(actor=world["secretariat"], year=YEAR, bands=list(reversed(BANDS_2026)),
                                  source="Bek. nr. 1")
    refusion_thresholds_enter(actor=world["secretariat"], year=YEAR, bands=BANDS_2026, source="Testens tal")
    assert [band.threshold_kr for band in thresholds_for(YEAR).bands] == [900000, 1750000, 2200000]
    assert AuditEvent.objects.filter(event_type="refusion.thresholds_entered").count() == 1


def test_the_claim_sums_the_invoices_per_citizen_and_a_households_children_as_one_case(world):
    refusion_thresholds_enter(actor=world["secretariat"], year=YEAR, bands=BANDS_2026, source="Testens tal")
    caseworker, placements = world["caseworker"], world["placements"]
    for name in ("Ida Holm", "Emil Holm", "Mads Berg"):
        placement_household_set(actor=caseworker, placement=placements[name], household_key="Familien Holm"
                                if name != "Mads Berg" else "Berg")
    claim = refusion_claim(actor=world["economist"], municipality_id=world["esbjerg"].pk, year=YEAR)
    # January–November: 334 days × 6,000 = 2,004,000 kr. each all year; Emil 91 days (September–November) = 546,000.
    by_name = {citizen.name: citizen for citizen in claim.citizens}
    assert by_name["Ida Holm"].expenses_kr == Decimal("2004000.00")
    assert by_name["Emil Holm"].expenses_kr == Decimal("546000.00")
    assert claim.left_out_households == ["Mads Berg (030390-****): 36 år, husstand «Berg»"]
    lines = {line.household or line.case_ids[0]: line for line in claim.result.lines}
    household = lines["Familien Holm"]  # 2,550,000: 25 % × 850,000 + 50 % × 450,000 + 75 % × 350,000
    assert household.expenses_kr == Decimal("2550000.00")
    assert household.refusion_kr == Decimal("212500.00") + Decimal("225000.00") + Decimal("262500.00")
    adult = lines[placements["Mads Berg"].reference]  # 2,004,000: 25 % × 850,000 + 50 % × 254,000
    assert adult.refusion_kr == Decimal("212500.00") + Decimal("127000.00")
    assert claim.result.total_kr == Decimal("1039500.00")
    with pytest.raises(DomainError, match="CPR-nummer"):
        placement_household_set(actor=caseworker, placement=placements["Mads Berg"], household_key="030390-1234")


def test_only_the_municipalitys_economists_see_the_claim_and_it_downloads(world, make_user, client, copenhagen,
                                                                         actor_of):
    refusion_thresholds_enter(actor=world["secretariat"], year=YEAR, bands=BANDS_2026, source="Testens tal")
    for actor in (world["caseworker"], actor_of(make_user(copenhagen, Role.ECONOMIST))):
        with pytest.raises(NotAllowed):
            refusion_claim(actor=actor, municipality_id=world["esbjerg"].pk, year=YEAR)
    client.force_login(make_user(world["esbjerg"], Role.ECONOMIST))
    page = client.get("/oekonomi/refusion/", {"aar": YEAR})
    html = page.content.decode()
    assert page.status_code == 200 and "Ida Holm" in html and "Mads Berg" in html
    workbook = client.get("/oekonomi/refusion/eksport.xlsx", {"aar": YEAR})
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=5, values_only=True) if row[1]]
    assert names == ["Ida Holm", "Mads Berg"]   # no household keys here; Emil (546,000 kr.) is under
    assert sheet.cell(row=5, column=4).value is not None
    pdf = client.get("/oekonomi/refusion/eksport.pdf", {"aar": YEAR})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_secretariat_enters_a_year_on_its_page(world, secretariat_syd, make_user, client):
    client.force_login(make_user(secretariat_syd, Role.SECRETARIAT))
    assert client.get("/oekonomi/refusion/").status_code == 302  # the secretariat has the thresholds, not a claim
    page = client.get("/oekonomi/refusion/taerskler/")
    assert page.status_code == 200 and "2022" in page.content.decode()
    refused = client.post("/oekonomi/refusion/taerskler/", {"year": YEAR, "band_1_kr": "900000", "band_1_pct": "25",
                                                           "band_2_kr": "1750000", "source": "Bek. nr. 1"})
    assert refused.status_code == 400 and "Udfyld både tærsklen og procenten" in refused.content.decode()
    saved = client.post("/oekonomi/refusion/taerskler/", {"year": YEAR, "band_1_kr": "900000", "band_1_pct": "25",
                                                         "source": "Bek. nr. 1"})
    assert saved.status_code == 302 and thresholds_for(YEAR).source == "Bek. nr. 1"


def test_the_economy_page_links_what_the_role_may_use(world, make_user, client):
    client.force_login(make_user(world["esbjerg"], Role.ECONOMIST))
    html = client.get("/oekonomi/").content.decode()
    assert "/oekonomi/refusion/?aar=2025" in html and "/oekonomi/udgiftsstigninger/" in html
    client.force_login(make_user(world["esbjerg"], Role.CASEWORKER))
    assert "/oekonomi/refusion/?aar" not in client.get("/oekonomi/").content.decode()


def test_a_credit_note_counts_against_the_expense(world):
    refusion_thresholds_enter(actor=world["secretariat"], year=YEAR, bands=BANDS_2026, source="Testens tal")
    ida = world["placements"]["Ida Holm"]
    before = refusion_claim(actor=world["economist"], municipality_id=world["esbjerg"].pk, year=YEAR)
    assert {c.name: c.expenses_kr for c in before.citizens}["Ida Holm"] == Decimal("2004000.00")
    # Ida's place ended on 1 November: the next run credits November's 30 days.
    placement_end_date_set(actor=world["caseworker"], placement=ida, end_date=date(YEAR, 11, 1), reason="Flyttet",
                           today=date(YEAR, 12, 1), operator_agreement="Driftsherren, 1.12.")
    odense = ida.offer.operator
    settlement_issue(actor=world["seller"], seller=odense, year=YEAR, month=12, issue_date=date(YEAR, 12, 2))
    after = refusion_claim(actor=world["economist"], municipality_id=world["esbjerg"].pk, year=YEAR)
    assert {c.name: c.expenses_kr for c in after.citizens}["Ida Holm"] == Decimal("2004000.00") - 30 * 6000


def test_a_citizen_over_67_counts_only_when_covered_the_year_before_turning_67(world, esbjerg):
    refusion_thresholds_enter(actor=world["secretariat"], year=YEAR, bands=BANDS_2026, source="Testens tal")
    mads = world["placements"]["Mads Berg"]
    Placement.objects.filter(pk=mads.pk).update(birth_date=date(1950, 3, 3))  # 76 at the end of 2026
    claim = refusion_claim(actor=world["economist"], municipality_id=esbjerg.pk, year=YEAR)
    assert claim.left_out_over_67 == ["Mads Berg (030390-****): 76 år, ikke omfattet i året før 67-årsdagen (2016)"]
    assert "Mads Berg" not in {citizen.name for citizen in claim.citizens}


def test_a_citizen_over_67_covered_the_year_before_turning_67_stays(world, esbjerg, odense):
    refusion_thresholds_enter(actor=world["secretariat"], year=YEAR, bands=BANDS_2026, source="Testens tal")
    refusion_thresholds_enter(actor=world["secretariat"], year=YEAR - 1, bands=[(Decimal("100000"), Decimal("25"))],
                              source="Testens tal")
    mads = world["placements"]["Mads Berg"]  # 67 in 2026: the year before his 67th birthday's year is 2025
    Placement.objects.filter(pk=mads.pk).update(birth_date=date(1959, 6, 1), start_date=date(YEAR - 1, 12, 1))
    mads.services.update(valid_from=date(YEAR - 1, 12, 1))
    Tariff.objects.create(service=mads.services.get().service, year=YEAR - 1, amount_ore=500_000, origin="published")
    settlement_issue(actor=world["seller"], seller=odense, year=YEAR - 1, month=12, issue_date=date(YEAR, 1, 2))
    claim = refusion_claim(actor=world["economist"], municipality_id=esbjerg.pk, year=YEAR)
    assert claim.left_out_over_67 == []  # December 2025: 31 × 5,000 = 155,000 kr. over 2025's 100,000
    assert "Mads Berg" in {citizen.name for citizen in claim.citizens}


def test_days_in_the_municipalitys_own_offers_count_at_their_tariffs(world, make_offer, system):
    """Mads Berg also spends December in Esbjerg's own offer: 31 days at 1,000 kr. join his purchases; a month of
    the own offer without a tariff is left out and named."""
    refusion_thresholds_enter(actor=world["secretariat"], year=YEAR, bands=BANDS_2026, source="Testens tal")
    own = make_offer(world["esbjerg"], name="Esbjergs eget bosted", paragraphs=("sel-108",), places=5)
    basis = registry_services.service_create(actor=system, offer=own, name="Døgnophold", unit="day")
    Tariff.objects.create(service=basis, year=YEAR, amount_ore=100_000, origin=TariffOrigin.PUBLISHED)
    mads = world["placements"]["Mads Berg"]
    internal = placement_request(actor=world["caseworker"], request=PlacementRequest(
        offer=own, paying_municipality=world["esbjerg"], citizen_name="Mads Berg", cpr="0303901234",
        start_date=date(YEAR, 12, 1)))
    assert internal.is_internal
    claim = refusion_claim(actor=world["economist"], municipality_id=world["esbjerg"].pk, year=YEAR)
    citizen = next(citizen for citizen in claim.citizens if citizen.name == "Mads Berg")
    assert citizen.own_offers_kr == Decimal("31000.00")
    assert citizen.expenses_kr == Decimal("2004000.00") + Decimal("31000.00")
    assert set(citizen.placements) == {mads.reference, internal.reference} and claim.own_offers_missing == []
    Tariff.objects.filter(service=basis).delete()  # no tariff: the days are not guessed
    claim = refusion_claim(actor=world["economist"], municipality_id=world["esbjerg"].pk, year=YEAR)
    citizen = next(citizen for citizen in claim.citizens if citizen.name == "Mads Berg")
    assert citizen.own_offers_kr == 0 and "Døgnophold" in " ".join(claim.own_offers_missing)
