"""Styringsaftalens bilag: the offers annex and the tariff annex of an agreement's year, issued by the region's
secretariat as numbered versions (audited), downloadable by every party as PDF and XLSX."""
import io
import subprocess
from datetime import date

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.exports.annexes import files
from rammeaftale.exports.annexes.selectors import annex_versions, offer_states_on
from rammeaftale.exports.annexes.services import agreement_document_issue
from rammeaftale.exports.models import AgreementDocument, AnnexKind
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import Agreement
from rammeaftale.tariffs.models import Tariff
from tests.conftest import PASSWORD, TODAY
from tests.spreadsheets import HYPERLINK, assert_text_not_formula

YEAR = 2022  # a year of Hovedstaden's agreement 2021–2022


@pytest.fixture
def annex_world(agreements, copenhagen, make_offer, make_user, actor_of, system):
    """Two offers in Hovedstaden: Engen with 12 places, a category and tariffs for 2021–2022; Åen with neither
    capacity, category nor tariff."""
    engen = make_offer(copenhagen, name="Bofællesskabet Engen", places=12, paragraphs=("sel-108",))
    basis = registry_services.service_create(actor=system, offer=engen, name="Basistakst")
    Tariff.objects.create(service=basis, year=YEAR - 1, amount_ore=240_000, origin="published")
    Tariff.objects.create(service=basis, year=YEAR, amount_ore=255_467, monthly_ore=7_770_454, origin="published")
    registry_services.offer_category_set(actor=system, offer=engen, year=YEAR, category="hoejt_specialiseret")
    aaen = make_offer(copenhagen, name="Dagtilbuddet Åen", places=None, offer_type="day")
    secretariat = Organisation.objects.get(kind=OrganisationKind.SECRETARIAT, code="1084")
    return {
        "agreement": Agreement.objects.get(rulebook__key="hovedstaden-2021-2022"), "engen": engen, "aaen": aaen,
        "secretariat_user": make_user(secretariat, Role.SECRETARIAT),
        "secretariat": actor_of(make_user(secretariat, Role.SECRETARIAT)),
        "caseworker_user": make_user(copenhagen, Role.CASEWORKER),
        "caseworker": actor_of(make_user(copenhagen, Role.CASEWORKER)),
    }


def _issue(world, kind, *, year=YEAR, actor=None):
    return agreement_document_issue(actor=actor or world["secretariat"], agreement_id=world["agreement"].pk,
                                    year=year, kind=kind, today=TODAY)


def _pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return " ".join(text.decode().split())


def _xlsx_rows(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_offers_annex_lists_each_offer_with_operator_category_and_capacity_and_says_what_is_missing(annex_world):
    document = _issue(annex_world, AnnexKind.OFFERS)
    assert (document.version, document.year, document.data_as_of) == (1, YEAR, TODAY)
    rows = document.snapshot["rows"]
    assert [row["name"] for row in rows] == ["Bofællesskabet Engen", "Dagtilbuddet Åen"]  # the tariff list's order
    assert rows[0]["operator"] == "København Kommune" and rows[0]["places"] == 12
    assert rows[0]["category"] == "Højt specialiseret tilbud med regional betydning"
    assert rows[0]["paragraphs"] == ["SEL § 108"] and rows[1]["category"] is None and rows[1]["places"] is None

    text = _pdf_text(files.annex_pdf(document))
    assert "Tilbud omfattet af Styringsaftalen 2022" in text and "Version 1" in text
    assert "data pr. 06.12.2026" in text and "tilstand pr. 1. januar 2022" in text
    assert "Bofællesskabet Engen" in text and "Højt specialiseret tilbud med regional betydning" in text
    assert "Ikke kategoriseret for 2022" in text and "Ingen kapacitet registreret pr. 1. januar 2022" in text
    assert "2 tilbud; 1 uden kategori for 2022." in text

    table = _xlsx_rows(files.annex_xlsx(document))
    assert table[0][0] == "Tilbud omfattet af Styringsaftalen 2022"
    assert any("Version 1 · dannet" in str(row[0]) for row in table)
    header = table.index(["Tilbud", "Driftsherre", "Beliggenhedskommune", "Tilbudstype", "Lovgrundlag", "Målgrupper",
                          "Kategori", "Pladser"])
    assert table[header + 1][0] == "Bofællesskabet Engen" and table[header + 1][7] == 12
    assert table[header + 2][6:8] == ["Ikke kategoriseret for 2022", "Ingen kapacitet registreret pr. 1. januar 2022"]


def test_the_tariff_annex_has_the_years_tariffs_in_danish_format_and_says_so_for_an_offer_without(annex_world):
    document = _issue(annex_world, AnnexKind.TARIFFS)
    engen, aaen = document.snapshot["rows"]
    assert engen["tariffs"] == [{"service": "Basistakst", "kind": "Basisydelse", "unit": "døgn/dag",
                                 "amount_ore": 255_467, "monthly_ore": 7_770_454, "previous_ore": 240_000,
                                 "provisional": False}]
    assert aaen["tariffs"] == []
    text = _pdf_text(files.annex_pdf(document))
    assert "Takstbilag 2022" in text and "Version 1" in text
    assert "2.400,00 kr." in text and "2.554,67 kr." in text and "77.704,54 kr." in text
    assert "Ingen takst for 2022 endnu" in text and "1 takst for 2 tilbud; 1 tilbud uden takst for 2022." in text
    table = _xlsx_rows(files.annex_xlsx(document))
    row = next(row for row in table if row[0] == "Bofællesskabet Engen")
    assert row[2:8] == ["Basistakst", "Basisydelse", "døgn/dag", 2400, 2554.67, 77704.54]
    missing = next(row for row in table if row[0] == "Dagtilbuddet Åen")
    assert missing[8] == "Ingen takst for 2022 endnu"


def test_a_new_issue_is_the_next_version_the_old_stays_and_the_checksum_follows_the_data(annex_world, system):
    first = _issue(annex_world, AnnexKind.OFFERS)
    same = _issue(annex_world, AnnexKind.OFFERS)
    assert same.version == 2 and same.content_sha256 == first.content_sha256  # nothing changed: same content
    registry_services.offer_capacity_set(actor=system, offer=annex_world["engen"], valid_from=date(2021, 7, 1),
                                         places=14)
    changed = _issue(annex_world, AnnexKind.OFFERS)
    assert changed.version == 3 and changed.content_sha256 != first.content_sha256
    assert changed.snapshot["rows"][0]["places"] == 14 and first.snapshot["rows"][0]["places"] == 12
    assert _issue(annex_world, AnnexKind.TARIFFS).version == 1  # numbered per kind

    client = Client()
    assert client.login(username=annex_world["caseworker_user"].username, password=PASSWORD)
    page = client.get(reverse("annexes:annex_list", args=[annex_world["agreement"].pk]))
    assert page.status_code == 200 and b"annex-issue" not in page.content  # a municipality sees, does not issue
    assert page.content.count(b"/aftalebilag/version/") == 8  # four versions, PDF and XLSX each
    old = client.get(reverse("annexes:annex_file", args=[first.pk, "pdf"]))
    new = client.get(reverse("annexes:annex_file", args=[changed.pk, "xlsx"]))
    assert old.status_code == 200 and "Version 1" in _pdf_text(old.content)
    assert old["Content-Disposition"] == 'attachment; filename="tilbudsoversigt-hovedstaden-2022-v1.pdf"'
    table = _xlsx_rows(new.content)
    assert any("Version 3" in str(row[0]) for row in table) and ["Bofællesskabet Engen"] == [
        row[0] for row in table if row[0] == "Bofællesskabet Engen"]
    assert next(row for row in table if row[0] == "Bofællesskabet Engen")[7] == 14


def test_each_issue_is_audited_with_its_version_and_checksum(annex_world):
    document = _issue(annex_world, AnnexKind.TARIFFS)
    event = AuditEvent.objects.get(event_type="agreement_document.issued")
    assert event.object_id == str(document.pk) and event.organisation_id == annex_world["agreement"].region_id
    assert event.after["version"] == 1 and event.after["sha256"] == document.content_sha256
    assert event.after["rows"] == 2


def test_a_municipality_cannot_issue_an_annex_and_nothing_is_written(annex_world):
    with pytest.raises(NotAllowed, match="Kun sekretariatet for rammeaftalens region"):
        _issue(annex_world, AnnexKind.OFFERS, actor=annex_world["caseworker"])
    client = Client()
    assert client.login(username=annex_world["caseworker_user"].username, password=PASSWORD)
    response = client.post(reverse("annexes:annex_issue", args=[annex_world["agreement"].pk]),
                           {"kind": "offers", "year": str(YEAR)})
    assert response.status_code == 403
    assert not AgreementDocument.objects.exists()
    assert not AuditEvent.objects.filter(event_type="agreement_document.issued").exists()


def test_a_party_outside_the_region_neither_sees_nor_downloads_the_annexes(annex_world, esbjerg, make_user,
                                                                          actor_of):
    document = _issue(annex_world, AnnexKind.OFFERS)
    outsider = make_user(esbjerg, Role.ECONOMIST)
    with pytest.raises(NotAllowed):
        annex_versions(actor=actor_of(outsider), agreement_id=annex_world["agreement"].pk, today=TODAY)
    client = Client()
    assert client.login(username=outsider.username, password=PASSWORD)
    assert client.get(reverse("annexes:annex_file", args=[document.pk, "pdf"])).status_code == 403


def test_the_secretariat_issues_from_the_page(annex_world):
    client = Client()
    assert client.login(username=annex_world["secretariat_user"].username, password=PASSWORD)
    url = reverse("annexes:annex_list", args=[annex_world["agreement"].pk])
    page = client.get(url)
    assert b'id="annex-issue"' in page.content and b"<option selected>2027</option>" in page.content  # next year
    response = client.post(reverse("annexes:annex_issue", args=[annex_world["agreement"].pk]),
                           {"kind": "tariffs", "year": "2022"}, follow=True)
    assert "Takstbilag 2022, version 1, er dannet." in response.content.decode()
    assert AgreementDocument.objects.get().kind == AnnexKind.TARIFFS


def test_a_year_without_a_rulebook_is_refused_naming_the_rule_and_nothing_is_written(annex_world):
    with pytest.raises(DomainError) as refused:
        _issue(annex_world, AnnexKind.OFFERS, year=2019)  # before Hovedstaden's first agreement (2021)
    assert refused.value.code == "no_rulebook" and refused.value.field == "year"
    assert "Bilaget for 2019 kan ikke dannes: ingen regelbog gælder for året" in refused.value.message_da
    assert "de regler, der gælder 1. januar 2019" in refused.value.message_da
    assert refused.value.message_da.endswith("Intet er gemt.")
    client = Client()
    assert client.login(username=annex_world["secretariat_user"].username, password=PASSWORD)
    response = client.post(reverse("annexes:annex_issue", args=[annex_world["agreement"].pk]),
                           {"kind": "tariffs", "year": "2019"}, follow=True)
    assert "Bilaget for 2019 kan ikke dannes" in response.content.decode()
    assert not AgreementDocument.objects.exists()
    assert not AuditEvent.objects.filter(event_type="agreement_document.issued").exists()


def test_a_year_under_another_agreement_is_refused(agreements, reference, make_user, actor_of):
    syd_2017 = Agreement.objects.get(rulebook__key="syddanmark-2017")
    secretariat = actor_of(make_user(Organisation.objects.get(kind=OrganisationKind.SECRETARIAT, code="1083"),
                                     Role.SECRETARIAT))
    with pytest.raises(DomainError, match="Bilaget for 2020 hører til «.*2019.*»") as refused:
        agreement_document_issue(actor=secretariat, agreement_id=syd_2017.pk, year=2020, kind="offers", today=TODAY)
    assert refused.value.code == "other_agreement" and not AgreementDocument.objects.exists()


def test_rules_carried_past_the_agreement_are_said_on_the_annex(annex_world):
    document = _issue(annex_world, AnnexKind.OFFERS, year=2024)
    assert "anvendes, til en ny aftale er indlæst" in document.snapshot["rules"]["warning"]
    assert "anvendes, til en ny aftale er indlæst" in _pdf_text(files.annex_pdf(document))


def test_the_state_of_an_offer_on_a_day_reads_the_capacity_of_that_day(annex_world, system):
    engen = annex_world["engen"]
    registry_services.offer_capacity_set(actor=system, offer=engen, valid_from=date(2027, 1, 1), places=20)
    before, after = (offer_states_on(offers=[engen], on=day)[engen.pk] for day in (date(2026, 12, 31),
                                                                                   date(2027, 1, 1)))
    assert (before.places, after.places) == (12, 20) and before.operator_name == "København Kommune"


def test_a_name_that_looks_like_a_formula_is_text_in_the_xlsx(annex_world):
    type(annex_world["engen"]).objects.filter(pk=annex_world["engen"].pk).update(name=HYPERLINK)
    for kind in AnnexKind.values:
        assert_text_not_formula(files.annex_xlsx(_issue(annex_world, kind)), HYPERLINK)
