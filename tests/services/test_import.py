"""Offer import from CSV and XLSX: the examples import; bad input is reported by row and column, nothing written."""
import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.core.errors import DomainError
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.registry import services
from rammeaftale.registry.importing import COLUMNS, ImportRowError, offers_import, offers_import_template
from rammeaftale.registry.models import Offer, OfferCapacity, OfferCategory, Service

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples" / "import"
COLUMN_NAMES = [column.name for column in COLUMNS]

BASE_ROW = {
    "tilbudsportalen_id": "300001", "tilbudsnavn": "Bostedet Engen", "driftsherre_kode": "561",
    "beliggenhedskommune": "561", "tilbudstype": "døgn", "paragraffer": "SEL § 108", "pladser": "10",
    "pladser_fra": "2025-01-01",
}


def _csv(*rows: dict, columns: list[str] | None = None, delimiter: str = ";", bom: bool = True,
         encoding: str = "utf-8") -> bytes:
    """A CSV file as Danish Excel writes it (BOM, «;»), with the columns the rows use, in the documented order."""
    if columns is None:
        used = {name for row in rows for name in row}
        columns = [name for name in COLUMN_NAMES if name in used]
    lines = [delimiter.join(columns)]
    for row in rows:
        cells = [str(row.get(name, "")) for name in columns]
        lines.append(delimiter.join(f'"{cell}"' if delimiter in cell else cell for cell in cells))
    text = "\r\n".join(lines) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode(encoding)


def _row(**changes) -> dict:
    row = {**BASE_ROW, **changes}
    return {name: value for name, value in row.items() if value is not None}


def _db_state() -> dict:
    return {
        "offers": Offer.objects.count(), "organisations": Organisation.objects.count(),
        "audit": AuditEvent.objects.count(), "capacities": OfferCapacity.objects.count(),
        "categories": OfferCategory.objects.count(), "services": Service.objects.count(),
    }


def _import(actor, content: bytes, filename: str = "tilbud.csv", **options):
    return offers_import(actor=actor, filename=filename, content=content, **options)


def _events(event_type: str) -> int:
    return AuditEvent.objects.filter(event_type=event_type).count()


# --- the examples --------------------------------------------------------------------------------------------


def test_the_csv_example_creates_offers_with_capacity_paragraphs_groups_category_services_and_audit(
    reference, system, esbjerg, region_syd
):
    content = (EXAMPLES / "tilbud.csv").read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")  # Danish Excel's «CSV UTF-8»: BOM and «;»
    result = _import(system, content)
    assert result.ok, result.errors
    assert (result.rows, result.created, result.updated, result.unchanged, result.operators_created) == (7, 7, 0, 0, 1)
    assert result.summary_da() == (
        "tilbud.csv: 7 rækker indlæst: 7 tilbud oprettet, 0 opdateret, 0 uændret; 1 ny privat driftsherre oprettet."
    )

    kildebakken = Offer.objects.get(tilbudsportalen_id="100101")
    assert (kildebakken.name, kildebakken.operator, kildebakken.municipality) == (
        "Bostedet Kildebakken", esbjerg, esbjerg)
    assert (kildebakken.address, kildebakken.postcode, kildebakken.city) == ("Kildevej 12", "6700", "Esbjerg")
    assert kildebakken.offer_type == "residential" and not kildebakken.is_short_stay
    assert [p.code for p in kildebakken.paragraphs.all()] == ["sel-108"]
    assert [g.code for g in kildebakken.target_groups.all()] == ["udviklingshaemning"]
    assert list(kildebakken.capacities.values_list("valid_from", "places")) == [(date(2025, 1, 1), 24)]
    assert list(kildebakken.categories.values_list("year", "category")) == [(2026, "klynge")]
    assert sorted(kildebakken.services.values_list("name", "unit", "kind")) == [
        ("Basis", "day", "basis"), ("Ekstra støtte", "hour", "tillaeg"),
    ]
    assert kildebakken.internal_note == "Ny afdeling åbner i 2026"

    by_id = {offer.tilbudsportalen_id: offer for offer in Offer.objects.all()}
    assert by_id["100102"].is_short_stay
    assert sorted(p.code for p in by_id["100103"].paragraphs.all()) == ["sel-103", "sel-104"]
    assert by_id["100104"].operator == region_syd
    assert [p.code for p in by_id["100106"].paragraphs.all()] == ["fsl-20-2"]
    assert by_id["100107"].offer_type == "outpatient" and by_id["100107"].capacities.get().places == 0
    private = by_id["100105"].operator
    assert (private.kind, private.name, private.cvr, private.ean, private.region) == (
        OrganisationKind.PRIVATE_OPERATOR, "Opholdsstedet Lærkereden ApS", "12345674", "5790001234560", region_syd
    )
    assert sorted(g.code for g in by_id["100105"].target_groups.all()) == ["adfaerd", "boern-unge"]

    assert (_events("offer.created"), _events("offer.capacity_set"), _events("offer.category_set"),
            _events("service.created"), _events("organisation.created")) == (7, 7, 3, 11, 1)
    summary = AuditEvent.objects.get(event_type="offers.imported")
    assert summary.after["file"] == "tilbud.csv" and len(summary.after["sha256"]) == 64
    assert (summary.after["rows"], summary.after["created"], summary.after["updated"]) == (7, 7, 0)


def test_the_xlsx_example_imports_the_same_offers_as_the_csv(reference, system):
    result = _import(system, (EXAMPLES / "tilbud.xlsx").read_bytes(), filename="tilbud.xlsx")
    assert result.ok, result.errors
    assert (result.created, result.operators_created) == (7, 1)
    assert Offer.objects.get(tilbudsportalen_id="100101").capacities.get().valid_from == date(2025, 1, 1)
    assert Organisation.objects.get(cvr="12345674").ean == "5790001234560"  # a 13-digit number cell
    again = _import(system, (EXAMPLES / "tilbud.csv").read_bytes())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7), again.errors


def test_importing_the_same_file_again_creates_and_updates_nothing(reference, system):
    content = (EXAMPLES / "tilbud.csv").read_bytes()
    _import(system, content)
    before = _db_state()
    offer_events = AuditEvent.objects.exclude(event_type="offers.imported").count()
    result = _import(system, content)
    assert result.ok and (result.created, result.updated, result.unchanged, result.operators_created) == (0, 0, 7, 0)
    assert result.summary_da() == "tilbud.csv: 7 rækker indlæst: 0 tilbud oprettet, 0 opdateret, 7 uændret."
    assert _db_state() == {**before, "audit": before["audit"] + 1}
    assert AuditEvent.objects.exclude(event_type="offers.imported").count() == offer_events
    assert _events("offers.imported") == 2


def test_a_changed_row_updates_its_offer_and_a_missing_column_keeps_the_stored_value(reference, system):
    _import(system, (EXAMPLES / "tilbud.csv").read_bytes())
    row = _row(tilbudsportalen_id="100101", tilbudsnavn="Bostedet Kildebakken Nord", paragraffer="SEL § 108",
               pladser="26", pladser_fra="01-07-2026", ydelser="Basis:døgn; Nattevagt:døgn:tillaeg")
    result = _import(system, _csv(row))
    assert result.ok and (result.created, result.updated) == (0, 1), result.errors
    offer = Offer.objects.get(tilbudsportalen_id="100101")
    assert offer.name == "Bostedet Kildebakken Nord"
    assert offer.internal_note == "Ny afdeling åbner i 2026"  # the file has no intern_note column
    assert [g.code for g in offer.target_groups.all()] == ["udviklingshaemning"]  # nor maalgrupper
    assert list(offer.capacities.values_list("valid_from", "places")) == [
        (date(2025, 1, 1), 24), (date(2026, 7, 1), 26)]
    assert offer.services.count() == 3
    event = AuditEvent.objects.get(event_type="offer.updated")
    assert (event.before["name"], event.after["name"]) == ("Bostedet Kildebakken", "Bostedet Kildebakken Nord")


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(reference, system):
    before = _db_state()
    result = _import(system, (EXAMPLES / "tilbud.csv").read_bytes(), dry_run=True)
    assert result.ok and (result.created, result.operators_created) == (7, 1)
    assert result.summary_da().endswith("Intet er gemt.")
    assert _db_state() == before


# --- bad input: the right row, column and message, and nothing written --------------------------------------


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"beliggenhedskommune": "999"}, "beliggenhedskommune", "ukendt kommunekode «999»"),
        ({"driftsherre_kode": "9999"}, "driftsherre_kode", "ukendt kommune- eller regionskode «9999»"),
        ({"driftsherre_kode": None, "driftsherre_cvr": "12345678", "driftsherre_navn": "Fejl ApS"}, "driftsherre_cvr",
         "ugyldigt CVR-nummer «12345678»: skal være 8 cifre med gyldigt kontrolciffer"),
        ({"driftsherre_ean": "5790001234567"}, "driftsherre_ean",
         "ugyldigt EAN-nummer «5790001234567»: skal være 13 cifre med gyldigt kontrolciffer (GLN)"),
        ({"pladser": "-3"}, "pladser", "kapaciteten må ikke være negativ (-3 pladser)"),
        ({"pladser": "12,5"}, "pladser", "«12,5» er ikke et helt tal"),
        ({"pladser": ""}, "pladser", "skal udfyldes"),
        ({"paragraffer": "SEL § 999"}, "paragraffer", "ukendt paragraf «SEL § 999»"),
        ({"paragraffer": "§ 107"}, "paragraffer",
         "ukendt paragraf «§ 107»: skriv lovens forkortelse foran, fx «SEL § 107»"),
        ({"tilbudstype": "hotel"}, "tilbudstype",
         "ukendt tilbudstype «hotel»: brug døgn, dag, ambulant eller undervisning"),
        ({"pladser_fra": "31-02-2025"}, "pladser_fra", "ugyldig dato «31-02-2025»: den dag findes ikke"),
        ({"pladser_fra": "2025/01/01"}, "pladser_fra",
         "ugyldig dato «2025/01/01»: skriv fx 2025-01-01, 01-01-2025 eller 1.1.2025"),
        ({"tilbudsnavn": ""}, "tilbudsnavn", "skal udfyldes"),
        ({"tilbudsnavn": "x" * 201}, "tilbudsnavn", "højst 200 tegn (der står 201)"),
        ({"tilbudsportalen_id": "TP-1"}, "tilbudsportalen_id", "ugyldigt Tilbudsportalen-id «TP-1»: skal være et tal"),
        ({"maalgrupper": "Kattepleje"}, "maalgrupper", "ukendt målgruppe «Kattepleje»"),
        ({"korte_forloeb": "måske"}, "korte_forloeb", "«måske» skal være ja eller nej"),
        ({"alder_fra": "130"}, "alder_fra", "alderen skal være mellem 0 og 120 år (fik 130)"),
        ({"alder_fra": "30", "alder_til": "18"}, "alder_til", "«Alder fra» (30) er større end «alder til» (18)."),
        ({"postnr": "67"}, "postnr", "ugyldigt postnummer «67»: skal være fire cifre"),
        ({"kategori": "klynge"}, "kategori_aar", "skal udfyldes, når kategori er udfyldt"),
        ({"kategori": "verdensklasse", "kategori_aar": "2026"}, "kategori",
         "ukendt kategori «verdensklasse»: brug hoejt_specialiseret, klynge, lokal, landsdaekkende eller sikret"),
        ({"ydelser": "Basis:uge"}, "ydelser",
         "ukendt enhed «uge» for ydelsen «Basis»: brug døgn, dag, måned eller time"),
        ({"ydelser": "Basis"}, "ydelser", "ydelsen «Basis» skal skrives som navn:enhed eller navn:enhed:type"),
        ({"driftsherre_cvr": "12345674"}, "driftsherre_cvr",
         "udfyld enten driftsherre_kode eller driftsherre_cvr, ikke begge"),
        ({"driftsherre_kode": "", "driftsherre_cvr": ""}, "driftsherre_kode",
         "skal udfyldes: driftsherrens kommune- eller regionskode (driftsherre_kode) eller CVR-nummer "
         "(driftsherre_cvr)"),
        ({"driftsherre_kode": None, "driftsherre_cvr": "12345674"}, "driftsherre_navn",
         "CVR-nummer 12345674 er ukendt: skriv driftsherrens navn for at oprette en ny privat driftsherre"),
    ],
)
def test_a_bad_cell_is_reported_by_row_and_column_and_nothing_is_written(reference, system, changes, column, message):
    before = _db_state()
    result = _import(system, _csv(_row(tilbudsportalen_id="300000"), _row(**changes)))
    assert not result.ok
    assert result.errors == [ImportRowError(3, column, message)]
    assert (result.created, result.updated) == (0, 0)
    assert result.summary_da() == "tilbud.csv er ikke indlæst: 1 fejl i 1 række. Intet er gemt."
    assert _db_state() == before


def test_the_example_with_bad_rows_lists_every_error_and_writes_nothing(reference, system):
    before = _db_state()
    result = _import(system, (EXAMPLES / "tilbud_med_fejl.csv").read_bytes(), filename="tilbud_med_fejl.csv")
    assert [str(error) for error in result.errors] == [
        "række 3, kolonne beliggenhedskommune: ukendt kommunekode «999»",
        "række 4, kolonne driftsherre_cvr: ugyldigt CVR-nummer «12345678»: skal være 8 cifre med gyldigt "
        "kontrolciffer",
        "række 5, kolonne pladser: kapaciteten må ikke være negativ (-3 pladser)",
        "række 6, kolonne paragraffer: ukendt paragraf «SEL § 999»",
        "række 7, kolonne tilbudsportalen_id: Tilbudsportalen-id 200001 står også i række 2",
        "række 8, kolonne tilbudstype: ukendt tilbudstype «hotel»: brug døgn, dag, ambulant eller undervisning",
        "række 9, kolonne pladser_fra: ugyldig dato «31-02-2025»: den dag findes ikke",
        "række 10, kolonne driftsherre_ean: ugyldigt EAN-nummer «5790001234567»: skal være 13 cifre med gyldigt "
        "kontrolciffer (GLN)",
        "række 11, kolonne paragraffer: ukendt paragraf «§ 107»: skriv lovens forkortelse foran, fx «SEL § 107»",
        "række 12, kolonne maalgrupper: ukendt målgruppe «Kattepleje»",
    ]
    assert result.summary_da() == "tilbud_med_fejl.csv er ikke indlæst: 10 fejl i 10 rækker. Intet er gemt."
    assert [error.as_dict() for error in result.errors][0] == {
        "row": 3, "column": "beliggenhedskommune", "message": "ukendt kommunekode «999»",
    }
    assert _db_state() == before


def test_one_bad_row_among_good_ones_writes_nothing(reference, system):
    rows = [_row(tilbudsportalen_id=str(400000 + n), tilbudsnavn=f"Bosted {n}") for n in range(5)]
    rows[3]["pladser"] = "-1"
    before = _db_state()
    result = _import(system, _csv(*rows))
    assert [(e.row, e.column) for e in result.errors] == [(5, "pladser")]
    assert _db_state() == before


def test_a_row_can_have_several_errors_and_all_are_reported(reference, system):
    result = _import(system, _csv(_row(beliggenhedskommune="999", pladser="-1", tilbudstype="hotel")))
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "beliggenhedskommune"), (2, "tilbudstype"), (2, "pladser"),
    ]


def test_a_tilbudsportalen_id_of_another_operators_offer_is_refused(reference, system, odense, make_offer):
    make_offer(odense, name="Odenses bosted", tilbudsportalen_id="4711")
    before = _db_state()
    result = _import(system, _csv(_row(tilbudsportalen_id="4711")))
    assert result.errors == [ImportRowError(2, "tilbudsportalen_id", (
        "Tilbudsportalen-id 4711 tilhører tilbuddet «Odenses bosted» hos Odense Kommune; et tilbud kan ikke skifte "
        "driftsherre ved indlæsning"))]
    assert _db_state() == before


def test_a_locked_category_and_a_changed_service_unit_are_refused(reference, system, esbjerg, make_offer):
    offer = make_offer(esbjerg, tilbudsportalen_id="300001")
    services.offer_category_set(actor=system, offer=offer, year=2026, category="klynge", reason="Vurderet af sekretariatet")
    services.service_create(actor=system, offer=offer, name="Basis", unit="month")
    before = _db_state()
    result = _import(system, _csv(_row(kategori="lokal", kategori_aar="2026", ydelser="Basis:døgn")))
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "kategori", "kategorien for 2026 er låst (Klyngetilbud) efter en vurdering; en ny kategori kan først "
                        "gælde fra næste år"),
        (2, "ydelser", "ydelsen «Basis» findes allerede som basisydelse pr. måned og kan ikke ændres ved indlæsning"),
    ]
    assert _db_state() == before


def test_a_new_private_operator_must_have_one_name_and_a_free_ean(reference, system):
    first = _row(driftsherre_kode=None, driftsherre_cvr="12345674", driftsherre_navn="Lærkereden ApS")
    second = {**first, "tilbudsportalen_id": "300002", "driftsherre_navn": "Lærkereden A/S"}
    result = _import(system, _csv(first, second))
    assert result.errors == [
        ImportRowError(3, "driftsherre_navn", "CVR-nummer 12345674 har navnet «Lærkereden ApS» i række 2"),
    ]
    another = _row(driftsherre_kode=None, driftsherre_cvr="29890013", driftsherre_navn="Ny ApS",
                       driftsherre_ean="5790001234560")
    _import(system, (EXAMPLES / "tilbud.csv").read_bytes())  # registers EAN 5790001234560 on Lærkereden
    result = _import(system, _csv(another))
    assert result.errors == [ImportRowError(
        2, "driftsherre_ean", "EAN-nummer 5790001234560 er allerede registreret hos Opholdsstedet Lærkereden ApS"
    )]


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("tilbud.csv", b"", "filen er tom"),
        ("tilbud.csv", b"\xef\xbb\xbf\r\n  \r\n", "filen er tom"),
        ("tilbud.xlsx", b"", "filen er tom"),
        ("tilbud.txt", b"tilbudsnavn\nEngen\n", "filtypen «.txt» kan ikke indlæses: brug en CSV- eller XLSX-fil"),
        ("tilbud", b"tilbudsnavn\nEngen\n", "filtypen «tilbud» kan ikke indlæses: brug en CSV- eller XLSX-fil"),
        ("tilbud.xls", b"\xd0\xcf\x11\xe0",
         "gamle Excel-filer (.xls) kan ikke indlæses: gem filen som .xlsx eller CSV"),
        ("tilbud.xlsx", b"tilbudsportalen_id;tilbudsnavn\n1;Engen\n",
         "filen er ikke en gyldig XLSX-fil: gem den igen fra Excel som .xlsx"),
        ("tilbud.xlsx", b"PK\x03\x04 not really a zip file",
         "filen er ikke en gyldig XLSX-fil: gem den igen fra Excel som .xlsx"),
        ("tilbud.csv", b"PK\x03\x04\x14\x00", "filen er en Excel-fil (XLSX), men hedder .csv: omdøb den til .xlsx"),
        ("tilbud.csv", "tilbudsnavn\nEngen\n".encode("utf-16"),
         "filen er ikke en CSV-tekstfil: gem den som «CSV UTF-8» eller som .xlsx"),
    ],
)
def test_a_file_that_cannot_be_read_is_one_error_and_nothing_is_written(reference, system, filename, content, message):
    before = _db_state()
    result = _import(system, content, filename=filename)
    assert result.errors == [ImportRowError(0, "", message)]
    assert str(result.errors[0]) == message
    assert _db_state() == before


def test_a_file_over_the_row_limit_is_refused_whole(reference, system, monkeypatch):
    from rammeaftale.registry.importing import files

    monkeypatch.setattr(files, "MAX_ROWS", 3)
    rows = [_row(tilbudsportalen_id=str(300000 + n)) for n in range(4)]
    result = _import(system, _csv(*rows))
    assert result.errors == [ImportRowError(0, "", "filen har mere end 3 rækker; del den op i flere filer")]
    assert Offer.objects.count() == 0


def test_a_line_break_in_a_quoted_csv_cell_is_kept(reference, system):
    content = _csv(_row()).rstrip(b"\r\n") + b';"Linje et\r\nLinje to"\r\n'
    content = content.replace(b"pladser_fra\r\n", b"pladser_fra;beskrivelse\r\n", 1)
    result = _import(system, content)
    assert result.ok, result.errors
    assert Offer.objects.get().description == "Linje et\nLinje to"


def test_a_file_with_only_the_header_has_no_offers(reference, system):
    result = _import(system, offers_import_template(filename="skabelon.csv"), filename="skabelon.csv")
    assert result.errors == [ImportRowError(0, "", "filen indeholder ingen tilbud, kun overskriftsrækken")]


def test_unknown_doubled_and_missing_columns_are_named(reference, system):
    header = ["tilbudsportalen_id", "tilbudsnavn", "pladsr", "Farve", "tilbudsnavn", "beliggenhedskommune",
              "tilbudstype", "paragraffer", "pladser_fra"]
    content = (";".join(header) + "\r\n" + ";".join(["1"] * len(header)) + "\r\n").encode()
    before = _db_state()
    result = _import(system, content)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (1, "tilbudsnavn", "kolonnen står to gange (kolonne 2 og 5)"),
        (1, "driftsherre_kode", "kolonnen mangler: filen skal have driftsherre_kode eller driftsherre_cvr"),
        (1, "pladser", "kolonnen mangler; den skal være med"),
        (1, "pladsr", "ukendt kolonne «pladsr» (mente du «pladser»?)"),
        (1, "Farve", "ukendt kolonne «Farve»"),
    ]
    assert _db_state() == before


def test_a_value_under_no_header_is_an_error(reference, system):
    content = _csv(_row()).rstrip(b"\r\n") + b";overskud\r\n"
    result = _import(system, content)
    assert result.errors == [ImportRowError(2, "kolonne 9", "cellen har en værdi, men kolonnen har ingen overskrift")]


# --- permissions -----------------------------------------------------------------------------------------------


def test_operator_staff_import_only_their_own_organisations_offers(reference, esbjerg, odense, make_user, actor_of):
    staff = actor_of(make_user(esbjerg, Role.OPERATOR))
    before = _db_state()
    result = _import(staff, _csv(_row(), _row(tilbudsportalen_id="300002", driftsherre_kode="461",
                                             beliggenhedskommune="461")))
    assert result.errors == [ImportRowError(3, "driftsherre_kode", "du må ikke indlæse tilbud for Odense Kommune")]
    assert _db_state() == before
    new_private = _row(tilbudsportalen_id="300003", driftsherre_kode=None, driftsherre_cvr="12345674",
                       driftsherre_navn="Lærkereden ApS")
    result = _import(staff, _csv(new_private))
    assert result.errors == [ImportRowError(
        2, "driftsherre_cvr", "du må ikke indlæse tilbud for Lærkereden ApS (CVR 12345674)"
    )]
    result = _import(staff, _csv(_row()))
    assert result.ok and result.created == 1
    assert AuditEvent.objects.get(event_type="offers.imported").organisation_id == esbjerg.pk


def test_staff_may_not_update_another_operators_offer(
    reference, odense, esbjerg, make_user, actor_of, make_offer
):
    make_offer(odense, name="Odenses bosted", tilbudsportalen_id="4712")
    esbjerg_staff = actor_of(make_user(esbjerg, Role.OPERATOR))
    result = _import(esbjerg_staff, _csv(_row(tilbudsportalen_id="4712", driftsherre_kode="461",
                                              beliggenhedskommune="461")))
    assert result.errors == [ImportRowError(2, "driftsherre_kode", "du må ikke indlæse tilbud for Odense Kommune")]


def test_the_secretariat_imports_for_its_region_only_and_other_roles_not_at_all(
    reference, esbjerg, secretariat_syd, make_user, actor_of
):
    secretariat = actor_of(make_user(secretariat_syd, Role.SECRETARIAT))
    copenhagen_row = _row(tilbudsportalen_id="300002", driftsherre_kode="101", beliggenhedskommune="101")
    result = _import(secretariat, _csv(_row(), copenhagen_row))
    assert result.errors == [ImportRowError(3, "driftsherre_kode", "du må ikke indlæse tilbud for København Kommune")]
    result = _import(secretariat, (EXAMPLES / "tilbud.csv").read_bytes())
    assert result.ok and (result.created, result.operators_created) == (7, 1)
    caseworker = actor_of(make_user(esbjerg, Role.CASEWORKER))
    result = _import(caseworker, _csv(_row(tilbudsportalen_id="300009")))
    assert result.errors == [ImportRowError(0, "", "du har ikke adgang til at indlæse tilbud")]


# --- formats -------------------------------------------------------------------------------------------------


def test_comma_or_semicolon_with_or_without_bom_and_windows_1252_all_read(reference, system):
    variants = [
        _csv(_row(tilbudsportalen_id="500001"), delimiter=";", bom=True),
        _csv(_row(tilbudsportalen_id="500002"), delimiter=",", bom=False),
        _csv(_row(tilbudsportalen_id="500003", paragraffer="SEL § 107, SEL § 108"), delimiter=",", bom=True),
        _csv(_row(tilbudsportalen_id="500004", tilbudsnavn="Bostedet Æblehøj", ydelser="Døgnophold:døgn"),
             bom=False, encoding="cp1252"),
    ]
    for number, content in enumerate(variants, start=1):
        result = _import(system, content)
        assert result.ok and result.created == 1, (number, result.errors)
    assert sorted(p.code for p in Offer.objects.get(tilbudsportalen_id="500003").paragraphs.all()) == [
        "sel-107", "sel-108"]
    cp1252 = Offer.objects.get(tilbudsportalen_id="500004")
    assert cp1252.name == "Bostedet Æblehøj" and cp1252.services.get().name == "Døgnophold"


def test_headers_ignore_case_spaces_and_danish_letters_and_values_accept_their_variants(reference, system):
    header = ["  Tilbudsportalen-ID ", "TILBUDSNAVN", "Driftsherre kode", "Beliggenhedskommune", "Tilbudstype",
              "Korte forløb", "Paragraffer", "Målgrupper", "Pladser", "Pladser fra", "Kategori", "Kategori år"]
    values = ["300001", "Bostedet Engen", "0561", "0561", "Døgn- og botilbud", "JA",
              "Serviceloven § 107; sel-108; SEL §108", "autisme; Udviklingshæmning", "7", "1.7.2025",
              "Højt specialiseret", "2026"]
    result = _import(system, _csv(dict(zip(header, values)), columns=header))
    assert result.ok, result.errors
    offer = Offer.objects.get(tilbudsportalen_id="300001")
    assert offer.is_short_stay and offer.offer_type == "residential" and offer.municipality.code == "561"
    assert sorted(p.code for p in offer.paragraphs.all()) == ["sel-107", "sel-108"]
    assert sorted(g.code for g in offer.target_groups.all()) == ["autisme", "udviklingshaemning"]
    assert offer.capacities.get().valid_from == date(2025, 7, 1)
    assert offer.categories.get().category == "hoejt_specialiseret"


def test_xlsx_number_and_date_cells_are_read_as_written(reference, system):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["tilbudsportalen_id", "tilbudsnavn", "driftsherre_kode", "beliggenhedskommune", "postnr",
                  "tilbudstype", "paragraffer", "pladser", "pladser_fra"])
    sheet.append([300001, "Bostedet Engen", 561.0, 101, 800, "døgn", "SEL § 108", 12.0, date(2025, 3, 1)])
    sheet.append([])
    sheet.append([300002, "Bostedet Eng", 561, 561, 6700, "døgn", "SEL § 108", 12.5, date(2025, 3, 1)])
    workbook.create_sheet("Andet ark").append(["ignoreres"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = _import(system, buffer.getvalue(), filename="TILBUD.XLSX")
    assert result.errors == [ImportRowError(4, "pladser", "«12.5» er ikke et helt tal")]
    sheet.delete_rows(4)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = _import(system, buffer.getvalue(), filename="TILBUD.XLSX")
    assert result.ok, result.errors
    offer = Offer.objects.get(tilbudsportalen_id="300001")
    assert (offer.postcode, offer.municipality.code) == ("0800", "101")
    assert list(offer.capacities.values_list("valid_from", "places")) == [(date(2025, 3, 1), 12)]


# --- the write phase ---------------------------------------------------------------------------------------------


def test_a_service_error_while_writing_becomes_a_row_error_and_rolls_everything_back(reference, system, monkeypatch):
    """The checks mirror the services' rules, so this stands in for a rule a service adds later: the real service
    runs, wrapped so that it refuses more than 100 places."""
    real_capacity_set = services.offer_capacity_set

    def capacity_set_with_a_ceiling(**kwargs):
        if kwargs["places"] > 100:
            raise DomainError("Kapaciteten er over loftet på 100 pladser.", field="places")
        return real_capacity_set(**kwargs)

    monkeypatch.setattr(services, "offer_capacity_set", capacity_set_with_a_ceiling)
    before = _db_state()
    result = _import(system, _csv(_row(), _row(tilbudsportalen_id="300002", pladser="120"),
                                  _row(tilbudsportalen_id="300003")))
    assert result.errors == [ImportRowError(3, "pladser", "Kapaciteten er over loftet på 100 pladser.")]
    assert (result.created, result.updated) == (0, 0)
    assert _db_state() == before


def test_validation_queries_do_not_grow_with_the_rows(reference, system, django_assert_max_num_queries):
    rows = [_row(tilbudsportalen_id=str(600000 + n), tilbudsnavn=f"Bosted {n}") for n in range(400)]
    rows[-1]["beliggenhedskommune"] = "999"
    with django_assert_max_num_queries(12):
        result = _import(system, _csv(*rows))
    assert [(e.row, e.column) for e in result.errors] == [(401, "beliggenhedskommune")]


def thousand_rows_csv() -> bytes:
    """1,000 offers spread over Region Syddanmark's municipalities, each with capacity, category and two services."""
    codes = ["410", "420", "430", "440", "450", "461", "479", "480", "492", "510", "530", "540", "550", "561", "563",
             "573", "575", "580", "607", "621", "630"]
    rows = [
        _row(tilbudsportalen_id=str(700000 + n), tilbudsnavn=f"Bosted nr. {n}", driftsherre_kode=codes[n % len(codes)],
             beliggenhedskommune=codes[n % len(codes)], paragraffer="SEL § 107; SEL § 108",
             maalgrupper="autisme; udviklingshaemning", pladser=str(5 + n % 20), kategori="klynge",
             kategori_aar="2026", ydelser="Basis:døgn; Ekstra støtte:time:tillaeg", adresse=f"Vej {n}",
             postnr="5000", by="Odense")
        for n in range(1000)
    ]
    return _csv(*rows)


def test_writing_costs_a_bounded_number_of_queries_per_row(reference, system, django_assert_max_num_queries):
    """Each row runs five services (offer, capacity, category, two services): about 43 queries on either database."""
    rows = [_row(tilbudsportalen_id=str(650000 + n), tilbudsnavn=f"Bosted {n}", kategori="klynge", kategori_aar="2026",
                 ydelser="Basis:døgn; Ekstra støtte:time:tillaeg") for n in range(20)]
    with django_assert_max_num_queries(20 * 45 + 10):
        result = _import(system, _csv(*rows))
    assert result.ok and result.created == 20


def test_a_thousand_rows_import_in_one_go_and_again_without_changes(reference, system, django_assert_max_num_queries):
    content = thousand_rows_csv()
    result = _import(system, content)
    assert result.ok and (result.rows, result.created) == (1000, 1000), result.errors[:3]
    assert (_events("offer.created"), _events("service.created"), _events("offer.category_set")) == (1000, 2000, 1000)
    with django_assert_max_num_queries(30):
        again = _import(system, content)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1000)


# --- the console ---------------------------------------------------------------------------------------------------


def test_the_command_imports_and_prints_the_summary(reference, tmp_path, capsys):
    call_command("offers", "import", str(EXAMPLES / "tilbud.csv"))
    assert "7 tilbud oprettet" in capsys.readouterr().out
    assert AuditEvent.objects.get(event_type="offers.imported").actor_username == "offers-import"


def test_the_command_prints_each_error_and_fails_with_status_1(reference, capsys):
    with pytest.raises(CommandError) as failure:
        call_command("offers", "import", str(EXAMPLES / "tilbud_med_fejl.csv"))
    assert failure.value.returncode == 1
    assert str(failure.value) == "tilbud_med_fejl.csv er ikke indlæst: 10 fejl i 10 rækker. Intet er gemt."
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 10 and lines[0] == "række 3, kolonne beliggenhedskommune: ukendt kommunekode «999»"
    assert Offer.objects.count() == 0


def test_the_command_imports_as_a_named_user(reference, esbjerg, make_user, capsys):
    make_user(esbjerg, Role.OPERATOR, username="dorthe")
    with pytest.raises(CommandError):
        call_command("offers", "import", str(EXAMPLES / "tilbud.csv"), "--as", "dorthe")
    assert "række 4, kolonne driftsherre_kode: du må ikke indlæse tilbud for Odense Kommune" in capsys.readouterr().err
    with pytest.raises(CommandError, match="«nemo» findes ikke"):
        call_command("offers", "import", str(EXAMPLES / "tilbud.csv"), "--as", "nemo")
    assert Offer.objects.count() == 0


@pytest.mark.parametrize("name", ["skabelon.csv", "skabelon.xlsx"])
def test_the_template_has_every_column_and_nothing_else(tmp_path, name):
    target = tmp_path / name
    call_command("offers", "template", str(target))
    if name.endswith(".csv"):
        content = target.read_bytes()
        assert content.startswith(b"\xef\xbb\xbf")
        assert content[3:].decode().strip().split(";") == COLUMN_NAMES
    else:
        workbook = openpyxl.load_workbook(target, read_only=True)
        assert list(next(workbook.worksheets[0].iter_rows(values_only=True))) == COLUMN_NAMES
        assert workbook.sheetnames == ["Tilbud", "Vejledning"]


def test_the_console_command_exits_with_status_1_on_a_bad_file(tmp_path):
    bad = tmp_path / "forkert.csv"
    bad.write_text("tilbudsnavn;farve\nEngen;blå\n", encoding="utf-8")
    env = {**os.environ, "RAMMEAFTALE_VAR_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)  # the header is refused before the database is asked
    run = subprocess.run([sys.executable, "-m", "rammeaftale", "offers", "import", str(bad)], capture_output=True,
                         text=True, env=env, timeout=120)
    assert run.returncode == 1
    assert "række 1, kolonne farve: ukendt kolonne «farve»" in run.stderr
    assert "forkert.csv er ikke indlæst" in run.stderr


def test_every_column_is_documented():
    guide = (ROOT / "docs" / "import.md").read_text(encoding="utf-8")
    assert [column.name for column in COLUMNS if f"| `{column.name}` |" not in guide] == []


# Hostile files (issue 11): an XLSX bomb took 6.8 s and 350 MB before refusal; the CLI had no size cap.


def _xlsx_zip(sheet_xml: bytes, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal XLSX package around a worksheet's XML, compressed as Excel does (deflate)."""
    import zipfile

    parts = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
            b'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"'
            b'/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            b'officedocument.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (
            b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<sheets><sheet name="Tilbud" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheetData>' + sheet_xml + b"</sheetData></worksheet>"),
        **(extra or {}),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return buffer.getvalue()


def _cells(row: int, count: int) -> bytes:
    return (f'<row r="{row}">'.encode() + b'<c t="inlineStr"><is><t>x</t></is></c>' * count + b"</row>")


def test_an_xlsx_bomb_is_refused_by_its_declared_size_before_it_is_unpacked(reference, system):
    from rammeaftale.registry.importing.files import FileProblem, xlsx_check

    header = _cells(1, 1).replace(b">x<", b">tilbudsnavn<")
    bomb = _xlsx_zip(header + b"".join(_cells(row, 40) for row in range(2, 40_002)))  # ~60 MB of XML
    assert len(bomb) < 1024 * 1024
    message = ("XLSX-filen fylder 58 MB pakket ud; højst 50 MB kan indlæses (en zip-bombe eller et regneark med "
               "langt mere end tilbud): del den op eller gem den igen fra Excel")
    with pytest.raises(FileProblem) as refused:
        xlsx_check(bomb)  # reads only the zip directory: openpyxl never sees the file
    assert str(refused.value) == message
    before = _db_state()
    assert _import(system, bomb, filename="tilbud.xlsx").errors == [ImportRowError(0, "", message)]
    assert _db_state() == before


def test_an_xlsx_packed_tighter_than_any_spreadsheet_is_refused(reference, system):
    from rammeaftale.registry.importing.files import FileProblem, xlsx_check

    dense = _xlsx_zip(_cells(1, 1), extra={"xl/padding.xml": b"<a>" + b" " * 5_000_000 + b"</a>"})
    with pytest.raises(FileProblem, match=r"er pakket \d+ gange tættere end et regneark"):
        xlsx_check(dense)


def test_an_xlsx_with_too_many_rows_or_columns_is_refused_while_it_is_read(reference, system, monkeypatch):
    from rammeaftale.registry.importing import files

    monkeypatch.setattr(files, "MAX_ROWS", 3)
    blank_rows = _xlsx_zip(b"".join(f'<row r="{row}"/>'.encode() for row in range(1, 30)) + _cells(30, 1))
    result = _import(system, blank_rows, filename="tilbud.xlsx")
    assert result.errors == [ImportRowError(0, "", "regnearket har mere end 7 rækker (tomme medregnet); del filen "
                                                    "op i flere filer")]
    wide = _xlsx_zip(_cells(1, files.MAX_COLUMNS + 1))
    result = _import(system, wide, filename="tilbud.xlsx")
    assert result.errors == [ImportRowError(0, "", "regnearket har mere end 200 kolonner; importskabelonen har "
                                                    f"{len(COLUMNS)}")]
    assert Offer.objects.count() == 0


def test_the_cli_refuses_a_file_over_the_size_cap_before_reading_it(reference, tmp_path):
    from rammeaftale.registry.importing.files import MAX_BYTES

    big = tmp_path / "tilbud.csv"
    with big.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    before = _db_state()
    with pytest.raises(CommandError) as failure:
        call_command("offers", "import", str(big))
    assert str(failure.value) == f"{big} fylder 10,0 MB; højst 10 MB kan indlæses. Intet er gemt."
    assert _db_state() == before


def test_an_xlsx_whose_directory_understates_a_sheet_is_unpacked_only_to_the_stated_size(reference, system):
    """The size check trusts the zip directory because Python's zipfile stops at each part's stated size and then
    fails its checksum: a sheet of 58 MB stated as 1,000 bytes is a broken file, not 58 MB read."""
    import struct

    header = _cells(1, 1).replace(b">x<", b">tilbudsnavn<")
    package = bytearray(_xlsx_zip(header + b"".join(_cells(row, 40) for row in range(2, 40_002))))
    entry = package.rfind(b"xl/worksheets/sheet1.xml") - 46  # the sheet's entry in the central directory
    assert package[entry:entry + 4] == b"PK\x01\x02"
    struct.pack_into("<I", package, entry + 24, 1_000)  # its uncompressed size
    result = _import(system, bytes(package), filename="tilbud.xlsx")
    assert result.errors == [ImportRowError(0, "", "filen er ikke en gyldig XLSX-fil: gem den igen fra Excel som .xlsx")]
    assert Offer.objects.count() == 0


def test_the_ages_an_offer_is_approved_for_are_imported(reference, system):
    result = _import(system, _csv(_row(tilbudsportalen_id="300001", alder_fra="18", alder_til="")))
    assert result.ok, result.errors
    offer = Offer.objects.get(tilbudsportalen_id="300001")
    assert (offer.age_from, offer.age_to) == (18, None)
