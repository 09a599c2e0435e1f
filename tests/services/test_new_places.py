"""New places under Hovedstaden's economic model (issue 14, part 3): the subscription and the deficit guarantee's
shares become fixed charges, invoiced once by the operator's normal settlement run as their own lines, summing to
the øre; bad input is refused with nothing written."""
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from lxml import etree
from stdnum.dk import cvr

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.billing.documents import invoice_oioubl, posting_rows
from rammeaftale.billing.models import FixedCharge, Invoice, InvoiceLine, PaymentAccount
from rammeaftale.billing.settlement import settlement_issue, settlement_plan
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.economy import exports
from rammeaftale.economy.models import GuaranteeSharing, GuaranteeYear, NewPlacesArrangement, NewPlacesCharge
from rammeaftale.economy.new_places import (
    guarantee_year_decide,
    new_places_arrangement_create,
    new_places_arrangement_detail,
    new_places_arrangements,
)
from rammeaftale.economy.population import region_population
from rammeaftale.economy.spend import spend_overview
from rammeaftale.einvoice.validate import oioubl_validate
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements.services import PlacementRequest, placement_request
from rammeaftale.registry import services as registry_services
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from tests.services.test_settlement import gln

TODAY = date(2026, 3, 15)


@pytest.fixture
def world(agreements, region_hovedstaden, copenhagen, make_offer, make_user, actor_of):
    municipalities = list(Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY,
                                                      region=region_hovedstaden).order_by("code"))
    valid_cvrs = (str(number) for number in range(29_000_000, 30_000_000) if cvr.is_valid(str(number)))
    for number, organisation in enumerate(municipalities):  # what an e-invoice needs of the seller and the buyers
        organisation.ean, organisation.cvr = gln(f"57980000{number:04d}"), next(valid_cvrs)
        organisation.address, organisation.postcode, organisation.city = "Rådhuset 1", "2000", organisation.name
        organisation.save()
    by_code = {organisation.code: organisation for organisation in municipalities}
    copenhagen = by_code["101"]  # with its e-invoice data
    PaymentAccount.objects.create(organisation=copenhagen, reg_no="1234", account_no="0001234567")
    offer = make_offer(copenhagen, name="Bofællesskabet Nyhavn", places=12)
    secretariat = Organisation.objects.get(kind=OrganisationKind.SECRETARIAT, code="1084")
    return {"offer": offer, "copenhagen": copenhagen, "by_code": by_code,
            "secretariat": actor_of(make_user(secretariat, Role.SECRETARIAT)),
            "seller": actor_of(make_user(copenhagen, Role.ECONOMIST)),
            "frederiksberg": actor_of(make_user(by_code["147"], Role.ECONOMIST))}


def _create(world, **overrides):
    values = dict(offer_id=world["offer"].pk, kind="new_offer", places=12, first_year=2025,
                  participant_ids=[world["by_code"][code].pk for code in ("101", "147", "157")],
                  sharing=GuaranteeSharing.POPULATION, population_date=date(2024, 1, 1), subscription_years=3,
                  subscription_yearly_kr=Decimal("120000.50"), decision_reference="KKR Hovedstaden 12.03.2024, pkt. 4")
    values.update(overrides)
    return new_places_arrangement_create(actor=world["secretariat"], **values)


def test_the_subscription_is_charged_to_each_participant_but_the_operator_each_january(world):
    arrangement = _create(world)
    charges = FixedCharge.objects.filter(offer=world["offer"]).order_by("year", "buyer__code")
    # three years × the two participants that are not the operator (Copenhagen does not invoice itself)
    assert [(c.year, c.month, c.buyer.code, c.amount_ore) for c in charges] == [
        (year, 1, code, 12_000_050) for year in (2025, 2026, 2027) for code in ("147", "157")]
    own = NewPlacesCharge.objects.get(arrangement=arrangement, municipality=world["copenhagen"], year_of_operation=1)
    assert own.charge is None and own.amount_ore == 12_000_050
    event = AuditEvent.objects.get(event_type="economy.new_places_created")
    assert event.after["rulebook"].startswith("hovedstaden-2021-2022 v") and event.after["subscription_years"] == 3


def test_a_decided_year_is_split_by_population_to_the_ore_and_invoiced_once_as_its_own_lines(world):
    arrangement = _create(world, subscription_years=0, subscription_yearly_kr=Decimal("0"), participant_ids=[])
    decided = guarantee_year_decide(actor=world["secretariat"], arrangement_id=arrangement.pk, year_of_operation=1,
                                    deficit_kr=Decimal("1000000.01"), decision_reference="Regnskab 2025",
                                    today=TODAY)
    # 75 % of 1,000,000.01 kr. = 750,000.0075 kr. → 75,000,001 øre (half up), shared by the 29 municipalities
    assert decided.guarantee_pct == Decimal("75") and decided.guaranteed_ore == 75_000_001
    shares = list(NewPlacesCharge.objects.filter(guarantee_year=decided))
    population = region_population(on=date(2024, 1, 1), region_code=1084)
    assert len(shares) == 29 and sum(share.amount_ore for share in shares) == 75_000_001
    assert sum(share.population for share in shares) == sum(m.population for m in population.municipalities)
    frederiksberg = next(share for share in shares if share.municipality.code == "147")
    exact = Decimal(75_000_001) * 104899 / decided.population_total  # its exact share, rounded down or up by 1 øre
    assert frederiksberg.amount_ore - frederiksberg.extra_ore == int(exact)
    own = next(share for share in shares if share.municipality.code == "101")
    assert own.charge is None  # Copenhagen operates the offer: its share stays with it

    # The March run invoices the 28 other shares as their own lines, beside nothing else of the seller.
    plan = settlement_plan(actor=world["seller"], seller=world["copenhagen"], year=2026, month=3, issue_date=TODAY)
    assert len(plan.invoices) == 28 and plan.total_ore == 75_000_001 - own.amount_ore
    result = settlement_issue(actor=world["seller"], seller=world["copenhagen"], year=2026, month=3,
                              issue_date=TODAY)
    lines = InvoiceLine.objects.filter(invoice__run=result.run)
    assert lines.count() == 28 and all(line.charge_id and line.placement_id is None for line in lines)
    assert sum(line.amount_ore for line in lines) == 75_000_001 - own.amount_ore
    line = lines.get(invoice__buyer__code="147")
    assert line.amount_ore == frederiksberg.amount_ore and line.unit == "fixed" and line.quantity == 1
    assert "Underskudsgaranti driftsår 1 (2025)" in line.description
    # The e-invoice carries it as one amount; the posting file names it
    document = invoice_oioubl(line.invoice)
    assert oioubl_validate(document) == []  # the UBL schema and the OIOUBL rules
    xml = etree.fromstring(document)
    namespaces = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
    assert xml.find(".//cbc:InvoicedQuantity", namespaces).get("unitCode") == "EA"
    row = posting_rows([line.invoice])[0]
    assert row[7] == "" and row[8].startswith("Underskudsgaranti")
    # Invoiced once: the April run has nothing more, and recomputing March credits nothing
    april = settlement_issue(actor=world["seller"], seller=world["copenhagen"], year=2026, month=4,
                             issue_date=date(2026, 4, 1))
    assert april.invoices == [] and april.credit_notes == []
    detail = new_places_arrangement_detail(actor=world["frederiksberg"], arrangement_id=arrangement.pk, today=TODAY)
    (_, table), = detail.years
    assert table.total_ore == 75_000_001
    assert {row.share.municipality.code: row.invoice_number for row in table.rows}["147"] == line.invoice.number
    # The buyer's spending counts the share as a purchase in the year it covers, but as no citizen's case
    overview = spend_overview(actor=world["frederiksberg"], municipality_id=world["by_code"]["147"].pk,
                              first_year=2025, last_year=2025, today=date(2026, 12, 1))
    assert overview.years[0].purchases_ore == frederiksberg.amount_ore and overview.years[0].cases == 0


def test_a_share_stands_on_the_same_invoice_as_the_buyers_placements(world, system, make_user, actor_of):
    basis = registry_services.service_create(actor=system, offer=world["offer"], name="Døgnophold", unit="day")
    Tariff.objects.create(service=basis, year=2026, amount_ore=250_000, origin=TariffOrigin.PUBLISHED)
    caseworker = actor_of(make_user(world["by_code"]["147"], Role.CASEWORKER))
    placement = placement_request(actor=caseworker, request=PlacementRequest(
        offer=world["offer"], paying_municipality=world["by_code"]["147"], citizen_name="Anna Andersen",
        cpr="0101901234", start_date=date(2026, 3, 1)))
    arrangement = _create(world, subscription_years=0, participant_ids=[])
    guarantee_year_decide(actor=world["secretariat"], arrangement_id=arrangement.pk, year_of_operation=1,
                          deficit_kr=Decimal("1000000"), decision_reference="Regnskab 2025", today=TODAY)
    result = settlement_issue(actor=world["seller"], seller=world["copenhagen"], year=2026, month=3,
                              issue_date=TODAY)
    invoice = next(invoice for invoice in result.invoices if invoice.buyer.code == "147")
    lines = list(invoice.lines.order_by("id"))
    assert [(line.placement_id, line.charge_id is not None) for line in lines] == [(placement.pk, False),
                                                                                  (None, True)]
    assert lines[0].amount_ore == 31 * 250_000 and invoice.total_ore == sum(line.amount_ore for line in lines)
    assert oioubl_validate(invoice_oioubl(invoice)) == []


def test_sharing_among_the_participants_only(world):
    participants = [world["by_code"][code].pk for code in ("147", "157")]
    arrangement = _create(world, sharing=GuaranteeSharing.PARTICIPANTS, participant_ids=participants,
                          subscription_years=0)
    decided = guarantee_year_decide(actor=world["secretariat"], arrangement_id=arrangement.pk, year_of_operation=1,
                                    deficit_kr=Decimal("400000"), decision_reference="Regnskab 2025", today=TODAY)
    shares = {share.municipality.code: share.amount_ore for share in decided.shares.all()}
    # 75 % of 400,000 kr. = 300,000 kr. by population: Frederiksberg 104,899, Gentofte (157) its own figure
    assert set(shares) == {"147", "157"} and sum(shares.values()) == 30_000_000


def test_bad_input_is_refused_with_nothing_written(world, esbjerg, make_offer, make_user, actor_of):
    with pytest.raises(DomainError, match="højst gælde i 3 år") as error:
        _create(world, subscription_years=4)
    assert error.value.field == "subscription_years"
    with pytest.raises(DomainError, match="befolkningstal pr. 2023-01-01") as error:
        _create(world, population_date=date(2023, 1, 1))
    assert error.value.field == "population_date"
    with pytest.raises(DomainError, match="kommuner i regionen"):
        _create(world, participant_ids=[esbjerg.pk])
    with pytest.raises(NotAllowed):
        new_places_arrangement_create(actor=world["frederiksberg"], offer_id=world["offer"].pk, kind="new_offer",
                                      places=1, first_year=2025, participant_ids=[], sharing="population",
                                      population_date=date(2024, 1, 1), subscription_years=0,
                                      subscription_yearly_kr=Decimal(0), decision_reference="x")
    # Syddanmark's agreement has no such model
    syd_secretariat = Organisation.objects.get(kind=OrganisationKind.SECRETARIAT, code="1083")
    syd_offer = make_offer(esbjerg, name="Esbjerg Bo")
    with pytest.raises(DomainError, match="ingen økonomimodel for nye pladser") as error:
        new_places_arrangement_create(
            actor=actor_of(make_user(syd_secretariat, Role.SECRETARIAT)), offer_id=syd_offer.pk, kind="new_offer",
            places=1, first_year=2025, participant_ids=[], sharing="population", population_date=date(2024, 1, 1),
            subscription_years=0, subscription_yearly_kr=Decimal(0), decision_reference="x")
    assert error.value.field == "first_year"
    assert not NewPlacesArrangement.objects.exists() and not FixedCharge.objects.exists()

    arrangement = _create(world, subscription_years=0)
    decide = dict(actor=world["secretariat"], arrangement_id=arrangement.pk, decision_reference="Regnskab",
                  today=TODAY)
    with pytest.raises(DomainError, match="garanti i 3 driftsår") as error:
        guarantee_year_decide(year_of_operation=4, deficit_kr=Decimal("1"), **{**decide, "today": date(2030, 1, 1)})
    assert error.value.field == "year_of_operation"
    with pytest.raises(DomainError, match="negativt"):
        guarantee_year_decide(year_of_operation=1, deficit_kr=Decimal("-5"), **decide)
    with pytest.raises(DomainError, match="når året er slut"):
        guarantee_year_decide(year_of_operation=2, deficit_kr=Decimal("5"), **decide)  # 2026 is not over
    with pytest.raises(NotAllowed):
        guarantee_year_decide(year_of_operation=1, deficit_kr=Decimal("5"), **{**decide, "actor": world["seller"]})
    assert not GuaranteeYear.objects.exists() and not FixedCharge.objects.exists()
    guarantee_year_decide(year_of_operation=1, deficit_kr=Decimal("5"), **decide)
    with pytest.raises(DomainError, match="allerede fastsat"):
        guarantee_year_decide(year_of_operation=1, deficit_kr=Decimal("6"), **decide)
    assert GuaranteeYear.objects.count() == 1


def test_who_sees_the_arrangements_and_the_export(world, esbjerg, make_user, actor_of):
    arrangement = _create(world)
    assert new_places_arrangements(actor=world["frederiksberg"]) == [arrangement]
    outsider = actor_of(make_user(esbjerg, Role.ECONOMIST))
    assert new_places_arrangements(actor=outsider) == []
    with pytest.raises(NotFound):
        new_places_arrangement_detail(actor=outsider, arrangement_id=arrangement.pk, today=TODAY)
    guarantee_year_decide(actor=world["secretariat"], arrangement_id=arrangement.pk, year_of_operation=1,
                          deficit_kr=Decimal("1000000"), decision_reference="Regnskab 2025", today=TODAY)
    detail = new_places_arrangement_detail(actor=world["secretariat"], arrangement_id=arrangement.pk, today=TODAY)
    sheet = openpyxl.load_workbook(io.BytesIO(exports.new_places_xlsx(detail))).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    totals = [row[2] for row in values if row[0] == "I alt"]
    assert totals == [1080004.5, 750000]  # the subscription: 3 years × 3 participants × 120,000.50 kr.
    assert any(row[0] == "Frederiksberg" and row[4] == "ikke faktureret endnu" for row in values)
    assert Invoice.objects.count() == 0


def test_the_pages_set_up_decide_and_show_the_shares(world, client, make_user, monkeypatch):
    from rammeaftale.core import clock

    monkeypatch.setattr(clock, "today", lambda: TODAY)
    secretariat = Organisation.objects.get(kind=OrganisationKind.SECRETARIAT, code="1084")
    client.force_login(make_user(secretariat, Role.SECRETARIAT))
    page = client.get("/oekonomi/nye-pladser/")
    assert page.status_code == 200 and "Opret nye pladser under økonomimodellen" in page.content.decode()
    form = {"offer": world["offer"].pk, "kind": "new_offer", "places": "12", "first_year": "2025",
            "participants": [world["by_code"]["147"].pk], "sharing": "population", "population_date": "2024-01-01",
            "subscription_years": "4", "subscription_yearly": "100000", "decision_reference": "KKR 12.03.2024"}
    refused = client.post("/oekonomi/nye-pladser/", form)
    assert refused.status_code == 400 and "højst gælde i 3 år" in refused.content.decode()
    assert not NewPlacesArrangement.objects.exists()
    created = client.post("/oekonomi/nye-pladser/", {**form, "subscription_years": "2"})
    arrangement = NewPlacesArrangement.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/oekonomi/nye-pladser/{arrangement.pk}/"
    decided = client.post(created["Location"], {"year_of_operation": "1", "deficit": "1000000",
                                                "decision_reference": "Regnskab 2025"})
    assert decided.status_code == 302
    detail = client.get(created["Location"]).content.decode()
    assert "750.000,00 kr." in detail and "Frederiksberg" in detail and "egen andel" in detail
    export = client.get(f"{created['Location']}eksport.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")

    client.force_login(make_user(world["by_code"]["147"], Role.ECONOMIST))  # a buyer reads, but may not decide
    assert client.get(created["Location"]).status_code == 200
    assert client.post(created["Location"], {"year_of_operation": "2", "deficit": "1",
                                             "decision_reference": "x"}).status_code == 403
    assert client.post("/oekonomi/nye-pladser/", form).status_code == 403
    assert GuaranteeYear.objects.count() == 1


def test_the_hovedstaden_demo_invoices_its_new_offers_shares_to_the_ore(world, region_hovedstaden):
    from rammeaftale.accounts.actor import Actor
    from rammeaftale.demo.invoices import demo_invoices_issue
    from rammeaftale.demo.new_places import demo_new_places_build

    demo = Actor.system(username="demo")
    today = date(2026, 12, 7)
    report = demo_new_places_build(actor=demo, regions=[region_hovedstaden], today=today)
    assert report.offers == [world["offer"].name]
    issued = demo_invoices_issue(actor=demo, regions=[region_hovedstaden], first=date(2026, 11, 1), today=today)
    assert issued.problems == [] and issued.runs == 1
    decided = GuaranteeYear.objects.get()
    assert (decided.year_of_operation, decided.guaranteed_ore) == (1, 93_750_000)  # 75 % of 1,250,000 kr.
    invoiced = InvoiceLine.objects.filter(charge__new_places__guarantee_year=decided)
    own = decided.shares.get(charge__isnull=True)
    assert invoiced.count() == 28 and sum(line.amount_ore for line in invoiced) + own.amount_ore == 93_750_000
    # the subscription of 2025 and 2026 to the two participants besides the operator, invoiced in the same run
    assert InvoiceLine.objects.filter(charge__kind="subscription").count() == 4
