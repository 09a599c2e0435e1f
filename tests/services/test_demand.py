"""Demand and forecast (issue 14, part 5): a small region counted by hand, the forecast beside capacity, the
municipalities' expected demand (refusals, audit), the page and XLSX, and who may see which region."""
import io
from datetime import date

import openpyxl
import pytest
from django.test import Client

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.economy.demand import demand_analysis, demand_expectation_set
from rammeaftale.economy.models import DemandExpectation
from rammeaftale.engine.demand import demand_forecast
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements.services import PlacementRequest, placement_request
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import TargetGroup
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from tests.conftest import PASSWORD

TODAY = date(2023, 3, 1)  # the running year 2023 up to 1 March; whole years 2020–2022; expectations for 2024


def _place(system, offer, *, payer, start, end=None, number=0):
    return placement_request(actor=system, request=PlacementRequest(
        offer=offer, paying_municipality=payer, acting_municipality=payer, citizen_name=f"Borger {number}",
        cpr=f"0101{80 + number}1234", start_date=start, planned_end=end, custody="", contact_name="Sagsbehandler"),
        reserve=True)


@pytest.fixture
def world(agreements, odense, esbjerg, make_offer, system, region_syd, secretariat_syd, make_user, actor_of):
    # Odense's offer: udviklingshæmning, § 108, 2 places from 2020, 3 from 2024.
    haven = make_offer(odense, name="Bostedet Haven", places=2, paragraphs=("sel-108",),
                       target_groups=("udviklingshaemning",))
    registry_services.offer_capacity_set(actor=system, offer=haven, valid_from=date(2024, 1, 1), places=3)
    # Esbjerg's offer: autisme, § 107 and § 108, 3 places from 2020.
    vest = make_offer(esbjerg, name="Bostedet Vest", places=3, paragraphs=("sel-107", "sel-108"),
                      target_groups=("autisme",))
    for offer in (haven, vest):
        service = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
        for year in (2020, 2021, 2022):
            Tariff.objects.create(service=service, year=year, amount_ore=200_000, origin=TariffOrigin.PUBLISHED)
    _place(system, haven, payer=odense, start=date(2020, 1, 1), end=date(2021, 1, 1), number=1)  # 2020: 366
    _place(system, haven, payer=esbjerg, start=date(2021, 7, 1), number=2)  # 2021: 184, 2022: 365, 2023: 59
    _place(system, vest, payer=odense, start=date(2021, 1, 1), end=date(2021, 1, 11), number=3)  # 2021: 10
    _place(system, vest, payer=odense, start=date(2022, 6, 1), end=date(2022, 6, 11), number=4)  # 2022: 10
    _place(system, vest, payer=esbjerg, start=date(2022, 12, 22), end=date(2023, 1, 11), number=5)  # 10 + 10
    return {"haven": haven, "vest": vest, "region": region_syd,
            "secretariat": actor_of(make_user(secretariat_syd, Role.SECRETARIAT, username="sekr")),
            "odense_economist": actor_of(make_user(odense, Role.ECONOMIST, username="oek")),
            "esbjerg_caseworker": actor_of(make_user(esbjerg, Role.CASEWORKER, username="sagsb"))}


def _rows(group):
    return [(y.year, y.placements, y.occupied_days, y.places, y.capacity_days) for y in group.history]


def test_the_years_are_counted_by_hand_per_target_group_and_paragraph(world):
    analysis = demand_analysis(actor=world["secretariat"], region_id=world["region"].pk, today=TODAY)
    assert [group.label for group in analysis.by_target_group] == ["Autismespektrumforstyrrelse",
                                                                   "Udviklingshæmning"]
    autism, disability = analysis.by_target_group
    # (year, placements, place-days, places on 1 January, capacity place-days)
    assert _rows(disability) == [(2020, 1, 366, 2, 732), (2021, 1, 184, 2, 730), (2022, 1, 365, 2, 730)]
    assert _rows(autism) == [(2020, 0, 0, 3, 1098), (2021, 1, 10, 3, 1095), (2022, 2, 20, 3, 1095)]
    # The running year to 1 March: the open stay 59 days; Vest's stay over new year 10 days in 2023.
    running = disability.future[0]
    assert (running.year, running.running, running.placements, running.occupied_days) == (2023, True, 1, 59)
    assert (autism.future[0].placements, autism.future[0].occupied_days) == (1, 10)
    # Supply ahead: Haven's 2 places, then 3 from 2024.
    assert [(y.year, y.places, y.capacity_days) for y in disability.future] == [
        (2023, 2, 730), (2024, 3, 1098), (2025, 3, 1095), (2026, 3, 1095)]
    # The forecast is the engine's on the whole years (3 years: simple smoothing) for 2023 and the next three.
    expected = demand_forecast(series=[(2020, 366), (2021, 184), (2022, 365)], horizon=4)
    assert disability.forecast == expected and disability.forecast.method == "simple"
    assert [y.forecast for y in disability.future] == list(expected.years)
    assert disability.future[1].capacity_margin == 1098 - expected.years[1].value
    # By paragraph: § 107 is Vest alone, § 108 both offers summed.
    by_paragraph = {group.label: group for group in analysis.by_paragraph}
    assert list(by_paragraph) == ["SEL § 107", "SEL § 108"]
    assert _rows(by_paragraph["SEL § 107"]) == _rows(autism)
    assert _rows(by_paragraph["SEL § 108"]) == [(2020, 1, 366, 5, 1830), (2021, 2, 194, 5, 1825),
                                                (2022, 3, 385, 5, 1825)]
    assert not AuditEvent.objects.filter(event_type__startswith="demand").exists()  # reads are not audited


def test_too_few_years_say_so(world):
    analysis = demand_analysis(actor=world["secretariat"], region_id=world["region"].pk, today=date(2022, 3, 1))
    disability = analysis.by_target_group[1]
    assert [y.year for y in disability.history] == [2020, 2021]
    assert disability.forecast.method is None and all(y.forecast is None for y in disability.future)
    assert disability.forecast.message_da == "For få år til en prognose (mindst 3 hele år)."


def test_a_municipality_enters_its_expectation_audited_and_the_secretariat_counts_them(world):
    disability = TargetGroup.objects.get(code="udviklingshaemning")
    economist, caseworker = world["odense_economist"], world["esbjerg_caseworker"]
    demand_expectation_set(actor=economist, municipality_id=economist.organisation_id, year=2024,
                           target_group_id=disability.pk, expectation="more", note="To nye børn visiteret.",
                           today=TODAY)
    row = demand_expectation_set(actor=economist, municipality_id=economist.organisation_id, year=2024,
                                 target_group_id=disability.pk, expectation="same", note="", today=TODAY)
    demand_expectation_set(actor=caseworker, municipality_id=caseworker.organisation_id, year=2024,
                           target_group_id=disability.pk, expectation="less", note="Eget tilbud åbner.",
                           today=TODAY)
    assert DemandExpectation.objects.count() == 2 and row.expectation == "same"
    events = list(AuditEvent.objects.filter(event_type="demand_expectation.set").order_by("pk"))
    assert len(events) == 3 and events[0].before is None
    assert events[1].before == {"expectation": "more", "note": "To nye børn visiteret."}
    assert events[1].after["expectation"] == "same"
    analysis = demand_analysis(actor=world["secretariat"], region_id=world["region"].pk, today=TODAY)
    group = analysis.by_target_group[1]
    assert analysis.expectation_year == 2024
    assert group.expectations == {"same": 1, "less": 1}
    assert group.notes == (("Esbjerg Kommune", "Mindre behov", "Eget tilbud åbner."),)


def test_expectations_are_refused_with_danish_messages_and_nothing_written(world, secretariat_syd, make_user,
                                                                           actor_of, odense):
    disability = TargetGroup.objects.get(code="udviklingshaemning")
    economist = world["odense_economist"]

    def enter(actor=economist, municipality_id=economist.organisation_id, year=2024, expectation="more", note=""):
        return demand_expectation_set(actor=actor, municipality_id=municipality_id, year=year,
                                      target_group_id=disability.pk, expectation=expectation, note=note, today=TODAY)

    with pytest.raises(NotAllowed, match="Kun kommunens egne"):
        enter(actor=world["secretariat"], municipality_id=odense.pk)  # not a municipality
    with pytest.raises(NotAllowed, match="Kun kommunens egne"):
        enter(actor=actor_of(make_user(odense, Role.OPERATOR, username="drift")))  # a municipality's operator role
    with pytest.raises(NotAllowed, match="Kun kommunens egne"):
        enter(municipality_id=world["esbjerg_caseworker"].organisation_id)  # another municipality
    with pytest.raises(DomainError, match=r"angives for næste år \(2024\)"):
        enter(year=2023)
    with pytest.raises(DomainError, match="større, samme eller mindre"):
        enter(expectation="much")
    with pytest.raises(DomainError, match="højst være 500 tegn"):
        enter(note="x" * 501)
    with pytest.raises(DomainError, match="CPR-nummer"):
        enter(note="Gælder 010180-1234 og søskende")
    assert not DemandExpectation.objects.exists()
    assert not AuditEvent.objects.filter(event_type="demand_expectation.set").exists()


def test_scoping_a_region_sees_its_own_and_its_municipalities_theirs(world, region_hovedstaden, copenhagen,
                                                                     make_user, actor_of):
    hovedstaden_secretariat = Organisation.objects.get(kind=OrganisationKind.SECRETARIAT, region=region_hovedstaden)
    other = actor_of(make_user(hovedstaden_secretariat, Role.SECRETARIAT, username="sekr-h"))
    with pytest.raises(NotAllowed, match="regionens sekretariat og kommunerne"):
        demand_analysis(actor=other, region_id=world["region"].pk, today=TODAY)
    own = demand_analysis(actor=other, region_id=region_hovedstaden.pk, today=TODAY)
    assert all(not group.history or group.history[0].year >= 2020 for group in own.by_target_group)
    assert "Bostedet" not in str(own)  # no figures of Syddanmark's offers
    with pytest.raises(NotAllowed):
        demand_analysis(actor=actor_of(make_user(copenhagen, Role.ECONOMIST, username="kbh")),
                        region_id=world["region"].pk, today=TODAY)
    municipality = demand_analysis(actor=world["esbjerg_caseworker"], region_id=world["region"].pk, today=TODAY)
    assert [group.label for group in municipality.by_target_group] == ["Autismespektrumforstyrrelse",
                                                                       "Udviklingshæmning"]


@pytest.fixture
def frozen(monkeypatch):
    from rammeaftale.core import clock
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def _client(username):
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_the_page_chart_and_xlsx_for_the_secretariat(world, frozen):
    client = _client("sekr")
    overview = client.get("/oekonomi/")
    assert 'href="/oekonomi/behov/"' in overview.content.decode()
    page = client.get("/oekonomi/behov/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Behov og prognose" in html and "Udviklingshæmning" in html and "SEL § 108" in html
    assert 'role="img" aria-label="Kapacitet og prognose: Udviklingshæmning"' in html
    assert "simpel eksponentiel udjævning" in html and "(til dato)" in html
    response = client.get("/oekonomi/behov/eksport.xlsx")
    assert response.status_code == 200 and "behov-og-prognose" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Målgrupper", "Lovgrundlag", "Kommunernes forventninger"]
    rows = list(book["Målgrupper"].iter_rows(min_row=5, values_only=True))
    assert ("Udviklingshæmning", 2021, "Hele år", 1, 184, 2, 730) in [row[:7] for row in rows]
    forecast_2024 = next(row for row in rows if row[0] == "Udviklingshæmning" and row[1] == 2024)
    assert forecast_2024[2] == "Prognose" and forecast_2024[6] == 1098 and forecast_2024[10] == 1098 - forecast_2024[7]
    assert client.get("/oekonomi/behov/eksport.pdf").status_code == 404


def test_the_expectations_page_saves_all_rows_or_none(world, frozen):
    client = _client("oek")
    page = client.get("/oekonomi/behov/forventninger/")
    assert page.status_code == 200 and "forventede behov for 2024" in page.content.decode()
    disability = TargetGroup.objects.get(code="udviklingshaemning")
    autism = TargetGroup.objects.get(code="autisme")
    refused = client.post("/oekonomi/behov/forventninger/", {
        f"expectation-{disability.pk}": "more", f"note-{disability.pk}": "Nye sager",
        f"expectation-{autism.pk}": "less", f"note-{autism.pk}": "CPR 010180-1234"})
    assert refused.status_code == 400
    assert "Autismespektrumforstyrrelse: Bemærkningen må ikke indeholde et CPR-nummer." in refused.content.decode()
    assert not DemandExpectation.objects.exists()
    saved = client.post("/oekonomi/behov/forventninger/", {
        f"expectation-{disability.pk}": "more", f"note-{disability.pk}": "Nye sager",
        f"expectation-{autism.pk}": ""})
    assert saved.status_code == 302
    assert list(DemandExpectation.objects.values_list("target_group__code", "expectation", "year")) == [
        ("udviklingshaemning", "more", 2024)]
    assert _client("sekr").get("/oekonomi/behov/forventninger/").status_code == 403
