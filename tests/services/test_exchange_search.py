"""Searching the vacancies (issue 13, part 2): filters, the order (confirmed, then nearest), free places from the
occupancy engine, the tariff of the date, bad input refused in Danish, the page and the XLSX export."""
import io
from datetime import date, timedelta

import openpyxl
import pytest

from rammeaftale.accounts.actor import ANONYMOUS
from rammeaftale.accounts.models import Role
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.engine.occupancy import Span
from rammeaftale.exchange.search import FREE_FOR_DAYS, VacancySearch, vacancy_search
from rammeaftale.exchange.services import vacancy_confirm
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements.selectors import free_places_of
from rammeaftale.placements.services import PlacementRequest, placement_notice_give, placement_request
from rammeaftale.registry import services as registry_services
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from tests.conftest import TODAY

CPR = "0101901234"


def _municipality(code: str) -> Organisation:
    return Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, code=code)


@pytest.fixture
def market(agreements, esbjerg, odense, copenhagen, make_offer, system):
    """Offers in Esbjerg (the caseworker's own), Varde (its neighbour), Odense (the region) and Copenhagen (another
    region), one private; each with a basis service priced per day."""
    varde = _municipality("573")
    private = registry_services.private_operator_create(actor=system, name="Opholdsstedet Klitten ApS",
                                                        cvr="12345674", region=esbjerg.region)
    offers = {
        "copenhagen": make_offer(copenhagen, name="Bostedet Amager", places=3, ages=(18, None)),
        "odense": make_offer(odense, name="Bostedet Æblehaven", places=2, ages=(18, 65)),
        "varde": make_offer(varde, name="Bostedet Vesterhavet", places=2, ages=(18, 30)),
        "esbjerg": make_offer(esbjerg, name="Bostedet Havnen", places=1, ages=(0, 17),
                              paragraphs=("sel-107",)),
        "private": make_offer(private, name="=HYPERLINK(\"x\") Klitten", municipality=esbjerg, places=4),
    }
    for index, (key, offer) in enumerate(offers.items()):
        service = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
        Tariff.objects.create(service=service, year=TODAY.year, amount_ore=200_000 + index * 50_000,
                              origin=TariffOrigin.PUBLISHED)
        Tariff.objects.create(service=service, year=TODAY.year + 1, amount_ore=210_000 + index * 50_000,
                              origin=TariffOrigin.PUBLISHED)
    return offers


@pytest.fixture
def caseworker(esbjerg, make_user, actor_of):
    return actor_of(make_user(esbjerg, Role.CASEWORKER))


def _names(results) -> list[str]:
    return [hit.name for hit in results.hits]


def test_offers_come_nearest_first_and_a_confirmed_vacancy_before_them(market, caseworker, make_user, actor_of,
                                                                       copenhagen):
    results = vacancy_search(actor=caseworker, search=VacancySearch(), today=TODAY)
    assert _names(results) == ["=HYPERLINK(\"x\") Klitten", "Bostedet Havnen", "Bostedet Vesterhavet",
                               "Bostedet Æblehaven", "Bostedet Amager"]
    assert [hit.distance_label for hit in results.hits] == [
        "Samme kommune", "Samme kommune", "Nabokommune i regionen", "I regionen", "Andre regioner"]
    assert results.matching == 5 and not results.more
    operator = actor_of(make_user(copenhagen, Role.OPERATOR))
    vacancy_confirm(actor=operator, offer=market["copenhagen"], places=1, free_from=TODAY, today=TODAY)
    confirmed = vacancy_search(actor=caseworker, search=VacancySearch(), today=TODAY)
    assert _names(confirmed)[0] == "Bostedet Amager" and confirmed.hits[0].confirmed_free
    # A confirmation of places free only later does not put the offer first for an earlier date.
    vacancy_confirm(actor=operator, offer=market["copenhagen"], places=1, free_from=TODAY + timedelta(days=40),
                    today=TODAY)
    assert _names(vacancy_search(actor=caseworker, search=VacancySearch(), today=TODAY))[-1] == "Bostedet Amager"


def test_the_filters_narrow_the_offers(market, caseworker, region_syd):
    def names(**filters):
        return _names(vacancy_search(actor=caseworker, search=VacancySearch(**filters), today=TODAY))

    assert names(paragraph="sel-107") == ["Bostedet Havnen"]
    assert names(age_from=10, age_to=12) == ["=HYPERLINK(\"x\") Klitten", "Bostedet Havnen"]  # no ages: no bound
    assert names(age_from=40, age_to=50) == ["=HYPERLINK(\"x\") Klitten", "Bostedet Æblehaven", "Bostedet Amager"]
    assert names(operator_kinds=("privat",)) == ["=HYPERLINK(\"x\") Klitten"]
    assert "=HYPERLINK(\"x\") Klitten" not in names(operator_kinds=("kommunal", "regional"))
    assert names(region_id=region_syd.pk, municipality_id=_municipality("573").pk) == ["Bostedet Vesterhavet"]
    # The tariff of the date: 2,000 kr. a day this year for the first offer, 2,100 kr. from 1 January.
    assert names(tariff_min_kr=2000, tariff_max_kr=2000) == ["Bostedet Amager"]
    assert names(tariff_min_kr=2000, tariff_max_kr=2000, free_from=date(TODAY.year + 1, 1, 1)) == []
    assert names(tariff_min_kr=2100, tariff_max_kr=2100, free_from=date(TODAY.year + 1, 1, 1)) == ["Bostedet Amager"]
    hit = vacancy_search(actor=caseworker, search=VacancySearch(municipality_id=_municipality("573").pk),
                         today=TODAY).hits[0]
    assert (hit.tariff.amount_ore, hit.tariff.unit_label) == (300_000, "døgn/dag")
    assert hit.tariff.tariff_id == Tariff.objects.get(service__offer=market["varde"], year=TODAY.year).pk


def test_free_places_are_the_engines_and_a_place_freed_by_notice_shows_from_the_day_it_frees(market, caseworker,
                                                                                            esbjerg, odense,
                                                                                            make_user, actor_of):
    offer = market["esbjerg"]  # one place
    placement = placement_request(actor=caseworker, request=PlacementRequest(
        offer=offer, paying_municipality=esbjerg, citizen_name="Anna Andersen", cpr=CPR,
        start_date=TODAY - timedelta(days=30)), reserve=True)
    search = VacancySearch(municipality_id=esbjerg.pk, paragraph="sel-107")
    assert vacancy_search(actor=caseworker, search=search, today=TODAY).hits == []
    shown = vacancy_search(actor=caseworker, search=VacancySearch(municipality_id=esbjerg.pk, paragraph="sel-107",
                                                                  only_free=False), today=TODAY).hits
    assert [(hit.places, hit.free) for hit in shown] == [(1, 0)]
    placement_notice_give(actor=caseworker, placement=placement, given_on=TODAY)
    placement.refresh_from_db()
    freed = placement.holds_until
    assert freed is not None
    assert vacancy_search(actor=caseworker, search=search, today=TODAY).hits == []
    later = vacancy_search(actor=caseworker, search=VacancySearch(municipality_id=esbjerg.pk, paragraph="sel-107",
                                                                  free_from=freed), today=TODAY).hits
    [engine] = free_places_of([Span(offer.pk, freed, freed + timedelta(days=FREE_FOR_DAYS))])
    assert [(hit.name, hit.free) for hit in later] == [("Bostedet Havnen", engine.free)] and engine.free == 1


@pytest.mark.parametrize(("filters", "field", "message"), [
    ({"age_from": 30, "age_to": 18}, "age_to", "Aldersintervallet er umuligt"),
    ({"age_from": -1}, "age_from", "mellem 0 og 120"),
    ({"free_from": TODAY - timedelta(days=1)}, "free_from", "ligger før i dag"),
    ({"tariff_min_kr": 3000, "tariff_max_kr": 2000}, "tariff_max_kr", "er større end"),
])
def test_an_impossible_search_is_refused_in_danish(market, caseworker, filters, field, message):
    with pytest.raises(DomainError, match=message) as error:
        vacancy_search(actor=caseworker, search=VacancySearch(**filters), today=TODAY)
    assert error.value.field == field


def test_only_a_logged_in_user_searches(market):
    with pytest.raises(NotAllowed):
        vacancy_search(actor=ANONYMOUS, search=VacancySearch(), today=TODAY)


def test_the_page_pages_and_the_export_is_every_result_as_text(market, caseworker, esbjerg, make_user, client,
                                                                settings):
    client.force_login(make_user(esbjerg, Role.CASEWORKER))
    page = client.get("/ledige-pladser/", {"offer_type": "residential"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "5 tilbud" in html and "Bostedet Vesterhavet" in html and "Nabokommune i regionen" in html
    assert 'name="offer" value="%d"' % market["varde"].pk in html  # ticked offers go to one request
    bad = client.get("/ledige-pladser/", {"age_from": "30", "age_to": "18"})
    assert bad.status_code == 400 and "Aldersintervallet er umuligt" in bad.content.decode()
    past = client.get("/ledige-pladser/", {"free_from": (TODAY - timedelta(days=1)).isoformat()})
    assert past.status_code == 400 and "ligger før i dag" in past.content.decode()
    export = client.get("/ledige-pladser/eksport.xlsx", {"offer_type": "residential"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = [row for row in sheet.iter_rows(min_row=5, values_only=True) if row[0]]
    assert [row[0] for row in rows][:2] == ["=HYPERLINK(\"x\") Klitten", "Bostedet Havnen"]
    assert sheet.cell(row=5, column=1).data_type == "s"  # text, never a formula
    assert len(rows) == 5


def test_the_api_searches_as_the_page_does(market, esbjerg, make_user, client):
    client.force_login(make_user(esbjerg, Role.CASEWORKER))
    answer = client.get("/api/exchange/vacancies", {"offer_type": "residential", "limit": 2})
    body = answer.json()
    assert answer.status_code == 200 and body["matching"] == 5 and body["more"] is True
    assert [item["name"] for item in body["items"]] == ["=HYPERLINK(\"x\") Klitten", "Bostedet Havnen"]
    assert body["items"][1]["distance"] == "Samme kommune" and body["items"][1]["tariff"]["amount_kr"] == "3500.00"
    bad = client.get("/api/exchange/vacancies", {"age_from": 30, "age_to": 18})
    assert bad.status_code == 400 and bad.json()["field"] == "age_to"
    assert "Aldersintervallet er umuligt" in bad.json()["message"]


def test_the_region_and_municipality_filters_list_only_places_with_offers(market, esbjerg, copenhagen, make_user,
                                                                           client):
    """Issue 16: a filter lists no region (or offer municipality) that has no offers and would only empty the list,
    on the vacancy search and on the offer list."""
    client.force_login(make_user(esbjerg, Role.CASEWORKER))
    search = client.get("/ledige-pladser/").context["form"]
    regions = [label for value, label in search.fields["region"].choices if value]
    assert regions == sorted([str(esbjerg.region), str(copenhagen.region)])
    assert "Region Nordjylland" not in regions
    municipalities = {label for value, label in search.fields["municipality"].choices if value}
    assert municipalities == {"Esbjerg", "Varde", "Odense", "København"}
    offer_list = client.get("/tilbud/")
    assert [str(region) for region in offer_list.context["regions"]] == regions
