"""The category assessment from real sales: the year before's placements counted by the occupancy engine (the
operator's own citizens held but not sold, cancelled placements not at all, a stay ending mid-year for its days),
the suggestion against Syddanmark 2017's thresholds and the thresholds-free 2019–20 text, the page with the
secretariat's decision (locked for the year) and the API. Fixed years: nothing depends on the day the tests run."""
import re
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from django.urls import reverse

from rammeaftale.accounts.actor import ANONYMOUS
from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.occupancy.category import category_assessment
from rammeaftale.occupancy.sales import offer_sales
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements import services as placement_services
from rammeaftale.placements.services import PlacementRequest, placement_request
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import OfferCategory
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from tests.conftest import TODAY

YEAR = 2018  # the category year: Syddanmark 2017's thresholds (the region's latest agreement before 2018)
SALES = YEAR - 1  # the sales it is decided from


def _municipality(code: str) -> Organisation:
    return Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, code=code)


def _offer(system, make_offer, operator, *, name, places, tariffs):
    offer = make_offer(operator, name=name, places=None)
    registry_services.offer_capacity_set(actor=system, offer=offer, valid_from=date(SALES - 1, 1, 1), places=places)
    basis = registry_services.service_create(actor=system, offer=offer, name="Døgnophold")
    for year, amount_ore in tariffs.items():
        Tariff.objects.create(service=basis, year=year, amount_ore=amount_ore, origin=TariffOrigin.PUBLISHED)
    return offer


def buy(system, offer, payer, *, cpr, start, end=None):
    outside = payer.region_id != offer.municipality.region_id  # seed 000: an individual payment agreement then
    return placement_request(actor=system, request=PlacementRequest(
        offer=offer, paying_municipality=payer, acting_municipality=payer, citizen_name="Borger", cpr=cpr,
        start_date=start, planned_end=end, custody="", contact_name="Sagsbehandler",
        payment_agreement="Betalingsaftale efter takstprincipperne" if outside else "",
        payment_agreement_follows_tariff_principles=True if outside else None), reserve=True)


@pytest.fixture
def world(agreements, esbjerg, odense, copenhagen, secretariat_syd, make_offer, make_user, actor_of, system):
    """Esbjerg's Engen, 4 places, 2,400 kr. a day in 2017 and 2,500 kr. in 2018. In 2017: Esbjerg's own citizen all
    year (held, not sold), Odense all year, Copenhagen 1 July–30 September (92 days), Kolding's cancelled request,
    and a 2018 placement that is not last year's sales."""
    engen = _offer(system, make_offer, esbjerg, name="Bostedet Engen", places=4,
                   tariffs={SALES: 240_000, YEAR: 250_000})
    kolding = _municipality("621")
    placements = {
        "own": buy(system, engen, esbjerg, cpr="0101801234", start=date(SALES, 1, 1)),
        "odense": buy(system, engen, odense, cpr="0101811234", start=date(SALES, 1, 1)),
        "copenhagen": buy(system, engen, copenhagen, cpr="0101821234", start=date(SALES, 7, 1),
                          end=date(SALES, 10, 1)),
        "cancelled": buy(system, engen, kolding, cpr="0101831234", start=date(SALES, 3, 1)),
        "next_year": buy(system, engen, kolding, cpr="0101841234", start=date(YEAR, 2, 1)),
    }
    placement_services.placement_cancel(actor=system, placement=placements["cancelled"], reason="Fortrudt")
    users = {
        "secretariat": make_user(secretariat_syd, Role.SECRETARIAT, username="sekretariat-syd"),
        "economist": make_user(esbjerg, Role.ECONOMIST, username="oekonom-esbjerg"),
        "odense_caseworker": make_user(odense, Role.CASEWORKER, username="sagsbehandler-odense"),
    }
    return {"engen": engen, "placements": placements, "users": users, "kolding": kolding,
            "actors": {key: actor_of(user) for key, user in users.items()}}


# The sales, from the placements.


def test_last_years_sales_are_counted_from_the_placements(world, odense, copenhagen):
    assert world["placements"]["own"].is_internal
    sales = offer_sales(offer_id=world["engen"].pk, year=SALES)
    assert (sales.days, sales.capacity_days) == (365, 4 * 365)
    # Held: the own citizen 365 + Odense 365 + Copenhagen 92 (July, August, September); the cancelled request none.
    assert sales.occupied_days == 365 + 365 + 92
    # Sold to others: Odense and Copenhagen only; the operator's own citizen is not a sale.
    assert sales.sold_days == 365 + 92
    assert [(b.name, b.place_days) for b in sales.buyers] == sorted(
        [(odense.name, 365), (copenhagen.name, 92)])
    assert sales.other_buying_municipalities == 2
    assert sales.places == 4 and sales.places_sold_to_others == Fraction(457, 365)


def test_the_year_after_holds_only_its_own_placements(world, odense, system):
    sales = offer_sales(offer_id=world["engen"].pk, year=YEAR)
    # 2018: Esbjerg's own and Odense all year, Kolding from 1 February (334 days); Copenhagen ended in 2017.
    assert sales.sold_days == 365 + 334 and sales.other_buying_municipalities == 2
    assert {b.name for b in sales.buyers} == {odense.name, world["kolding"].name}


def test_the_assessment_uses_the_year_before_and_the_offers_own_tariff(world):
    a = category_assessment(actor=world["actors"]["secretariat"], offer_id=world["engen"].pk, year=YEAR, today=TODAY)
    assert (a.sales_year, a.daily_tariff_kr, a.daily_tariff_source) == (SALES, Decimal("2500.00"),
                                                                        f"Døgnophold, takst {YEAR}")
    assert a.rulebook_name == "Rammeaftale 2017, Syddanmark"
    # 2,500 kr. ≥ 2,000 kr.; 2 other municipalities < 4; 457 / 1,460 = 31.30 % < 40 %: sells, fits no definition.
    assert (a.suggestion.category, a.suggestion.needs_assessment) == (None, True)
    assert a.share_sold_pct_shown == Decimal("31.30") and a.places_sold_shown == Decimal("1.25")
    assert "fodnote 3" in a.suggestion.reason_da and "enkelte pladser" in a.suggestion.reason_da
    assert a.may_decide and a.may_see_buyers and not a.locked


def test_a_running_sales_year_is_said_to_be_counted_as_it_stands(world):
    actor = world["actors"]["secretariat"]
    during = category_assessment(actor=actor, offer_id=world["engen"].pk, year=YEAR, today=date(SALES, 9, 15))
    after = category_assessment(actor=actor, offer_id=world["engen"].pk, year=YEAR, today=date(YEAR, 1, 1))
    assert not during.sales_year_complete and after.sales_year_complete
    # The open-ended stays count to 31 December either way: the figures are the same.
    assert during.offer_sales == after.offer_sales


def test_selling_40_pct_of_the_places_makes_a_candidate(world, system):
    buy(system, world["engen"], world["kolding"], cpr="0101851234", start=date(SALES, 1, 1))
    a = category_assessment(actor=world["actors"]["secretariat"], offer_id=world["engen"].pk, year=YEAR, today=TODAY)
    # (365 + 92 + 365) / 1,460 = 56.30 %, 3 buyers: the share threshold is met.
    assert a.suggestion.category == "hoejt_specialiseret" and a.suggestion.tests.share_met
    assert not a.suggestion.tests.buyers_met and a.offer_sales.other_buying_municipalities == 3


def test_39_97_pct_from_real_placements_is_not_40_pct(agreements, esbjerg, odense, make_offer, system, actor_of,
                                                      secretariat_syd, make_user):
    offer = _offer(system, make_offer, esbjerg, name="Bofællesskabet Lærken", places=10,
                   tariffs={SALES: 210_000, YEAR: 220_000})
    for index in range(3):
        buy(system, offer, odense, cpr=f"01019{index}1234", start=date(SALES, 1, 1))
    buy(system, offer, odense, cpr="0101941234", start=date(SALES, 1, 2))
    actor = actor_of(make_user(secretariat_syd, Role.SECRETARIAT))
    # 3 × 365 + 364 = 1,459 of 3,650 place-days = 39.97 %: one decimal would say 40.0 %, the rule says no.
    a = category_assessment(actor=actor, offer_id=offer.pk, year=YEAR, today=TODAY)
    assert a.share_sold_pct_shown == Decimal("39.97") and a.suggestion.category is None
    buy(system, offer, odense, cpr="0101951234", start=date(SALES, 12, 31))  # one more place-day: 1,460 = 40 %
    a = category_assessment(actor=actor, offer_id=offer.pk, year=YEAR, today=TODAY)
    assert a.share_sold_pct_shown == Decimal("40.00") and a.suggestion.category == "hoejt_specialiseret"


def test_a_cheaper_seller_is_klynge_and_an_offer_for_own_citizens_is_lokal(agreements, esbjerg, odense, make_offer,
                                                                        system, world):
    actor = world["actors"]["secretariat"]
    cheap = _offer(system, make_offer, esbjerg, name="Dagtilbuddet Kastanjen", places=5,
                   tariffs={SALES: 90_000, YEAR: 95_000})
    buy(system, cheap, odense, cpr="0101861234", start=date(SALES, 5, 1))
    assert category_assessment(actor=actor, offer_id=cheap.pk, year=YEAR, today=TODAY).suggestion.category == "klynge"
    own = _offer(system, make_offer, esbjerg, name="Bofællesskabet Mågen", places=5,
                 tariffs={SALES: 300_000, YEAR: 300_000})
    buy(system, own, esbjerg, cpr="0101871234", start=date(SALES, 5, 1))
    a = category_assessment(actor=actor, offer_id=own.pk, year=YEAR, today=TODAY)
    assert a.suggestion.category == "lokal" and a.offer_sales.occupied_days == 245 and a.offer_sales.sold_days == 0


def test_more_place_days_sold_than_capacity_needs_an_assessment(world, system, odense):
    registry_services.offer_capacity_set(actor=system, offer=world["engen"], valid_from=date(SALES - 1, 1, 1),
                                         places=1)
    a = category_assessment(actor=world["actors"]["secretariat"], offer_id=world["engen"].pk, year=YEAR, today=TODAY)
    # 457 sold place-days against 365 of capacity (the placements were made when there were 4 places).
    assert a.sales is None and a.suggestion.needs_assessment and a.suggestion.category is None
    assert f"salget i {SALES} kan ikke prøves mod regelbogen: flere pladser solgt til andre kommuner" in (
        a.suggestion.reason_da)


def test_the_2019_20_rulebook_has_no_thresholds(world):
    a = category_assessment(actor=world["actors"]["secretariat"], offer_id=world["engen"].pk, year=2020, today=TODAY)
    assert a.rulebook_name == "Rammeaftale 2019–2020, Syddanmark" and a.sales_year == 2019
    assert (a.suggestion.category, a.suggestion.needs_assessment) == (None, True)
    assert "har ingen tærskler for kategorisering" in a.suggestion.reason_da


def test_reading_needs_a_login_a_real_offer_and_a_sane_year(world, system):
    with pytest.raises(NotAllowed):
        category_assessment(actor=ANONYMOUS, offer_id=world["engen"].pk, year=YEAR, today=TODAY)
    with pytest.raises(NotFound):
        category_assessment(actor=system, offer_id=999_999, year=YEAR, today=TODAY)
    with pytest.raises(DomainError) as error:
        category_assessment(actor=system, offer_id=world["engen"].pk, year=3000, today=TODAY)
    assert error.value.field == "year"


def test_who_bought_is_for_the_operator_and_the_secretariat(world):
    for key, sees in (("secretariat", True), ("economist", True), ("odense_caseworker", False)):
        a = category_assessment(actor=world["actors"][key], offer_id=world["engen"].pk, year=YEAR, today=TODAY)
        assert a.may_see_buyers is sees and a.may_decide is (key == "secretariat")


# The page.


@pytest.fixture
def as_user(client, world):
    def login(key):
        client.force_login(world["users"][key])
        return client
    return login


def _url(world, year=YEAR):
    return reverse("tariffs:category", args=[world["engen"].pk, year])


def test_the_page_keeps_its_address_among_the_tariff_pages(world):
    assert _url(world) == f"/takster/tilbud/{world['engen'].pk}/kategori/{YEAR}/"


def test_the_page_shows_last_years_sales_and_the_suggestion(as_user, world, odense, copenhagen):
    html = as_user("secretariat").get(_url(world)).content.decode()
    assert f"Salg i {SALES}" in html and f"grundlaget er det seneste hele år, {SALES}" in html
    sales = re.search(r'<table class="data" id="category-sales">(.*?)</table>', html, re.S).group(1)
    assert "2.500,00 kr." in sales and f"Døgnophold, takst {YEAR}" in sales
    assert "1.460 pladsdøgn ÷ 365 dage" in sales and "457 pladsdøgn ÷ 365 dage = 31,30 % af pladserne" in sales
    assert "822" in sales  # held in all, the own citizen included
    buyers = re.search(r'<ul id="category-buyers">(.*?)</ul>', html, re.S).group(1)
    assert f"{odense.name}: 365 pladsdøgn" in buyers and f"{copenhagen.name}: 92 pladsdøgn" in buyers
    assert "intet forslag – kræver vurdering" in html and "notice--warn" in html
    thresholds = re.search(r'<table class="data" id="category-thresholds">(.*?)</table>', html, re.S).group(1)
    assert "Sælger til mindst 4 andre kommuner</td><td>nej" in thresholds
    assert 'eller derover</td><td><span class="check--ok">ja</span>' in thresholds
    assert "Fastlæg kategori for 2018" in html
    assert 'name="other_buying_municipalities"' not in html and 'name="share_sold_pct"' not in html


def test_next_years_page_says_this_year_is_still_running(as_user, world):
    this_year = TODAY.year  # whichever day it is, this year has not ended
    html = as_user("secretariat").get(_url(world, year=this_year + 1)).content.decode()
    assert f"Salg i {this_year}" in html and f"{this_year} er ikke slut" in html
    assert f"{SALES} er ikke slut" not in as_user("secretariat").get(_url(world)).content.decode()


def test_typed_figures_are_not_taken(as_user, world):
    client = as_user("secretariat")
    typed = client.get(_url(world), {"daily_tariff_kr": "1000", "other_buying_municipalities": "9",
                                     "share_sold_pct": "90"}).content.decode()
    assert "intet forslag – kræver vurdering" in typed and "9 andre købende kommuner" not in typed


def test_the_secretariat_decides_the_category_with_a_reason_and_it_is_locked(as_user, world):
    client = as_user("secretariat")
    decision = {"category": "klynge", "reason": "Sælger få pladser, men fast til Odense"}
    asked = client.post(_url(world), {**decision, "other_buying_municipalities": "9"})
    html = asked.content.decode()
    assert asked.status_code == 200 and f"Fastlæg kategori for {YEAR}: Bostedet Engen?" in html
    assert '<dd id="confirm-category"><strong>Klyngetilbud</strong></dd>' in html
    assert "intet forslag – kræver vurdering" in html and "Sælger få pladser, men fast til Odense" in html
    assert f"Kategorien låses for hele {YEAR}" in html and "Tilbud kan ikke ændre kategori i løbet af året." in html
    assert 'name="category" value="klynge"' in html and 'name="other_buying_municipalities"' not in html
    assert not OfferCategory.objects.exists() and not AuditEvent.objects.filter(event_type="offer.category_set")
    response = client.post(_url(world), {**decision, "confirm": "1"}, follow=True)
    html = response.content.decode()
    assert f"Kategorien for {YEAR} er fastlagt som Klyngetilbud og låst for året." in html
    assert f"Låst for {YEAR}: Klyngetilbud" in html and "Fastlæg kategori for" not in html
    record = OfferCategory.objects.get(offer=world["engen"], year=YEAR)
    assert (record.category, record.reason, record.suggested_category) == (
        "klynge", "Sælger få pladser, men fast til Odense", "")
    assert record.suggestion_reason.startswith("Kræver vurdering:") and record.decided_at
    assert AuditEvent.objects.filter(event_type="offer.category_set").count() == 1
    again = client.post(_url(world), {"category": "lokal", "reason": "Ændret"})  # refused before it is asked
    assert again.status_code == 400 and "er låst (Klyngetilbud)" in again.content.decode()
    assert OfferCategory.objects.get(offer=world["engen"], year=YEAR).category == "klynge"
    assert AuditEvent.objects.filter(event_type="offer.category_set").count() == 1


def test_the_suggestion_is_stored_beside_the_decision(as_user, world, system):
    buy(system, world["engen"], world["kolding"], cpr="0101851234", start=date(SALES, 1, 1))
    as_user("secretariat").post(_url(world), {"category": "hoejt_specialiseret", "reason": "Kompleks målgruppe",
                                              "confirm": "1"})
    record = OfferCategory.objects.get(offer=world["engen"], year=YEAR)
    assert record.suggested_category == "hoejt_specialiseret" and "Kandidat" in record.suggestion_reason


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"category": "", "reason": "Begrundet"}, "category", "Vælg en kategori."),
    ({"category": "klynge", "reason": ""}, "reason", "Skriv begrundelsen for kategorien."),
    ({"category": "verdensklasse", "reason": "x"}, "category", "Ukendt kategori «verdensklasse»; vælg en fra listen."),
])
def test_a_category_decision_needs_a_category_and_a_reason(as_user, world, data, field, message):
    response = as_user("secretariat").post(_url(world), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert re.search(rf'<label for="id_{field}">.*?<p class="field-error">{re.escape(message)}', html, re.S)
    assert not OfferCategory.objects.filter(offer=world["engen"], year=YEAR).exists()
    assert not AuditEvent.objects.filter(event_type="offer.category_set").exists()


@pytest.mark.parametrize("user", ["economist", "odense_caseworker"])
def test_only_the_regions_secretariat_decides_the_category(as_user, world, user):
    client = as_user(user)
    html = client.get(_url(world)).content.decode()
    assert "Regelbogens forslag" in html and "Fastlæg kategori for" not in html
    assert ('id="category-buyers"' in html) is (user == "economist")  # who bought: the operator's own users
    response = client.post(_url(world), {"category": "lokal", "reason": "Egen vurdering"})
    assert response.status_code == 403 and not OfferCategory.objects.filter(offer=world["engen"]).exists()


def test_the_page_needs_a_login_and_a_sane_year(client, as_user, world):
    response = client.get(_url(world))
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    assert as_user("secretariat").get(_url(world, year=1999)).status_code == 404
    assert as_user("secretariat").get(reverse("tariffs:category", args=[999_999, YEAR])).status_code == 404


def test_the_offers_tariff_page_links_to_the_category_page(as_user, world):
    html = as_user("secretariat").get(reverse("tariffs:offer_tariffs", args=[world["engen"].pk])).content.decode()
    assert reverse("tariffs:category", args=[world["engen"].pk, TODAY.year + 1]) in html


# The API.


def test_the_api_gives_the_assessment_with_buyers_only_where_allowed(as_user, world, odense, copenhagen):
    url = f"/api/occupancy/category/offers/{world['engen'].pk}/{YEAR}"
    body = as_user("secretariat").get(url).json()
    assert (body["year"], body["category"], body["needs_assessment"], body["rulebook"]) == (
        YEAR, None, True, "syddanmark-2017")
    assert body["facts"] == {"daily_tariff": "2500.00", "other_buying_municipalities": 2, "places": "4.00",
                             "places_sold_to_others": "1.25", "share_sold_pct": "31.30"}
    assert body["sales"]["year"] == SALES and body["sales"]["sold_days"] == 457 and body["sales"]["complete"]
    assert sorted((b["name"], b["place_days"]) for b in body["sales"]["buyers"]) == sorted(
        [(odense.name, 365), (copenhagen.name, 92)])
    assert body["thresholds"]["tariff_met"] and not body["thresholds"]["share_met"]
    assert body["decision"] is None
    other = as_user("odense_caseworker").get(url).json()
    assert other["sales"]["buyers"] is None and other["sales"]["sold_days"] == 457
    assert as_user("odense_caseworker").get(f"/api/occupancy/category/offers/999999/{YEAR}").status_code == 404


def test_the_api_suggests_from_json_like_the_cli(as_user, world):
    client = as_user("odense_caseworker")
    good = client.post("/api/occupancy/category/suggest", {
        "rulebook": "syddanmark-2017", "daily_tariff": "1999.99", "other_buying_municipalities": 6, "places": "20",
        "places_sold_to_others": "9"}, content_type="application/json")
    assert good.status_code == 200 and good.json()["category"] == "klynge"
    bad = client.post("/api/occupancy/category/suggest", {
        "rulebook": "syddanmark-2017", "daily_tariff": "2500", "other_buying_municipalities": 2, "places": "10",
        "places_sold_to_others": "11"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "places_sold_to_others"
    assert "flere pladser solgt til andre kommuner (11) end tilbuddet har (10)" in bad.json()["error"]["message"]
