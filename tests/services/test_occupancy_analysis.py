"""The capacity and occupancy analysis on a small hand-built region: figures by paragraph and target group, the
nationwide and secured offers in a section of their own, purchases across municipalities without the operator's own
citizens, the exports and the API."""
import base64
import io
import subprocess
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client

from rammeaftale.accounts.actor import ANONYMOUS
from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.occupancy.analysis import (
    MAIN,
    SEPARATE,
    analysis_json,
    analysis_years,
    occupancy_analysis,
)
from rammeaftale.occupancy.analysis_exports import analysis_pdf, analysis_xlsx
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements.models import Placement
from rammeaftale.placements.services import PlacementRequest, placement_request
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import OfferCategory
from rammeaftale.registry.selectors import region_resolve
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from tests.conftest import PASSWORD
from tests.spreadsheets import AT_SUM, HYPERLINK, assert_text_not_formula

TODAY = date(2021, 3, 1)  # 2020 is the latest full year; the Syddanmark 2019–2020 rulebook governs it


def _offer(make_offer, system, operator, *, name, places, paragraphs, category_year, category,
           target_groups=("udviklingshaemning",)):
    offer = make_offer(operator, name=name, places=places, paragraphs=paragraphs, target_groups=target_groups)
    OfferCategory.objects.create(offer=offer, year=category_year, category=category, reason="test")
    basis = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
    Tariff.objects.create(service=basis, year=2020, amount_ore=200_000, origin=TariffOrigin.PUBLISHED)
    return offer


def _place(system, offer, *, payer, start, end=None, number=0):
    return placement_request(actor=system, request=PlacementRequest(
        offer=offer, paying_municipality=payer, acting_municipality=payer, citizen_name=f"Borger {number}",
        cpr=f"0101{80 + number}1234", start_date=start, planned_end=end, custody="", contact_name="Sagsbehandler"),
        reserve=True)


@pytest.fixture
def region(agreements, odense, esbjerg, make_offer, system, region_syd):
    vejle = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, code="630")
    # Odense's cluster offer under § 107 and § 108 (categorised for 2019 only: the category carries forward);
    # 10 places from 2020, 12 from 1 July.
    cluster = _offer(make_offer, system, odense, name="Bostedet Æblehaven", places=10,
                     paragraphs=("sel-107", "sel-108"), category_year=2019, category="klynge")
    registry_services.offer_capacity_set(actor=system, offer=cluster, valid_from=date(2020, 7, 1), places=12)
    # Esbjerg's secured unit under § 108: its own section.
    secured = _offer(make_offer, system, esbjerg, name="Den sikrede afdeling Vest", places=5,
                     paragraphs=("sel-108",), category_year=2020, category="sikret", target_groups=())
    _place(system, cluster, payer=esbjerg, start=date(2020, 1, 1), end=date(2020, 3, 1), number=1)  # 60 days
    _place(system, cluster, payer=odense, start=date(2020, 1, 1), number=2)  # the operator pays: 366 days
    internal = _place(system, cluster, payer=vejle, start=date(2020, 6, 1), end=date(2020, 7, 1), number=3)
    Placement.objects.filter(pk=internal.pk).update(is_internal=True)  # 30 days, counted but not bought
    _place(system, secured, payer=odense, start=date(2020, 2, 1), end=date(2020, 2, 11), number=4)  # 10 days
    return {"region": region_syd, "cluster": cluster, "secured": secured, "vejle": vejle}


@pytest.fixture
def reader(reference, make_user, actor_of):
    """A caseworker in Copenhagen (another region): the analysis is public to every logged-in user."""
    copenhagen = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, code="101")
    return actor_of(make_user(copenhagen, Role.CASEWORKER, username="laeser"))


def _analysis(reader, region, **kwargs):
    return occupancy_analysis(actor=reader, region=region["region"], year_from=2019, year_to=2020, today=TODAY,
                              **kwargs)


def test_figures_by_paragraph_and_target_group_year_by_year(region, reader):
    analysis = _analysis(reader, region)
    main, separate = analysis.sections
    assert (main.key, separate.key) == (MAIN, SEPARATE)
    assert analysis.as_of == date(2020, 12, 31) and not analysis.partial_last_year
    # 2020: 10 places for 182 days, 12 for 184; 60 + 366 + 30 occupied place-days (the internal stay counts).
    capacity, occupied = 10 * 182 + 12 * 184, 60 + 366 + 30
    total_2019, total_2020 = main.total.years
    assert (total_2019.offers, total_2019.capacity_days, total_2019.pct) == (0, 0, None)  # no capacity before 2020
    assert (total_2020.offers, total_2020.places, total_2020.occupied_days, total_2020.capacity_days) == (
        1, 12, occupied, capacity)
    assert total_2020.pct == Decimal("11.32")  # 456 / 4028 = 11.3207… half up
    assert [row.label for row in main.by_paragraph] == ["SEL § 107", "SEL § 108"]  # each paragraph counts it
    assert all(row.latest == total_2020 for row in main.by_paragraph)
    assert [row.label for row in main.by_target_group] == ["Udviklingshæmning"]
    secured = separate.total.latest
    assert (secured.offers, secured.places, secured.occupied_days, secured.capacity_days, secured.pct) == (
        1, 5, 10, 5 * 366, Decimal("0.55"))
    assert [row.label for row in separate.by_paragraph] == ["SEL § 108"]
    assert [row.label for row in separate.by_target_group] == ["Ingen målgruppe angivet"]
    assert not AuditEvent.objects.filter(event_type__startswith="occupancy_analysis").exists()  # reads not audited


def test_the_current_year_counts_to_today(region, reader):
    analysis = occupancy_analysis(actor=reader, region=region["region"], year_from=2020, year_to=2020,
                                  today=date(2020, 3, 1))
    figure = analysis.sections[0].total.latest
    assert analysis.as_of == date(2020, 3, 1) and analysis.partial_last_year
    assert (figure.capacity_days, figure.occupied_days) == (10 * 61, 60 + 61)  # 1 January to 1 March inclusive
    assert analysis.purchases.year == 2020  # the span holds no full year


def test_category_decides_the_section_year_by_year(region, reader):
    OfferCategory.objects.create(offer=region["cluster"], year=2020, category="landsdaekkende", reason="test")
    main, separate = _analysis(reader, region).sections
    assert main.total.latest.offers == 0 and main.total.years[0].capacity_days == 0
    assert separate.total.latest.offers == 2
    assert separate.total.latest.capacity_days == 10 * 182 + 12 * 184 + 5 * 366


def test_purchases_across_municipalities_leave_out_own_and_internal_placements(region, reader):
    matrix = _analysis(reader, region).purchases
    assert matrix.year == 2020 and (matrix.first_day, matrix.last_day) == (date(2020, 1, 1), date(2020, 12, 31))
    assert [(p.buyer, p.operator, p.occupied_days, p.placements) for p in matrix.purchases] == [
        ("Esbjerg Kommune", "Odense Kommune", 60, 1),
        ("Odense Kommune", "Esbjerg Kommune", 10, 1),
    ]
    assert _analysis(reader, region, purchase_year=2019).purchases.purchases == ()


def test_bad_input_is_named(region, reader):
    with pytest.raises(DomainError, match="Ukendt region «atlantis»") as error:
        region_resolve("atlantis")
    assert error.value.field == "region"
    assert region_resolve("syddanmark") == region_resolve("1083") == region_resolve(str(region["region"].pk))
    with pytest.raises(DomainError, match="Fra-året 2020 ligger efter til-året 2019"):
        analysis_years("2020", "2019", today=TODAY)
    with pytest.raises(DomainError, match="Året 2022 ligger uden for 2000–2021"):
        analysis_years("2020", "2022", today=TODAY)
    with pytest.raises(DomainError, match="Til-året skal være et årstal med fire cifre, ikke «tyve»"):
        analysis_years("", "tyve", today=TODAY)
    with pytest.raises(DomainError, match="Højst 10 år ad gangen"):
        analysis_years("2005", "2020", today=TODAY)
    assert analysis_years("", "", today=TODAY) == (2017, 2021)
    with pytest.raises(DomainError, match="Året for køb på tværs skal ligge i 2019–2020"):
        _analysis(reader, region, purchase_year=2018)
    with pytest.raises(NotAllowed):
        occupancy_analysis(actor=ANONYMOUS, region=region["region"], year_from=2019, year_to=2020, today=TODAY)


def test_json_has_percentages_as_strings(region, reader):
    data = analysis_json(_analysis(reader, region))
    main = data["sections"][0]
    assert main["total"]["years"][1]["occupancy_pct"] == "11.32"
    assert main["total"]["years"][0]["occupancy_pct"] is None
    assert data["purchases"]["measure"] == "occupied_days" and data["purchases"]["occupied_days"] == 70


def test_xlsx_has_the_sheets_with_numbers_and_percentages(region, reader):
    book = openpyxl.load_workbook(io.BytesIO(analysis_xlsx(_analysis(reader, region))))
    assert book.sheetnames == [
        "Regionens tilbud, lovgrundlag", "Regionens tilbud, målgrupper", "Lands- og sikrede, lovgrundlag",
        "Lands- og sikrede, målgrupper", "Køb på tværs 2020", "Matrix 2020", "Data",
    ]
    sheet = book["Regionens tilbud, lovgrundlag"]
    assert [cell.value for cell in sheet[5]][:7] == ["Lovgrundlag", "Tilbud 2020", "Pladser 2020",
                                                      "Belagte pladsdøgn 2020", "Pladsdøgn 2020", "Belægning 2019",
                                                      "Belægning 2020"]
    row = [cell for cell in sheet[6]]
    assert [cell.value for cell in row[:5]] == ["SEL § 107", 1, 12, 456, 4028]
    assert row[6].value == pytest.approx(11.32) and row[6].number_format == '0.00" %"'
    assert sheet._images  # the trend chart as PNG
    purchases = book["Køb på tværs 2020"]
    assert [cell.value for cell in purchases[5]] == ["Esbjerg Kommune", "Odense Kommune", 60, 1]
    matrix = book["Matrix 2020"]
    assert matrix["B4"].value == "Esbjerg Kommune" and matrix["A6"].value == "Odense Kommune"
    assert matrix["B6"].value == 60


def test_pdf_shows_the_title_and_the_sections(region, reader):
    pdf = analysis_pdf(_analysis(reader, region))
    assert pdf.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    text = text.decode()
    assert "Kapacitets- og belægningsanalyse 2019–2020: Region Syddanmark" in text
    assert "Lands- og landsdelsdækkende tilbud og sikrede afdelinger" in text
    assert "11,32 %" in text and "Køb af pladser på tværs af kommuner 2020" in text


def _client(username="laeser") -> Client:
    client = Client()
    header = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    client.defaults["HTTP_AUTHORIZATION"] = f"Basic {header}"
    return client


def test_api_answers_the_analysis_and_names_bad_input(region, reader):
    client = _client()
    response = client.get("/api/occupancy/analysis/", {"region": "syddanmark", "year_from": "2019",
                                                       "year_to": "2020"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["region"]["code"] == "1083" and [s["key"] for s in data["sections"]] == [MAIN, SEPARATE]
    assert data["sections"][1]["total"]["years"][1]["occupancy_pct"] == "0.55"
    response = client.get("/api/occupancy/analysis/", {"region": "atlantis"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("Ukendt region «atlantis»")
    assert response.json()["field"] == "region"
    response = client.get("/api/occupancy/analysis/", {"region": "1083", "year_from": "2030"})
    assert response.status_code == 400 and "uden for 2000" in response.json()["message"]
    response = client.get("/api/occupancy/analysis/", {"region": "1083", "year_to": "20x0"})
    assert response.status_code == 400 and response.json()["field"] == "year_to"
    assert Client().get("/api/occupancy/analysis/", {"region": "1083"}).status_code == 401


def test_page_and_exports_for_a_logged_in_user(region, reader):
    client = Client()
    assert client.login(username="laeser", password=PASSWORD)
    query = {"region": region["region"].pk, "year_from": "2019", "year_to": "2020", "purchase_year": "2020"}
    response = client.get("/belaegning/analyse/", query)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Regionens tilbud" in page and "Lands- og landsdelsdækkende tilbud og sikrede afdelinger" in page
    assert page.count("<svg ") == 0 and 'hx-get="/belaegning/analyse/grafer/?' in page  # charts after the page
    assert 'id="graf-main"' in page and 'id="graf-nationwide_secured"' in page and 'id="graf-koeb"' in page
    assert "11,32 %" in page
    charts = client.get("/belaegning/analyse/grafer/", query).content.decode()
    assert charts.count("<svg ") == 3  # a trend per section and the heat map, each swapped into its place by id
    for key in ("main", "nationwide_secured", "koeb"):
        assert f'<figure class="analysis-chart" id="graf-{key}" hx-swap-oob="true"><svg ' in charts
    assert client.get("/belaegning/analyse/grafer/", query).content.decode().count("<svg ") == 3  # from the cache
    assert Client().get("/belaegning/analyse/grafer/", query).status_code == 302  # to the login
    response = client.get("/belaegning/analyse/eksport.xlsx", query)
    assert response.status_code == 200 and response.content.startswith(b"PK")
    assert response["Content-Disposition"] == 'attachment; filename="belaegningsanalyse-syddanmark-2019-2020.xlsx"'
    bad = client.get("/belaegning/analyse/", {"year_from": "2019", "year_to": "2017"})
    assert bad.status_code == 200 and "Fra-året 2019 ligger efter til-året 2017" in bad.content.decode()
    assert client.get("/belaegning/analyse/eksport.csv").status_code == 404


def test_the_xlsx_writes_formulas_in_names_as_text(region, reader, odense, esbjerg):
    """Issue 11: an offer or organisation named =HYPERLINK(…) became a live formula in the export."""
    type(odense).objects.filter(pk=odense.pk).update(name=HYPERLINK)
    type(esbjerg).objects.filter(pk=esbjerg.pk).update(name=AT_SUM)
    assert_text_not_formula(analysis_xlsx(_analysis(reader, region)), HYPERLINK, AT_SUM)


def test_an_offer_sold_by_the_hour_is_not_counted_as_places(region, reader, make_offer, system, odense):
    """Issue 16: § 85 support sold by the hour, with places registered, pulled the region's occupancy down at 0 %."""
    support = make_offer(odense, name="Bostøtte § 85", places=40, paragraphs=("sel-85",), offer_type="outpatient")
    registry_services.service_create(actor=system, offer=support, name="Støttetimer", unit="hour")
    analysis = _analysis(reader, region)
    main, _ = analysis.sections
    assert analysis.hour_offers == 1
    assert (main.total.latest.offers, main.total.latest.places) == (1, 12)  # only Æblehaven's places


def test_the_year_selects_start_with_the_first_year_of_data(region, reader):
    """Issue 16: the selects offered fifteen years back, ten of them before any placement; now from the first year
    a place was held in the region's offers (2020 here) to this year, and the default span starts no earlier."""
    from rammeaftale.core import clock

    client = Client()
    assert client.login(username="laeser", password=PASSWORD)
    this_year = clock.today().year
    page = client.get("/belaegning/analyse/", {"region": region["region"].pk})
    assert page.context["year_choices"] == list(range(this_year, 2019, -1))
    asked = client.get("/belaegning/analyse/", {"region": region["region"].pk, "year_from": "2018",
                                                "year_to": "2020"})
    assert asked.context["year_choices"][-1] == 2018  # a year asked for stays selectable
    assert analysis_years("", "", today=TODAY, first_data_year=2020) == (2020, 2021)
    assert analysis_years("", "", today=TODAY, first_data_year=2015) == (2017, 2021)
    assert analysis_years("2018", "", today=TODAY, first_data_year=2020) == (2018, 2021)
