"""Sjælland's report of expense increases (issue 14, part 4): residential offers whose tariff rose more than 5 %
(compared unrounded), the operator's explanation, the steering group's status, XLSX and PDF."""
import io

import openpyxl
import pytest

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.economy.expense_report import expense_increase_status_set, expense_report
from rammeaftale.economy.models import DiscussionStatus, ExpenseIncreaseStatus
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.registry import services as registry_services
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from rammeaftale.tariffs.services import tariff_explanation_record
from tests.conftest import TODAY

YEAR = TODAY.year


def _org(kind: str, code: str) -> Organisation:
    return Organisation.objects.get(kind=kind, code=code)


@pytest.fixture
def sjaelland(agreements, make_offer, make_user, actor_of, system):
    roskilde = _org(OrganisationKind.MUNICIPALITY, "265")
    region = roskilde.region
    offers = {}
    # 2,000.00 → 2,100.01 kr. is 5.0005 %: over 5 % only unrounded; 2,000 → 2,100 is exactly 5 %: not over.
    for name, offer_type, before, after in (("Bostedet Domkirken", "residential", 200_000, 210_001),
                                            ("Bostedet Fjorden", "residential", 200_000, 210_000),
                                            ("Værkstedet Havnen", "day", 100_000, 120_000)):
        offer = make_offer(roskilde, name=name, offer_type=offer_type, places=5)
        service = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
        Tariff.objects.create(service=service, year=YEAR - 1, amount_ore=before, origin=TariffOrigin.PUBLISHED)
        Tariff.objects.create(service=service, year=YEAR, amount_ore=after, origin=TariffOrigin.PUBLISHED)
        offers[name] = offer
    secretariat = Organisation.objects.get(kind=OrganisationKind.SECRETARIAT, region=region)
    return {"region": region, "offers": offers,
            "operator": actor_of(make_user(roskilde, Role.ECONOMIST)),
            "secretariat": actor_of(make_user(secretariat, Role.SECRETARIAT))}


def test_only_residential_rises_over_five_percent_unrounded_are_reported(sjaelland):
    report = expense_report(actor=sjaelland["secretariat"], region_id=sjaelland["region"].pk, year=YEAR)
    assert report.applies and str(report.report_above_pct) == "5" and "seed-004" in report.rule_source
    assert [item.row.tariff.service.offer.name for item in report.rows] == ["Bostedet Domkirken"]
    [item] = report.rows
    assert (item.explanation, item.status, str(item.row.increase_pct)) == ("", DiscussionStatus.NOT_DISCUSSED,
                                                                           "5.00")


def test_the_operator_explains_and_the_secretariat_records_the_steering_groups_status(sjaelland):
    [item] = expense_report(actor=sjaelland["operator"], region_id=sjaelland["region"].pk, year=YEAR).rows
    assert item.row.may_explain  # a rise to be reported may be explained by its operator
    tariff_explanation_record(actor=sjaelland["operator"], tariff=item.row.tariff,
                              text="Ny nattevagt efter tilsynets påbud.")
    with pytest.raises(NotAllowed):
        expense_increase_status_set(actor=sjaelland["operator"], tariff_id=item.row.tariff.pk, status="discussed")
    with pytest.raises(DomainError, match="Ukendt status"):
        expense_increase_status_set(actor=sjaelland["secretariat"], tariff_id=item.row.tariff.pk, status="done")
    not_reported = Tariff.objects.get(service__offer=sjaelland["offers"]["Bostedet Fjorden"], year=YEAR)
    with pytest.raises(DomainError, match="ikke blandt årets udgiftsstigninger"):
        expense_increase_status_set(actor=sjaelland["secretariat"], tariff_id=not_reported.pk, status="discussed")
    assert not ExpenseIncreaseStatus.objects.exists()
    expense_increase_status_set(actor=sjaelland["secretariat"], tariff_id=item.row.tariff.pk, status="follow_up",
                                note="Driftsherren kommer igen i marts.")
    [item] = expense_report(actor=sjaelland["secretariat"], region_id=sjaelland["region"].pk, year=YEAR).rows
    assert (item.explanation, item.status_label, item.note) == (
        "Ny nattevagt efter tilsynets påbud.", "Drøftet; kræver opfølgning", "Driftsherren kommer igen i marts.")
    assert AuditEvent.objects.filter(event_type="expense_increase.status_set").count() == 1


def test_other_regions_and_other_roles_do_not_see_it_and_a_region_without_the_rule_has_no_report(
        sjaelland, esbjerg, secretariat_syd, region_syd, make_user, actor_of):
    with pytest.raises(NotAllowed):
        expense_report(actor=actor_of(make_user(esbjerg, Role.ECONOMIST)), region_id=sjaelland["region"].pk,
                       year=YEAR)
    syd = expense_report(actor=actor_of(make_user(secretariat_syd, Role.SECRETARIAT)), region_id=region_syd.pk,
                         year=YEAR)
    assert not syd.applies and syd.rows == []


def test_the_page_and_its_exports(sjaelland, make_user, client):
    secretariat = Organisation.objects.get(kind=OrganisationKind.SECRETARIAT, region=sjaelland["region"])
    client.force_login(make_user(secretariat, Role.SECRETARIAT))
    page = client.get("/oekonomi/udgiftsstigninger/", {"aar": YEAR})
    html = page.content.decode()
    assert page.status_code == 200 and "Bostedet Domkirken" in html and "Bostedet Fjorden" not in html
    tariff = Tariff.objects.get(service__offer=sjaelland["offers"]["Bostedet Domkirken"], year=YEAR)
    saved = client.post(f"/oekonomi/udgiftsstigninger/status/{tariff.pk}/", {"status": "discussed", "note": "OK",
                                                                             "aar": YEAR})
    assert saved.status_code == 302 and ExpenseIncreaseStatus.objects.get().status == "discussed"
    workbook = client.get("/oekonomi/udgiftsstigninger/eksport.xlsx", {"aar": YEAR})
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=5, values_only=True)] == ["Bostedet Domkirken"]
    assert sheet.cell(row=5, column=9).value == "Drøftet i styregruppen"
    pdf = client.get("/oekonomi/udgiftsstigninger/eksport.pdf", {"aar": YEAR})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/oekonomi/udgiftsstigninger/eksport.csv").status_code == 404
