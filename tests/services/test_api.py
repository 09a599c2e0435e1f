"""The REST API through Django's test client: session and HTTP Basic, scoping, errors, money and OpenAPI."""
import base64
import json
import re
from datetime import date

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.parties.models import Organisation, Population
from rammeaftale.registry import services
from rammeaftale.registry.models import Offer, OfferCapacity
from rammeaftale.tariffs.models import Tariff
from tests.conftest import PASSWORD, TODAY


def basic(user, password: str = PASSWORD) -> dict:
    token = base64.b64encode(f"{user.username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def caseworker(odense, make_user):
    return make_user(odense, Role.CASEWORKER, username="sagsbehandler")


@pytest.fixture
def odense_operator(odense, make_user):
    return make_user(odense, Role.OPERATOR, username="driftsherre")


@pytest.fixture
def esbjerg_operator(esbjerg, make_user):
    return make_user(esbjerg, Role.OPERATOR, username="esbjerg-driftsherre")


@pytest.fixture
def market(odense, esbjerg, copenhagen, system, make_offer):
    """Three offers in two regions, a category, a service and a tariff."""
    engen = make_offer(odense, name="Bofællesskabet Engen", paragraphs=("sel-108",),
                       target_groups=("udviklingshaemning",), internal_note="Ny afdeling åbner i 2026", places=12)
    kysten = make_offer(esbjerg, name="Dagtilbuddet Kysten", paragraphs=("sel-104",), target_groups=("autisme",),
                        offer_type="day", places=20, tilbudsportalen_id="4711")
    make_offer(copenhagen, name="Botilbuddet Havnen", paragraphs=("sel-107",), target_groups=("sindslidelse",),
               places=8)
    services.offer_category_set(actor=system, offer=engen, year=TODAY.year, category="klynge")
    basis = services.service_create(actor=system, offer=engen, name="Basisydelse")
    Tariff.objects.create(service=basis, year=2026, amount_ore=234_550, monthly_ore=7_134_229, origin="published")
    return {"engen": engen, "kysten": kysten}


def _names(response) -> list[str]:
    return [item["name"] for item in response.json()["items"]]


# --- authentication ---------------------------------------------------------------------------------------------


def _read_paths(market, agreements) -> list[str]:
    return [
        "/api/organisations", "/api/regions", "/api/agreements", f"/api/agreements/{agreements[0].pk}",
        "/api/offers", f"/api/offers/{market['engen'].pk}", "/api/me",
    ]


def test_every_read_endpoint_answers_a_session_user_and_a_script(market, agreements, caseworker):
    browser = session(caseworker)
    script = Client()
    for path in _read_paths(market, agreements):
        by_session = browser.get(path)
        by_basic = script.get(path, **basic(caseworker))
        assert by_session.status_code == 200, (path, by_session.content)
        assert by_basic.status_code == 200, (path, by_basic.content)
        assert by_session["Content-Type"].startswith("application/json")
        assert by_session.json() == by_basic.json(), path


def test_without_credentials_every_endpoint_answers_401_in_danish(market, agreements, caseworker):
    anonymous = Client()
    offer = market["engen"]
    for number, path in enumerate(_read_paths(market, agreements) + ["/api/audit"]):
        # Each wrong password from an address of its own: five from one address lock the username out (429,
        # tests/services/test_login_throttle.py).
        address = f"10.0.{number // 250}.{number % 250 + 1}"
        for headers in ({}, {**basic(caseworker, password="forkert"), "REMOTE_ADDR": address}):
            response = anonymous.get(path, **headers)
            assert response.status_code == 401, path
            assert response.json()["code"] == "not_authenticated"
            assert "logget ind" in response.json()["message"]
            assert "WWW-Authenticate" not in response  # no browser login dialog, no cached Basic credentials
    post = anonymous.post(f"/api/offers/{offer.pk}/capacity", {"valid_from": "2026-01-01", "places": 3},
                          content_type="application/json")
    assert post.status_code == 401
    assert not OfferCapacity.objects.filter(offer=offer, places=3).exists()


def test_an_inactive_users_password_opens_nothing(caseworker):
    caseworker.is_active = False
    caseworker.save()
    assert Client().get("/api/me", **basic(caseworker)).status_code == 401


def test_session_writes_need_the_csrf_token_and_scripts_do_not(market, odense_operator):
    offer = market["engen"]
    url = f"/api/offers/{offer.pk}/capacity"
    body = {"valid_from": "2026-07-01", "places": 14, "note": "ny fløj"}
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(odense_operator)
    refused = browser.post(url, body, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["message"]
    assert not OfferCapacity.objects.filter(offer=offer, valid_from=date(2026, 7, 1)).exists()
    browser.get("/admin/login/")  # any page that sets the CSRF cookie, as the pages do
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200, accepted.content
    script = Client(enforce_csrf_checks=True).post(
        url, {**body, "places": 15}, content_type="application/json", **basic(odense_operator)
    )
    assert script.status_code == 200 and script.json()["places"] == 15


# --- master data --------------------------------------------------------------------------------------------------


def test_organisations_filter_by_kind_and_region_with_population_in_few_queries(
    region_syd, odense, caseworker, django_assert_max_num_queries
):
    client = session(caseworker)
    with django_assert_max_num_queries(6):  # session, user, organisation, roles, the list: never one per row
        response = client.get("/api/organisations", {"kind": "municipality", "region": region_syd.pk})
    rows = response.json()
    assert len(rows) == Organisation.objects.filter(kind="municipality", region=region_syd).count() == 22
    odense_row = next(row for row in rows if row["id"] == odense.pk)
    newest = Population.objects.filter(organisation=odense).order_by("-year").first()
    assert odense_row["population"] == newest.inhabitants and odense_row["population_year"] == newest.year
    assert odense_row == {
        "id": odense.pk, "kind": "municipality", "kind_label": "Kommune", "code": "461", "name": "Odense",
        "display_name": "Odense Kommune", "region_id": region_syd.pk, "region_name": "Syddanmark",
        "cvr": odense.cvr, "ean": odense.ean, "population": newest.inhabitants, "population_year": newest.year,
    }


def test_population_is_the_newest_year_not_after_this_year(odense, caseworker):
    Population.objects.create(organisation=odense, year=TODAY.year - 1, inhabitants=210_000, source="test")
    Population.objects.create(organisation=odense, year=TODAY.year + 1, inhabitants=999_999, source="test")
    rows = session(caseworker).get("/api/organisations", {"kind": "municipality"}).json()
    row = next(row for row in rows if row["id"] == odense.pk)
    assert (row["population"], row["population_year"]) == (210_000, TODAY.year - 1)


def test_regions_carry_population_and_number_of_municipalities(region_syd, caseworker):
    regions = session(caseworker).get("/api/regions").json()
    assert len(regions) == 5
    syd = next(region for region in regions if region["id"] == region_syd.pk)
    assert syd["municipalities"] == 22 and syd["display_name"] == "Region Syddanmark"
    assert syd["population"] == Population.objects.filter(organisation=region_syd).latest("year").inhabitants


def test_agreement_detail_lists_the_rulebook_parameters_with_source_or_assumption(agreements, caseworker):
    client = session(caseworker)
    listed = client.get("/api/agreements").json()
    assert {row["id"] for row in listed} == {agreement.pk for agreement in agreements}
    agreement = agreements[0]
    detail = client.get(f"/api/agreements/{agreement.pk}").json()
    assert detail["rulebook"]["key"] == agreement.rulebook.key
    assert detail["rulebook"]["version"] == agreement.rulebook.version
    assert detail["parameters"], "a rulebook has parameters"
    for parameter in detail["parameters"]:
        assert parameter["path"] and parameter["label_da"] and parameter["value_display"]
        assert parameter["source"] is not None or parameter["assumed"], parameter["path"]
    informational = {parameter["path"] for parameter in detail["parameters"] if parameter["informational"]}
    assert "tariffs.monthly_conversion" not in informational


def test_unknown_agreement_is_answered_in_danish(caseworker):
    response = session(caseworker).get("/api/agreements/999999")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "field": "", "message": "Rammeaftalen findes ikke.",
                               "detail": "Agreement not found."}


# --- offers -------------------------------------------------------------------------------------------------------


def test_the_offer_list_rows_read_as_values_are_what_the_schema_gives_the_offer(market, caseworker):
    """The list reads its page as values (`registry.api._offers_page`), not as offers: each row is what `OfferOut`
    gives from the offer object (with the list's annotations) through its resolvers, in the same JSON."""
    import json

    from ninja.responses import NinjaJSONEncoder

    from rammeaftale.accounts.actor import actor_from_user
    from rammeaftale.registry.api import OfferOut
    from rammeaftale.registry.selectors import offer_list

    listing = session(caseworker).get("/api/offers")
    assert listing.status_code == 200
    items = listing.json()["items"]
    offers = list(offer_list(actor=actor_from_user(caseworker), on=TODAY))
    assert [item["id"] for item in items] == [offer.pk for offer in offers] and len(offers) == 3
    for item, offer in zip(items, offers, strict=True):
        assert item == json.loads(json.dumps(OfferOut.model_validate(offer).model_dump(), cls=NinjaJSONEncoder))
    assert {(item["category"], item["offer_type_label"], item["places_now"]) for item in items} == {
        ("klynge", "Døgn- og botilbud", 12), (None, "Dagtilbud", 20), (None, "Døgn- og botilbud", 8)}


def test_offer_filters_match_the_page(market, region_syd, esbjerg, caseworker):
    client = session(caseworker)
    assert _names(client.get("/api/offers")) == ["Bofællesskabet Engen", "Botilbuddet Havnen", "Dagtilbuddet Kysten"]
    assert _names(client.get("/api/offers", {"region": region_syd.pk})) == [
        "Bofællesskabet Engen", "Dagtilbuddet Kysten"]
    assert _names(client.get("/api/offers", {"operator": esbjerg.pk})) == ["Dagtilbuddet Kysten"]
    assert _names(client.get("/api/offers", {"paragraph": "sel-107"})) == ["Botilbuddet Havnen"]
    assert _names(client.get("/api/offers", {"target_group": "autisme"})) == ["Dagtilbuddet Kysten"]
    assert _names(client.get("/api/offers", {"offer_type": "day"})) == ["Dagtilbuddet Kysten"]
    assert _names(client.get("/api/offers", {"category": "klynge"})) == ["Bofællesskabet Engen"]
    assert _names(client.get("/api/offers", {"category": "klynge", "year": 2001})) == []
    assert _names(client.get("/api/offers", {"q": "4711"})) == ["Dagtilbuddet Kysten"]
    assert _names(client.get("/api/offers", {"q": "havnen"})) == ["Botilbuddet Havnen"]


def test_offer_list_rows_and_pagination(market, caseworker):
    client = session(caseworker)
    page = client.get("/api/offers", {"limit": 2, "offset": 1}).json()
    assert page["count"] == 3 and [row["name"] for row in page["items"]] == [
        "Botilbuddet Havnen", "Dagtilbuddet Kysten"]
    engen = client.get("/api/offers", {"limit": 1}).json()["items"][0]
    assert engen["places_now"] == 12
    assert (engen["category"], engen["category_label"]) == ("klynge", "Klyngetilbud")
    assert engen["operator"]["display_name"] == "Odense Kommune"
    assert engen["region"]["display_name"] == "Region Syddanmark"
    assert engen["paragraphs"] == [{"code": "sel-108", "label": "SEL § 108", "title": "Længerevarende botilbud"}]
    assert engen["target_groups"] == [{"code": "udviklingshaemning", "name": "Udviklingshæmning"}]
    assert "internal_note" not in engen  # the list carries public data only
    assert client.get("/api/offers", {"limit": 0}).status_code == 422


def test_offer_detail_shows_the_internal_note_to_the_operator_only(market, caseworker, esbjerg_operator):
    offer = market["engen"]
    own = session(caseworker).get(f"/api/offers/{offer.pk}").json()  # a caseworker of Odense, the operator
    assert own["internal_note"] == "Ny afdeling åbner i 2026"
    other = session(esbjerg_operator).get(f"/api/offers/{offer.pk}").json()
    assert other["internal_note"] is None
    assert other["name"] == own["name"] and other["can_manage"] is False


def test_offer_detail_money_is_kroner_text_and_integer_ore(market, caseworker):
    detail = session(caseworker).get(f"/api/offers/{market['engen'].pk}").json()
    assert [(c["valid_from"], c["places"]) for c in detail["capacities"]] == [("2020-01-01", 12)]
    assert detail["categories"][0]["category"] == "klynge"
    (service,) = detail["services"]
    assert (service["name"], service["unit"], service["unit_label"]) == ("Basisydelse", "day", "døgn/dag")
    (tariff,) = service["tariffs"]
    assert tariff["amount_kr"] == "2345.50" and tariff["amount_ore"] == 234_550
    assert tariff["monthly_kr"] == "71342.29" and tariff["monthly_ore"] == 7_134_229
    assert "2345.50" in json.dumps(detail) and "2345.5," not in json.dumps(detail)


def test_unknown_offer_is_refused(caseworker):
    response = session(caseworker).get("/api/offers/999999")
    assert response.status_code == 404 and response.json()["message"] == "Tilbuddet findes ikke."


# --- capacity -----------------------------------------------------------------------------------------------------


def test_operator_sets_capacity_and_it_is_audited(market, odense, odense_operator):
    offer = market["engen"]
    response = session(odense_operator).post(
        f"/api/offers/{offer.pk}/capacity", {"valid_from": "2026-07-01", "places": 14, "note": "ny fløj"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("valid_from", "places", "note")} == {
        "valid_from": "2026-07-01", "places": 14, "note": "ny fløj"}
    event = AuditEvent.objects.filter(event_type="offer.capacity_set", object_id=str(offer.pk)).latest("id")
    assert event.actor_username == "driftsherre" and event.actor_organisation_id == odense.pk
    assert event.organisation_id == odense.pk and event.before is None and event.after["places"] == 14


def test_another_municipalitys_operator_may_not_set_capacity(market, esbjerg_operator):
    offer = market["engen"]
    events = AuditEvent.objects.count()
    response = session(esbjerg_operator).post(
        f"/api/offers/{offer.pk}/capacity", {"valid_from": "2026-07-01", "places": 99},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed" and "driver" in response.json()["message"]
    assert not OfferCapacity.objects.filter(offer=offer, places=99).exists()
    assert AuditEvent.objects.count() == events


def test_negative_capacity_is_400_naming_places(market, odense_operator):
    offer = market["engen"]
    events = AuditEvent.objects.count()
    response = session(odense_operator).post(
        f"/api/offers/{offer.pk}/capacity", {"valid_from": "2026-07-01", "places": -2},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "places" and "negativ" in body["message"] and body["detail"]
    assert OfferCapacity.objects.filter(offer=offer).count() == 1 and AuditEvent.objects.count() == events


def test_malformed_body_is_422_with_a_danish_message_and_ninjas_detail(market, odense_operator):
    response = session(odense_operator).post(
        f"/api/offers/{market['engen'].pk}/capacity", {"valid_from": "første juli", "places": 3},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "valid_from" and "«valid_from»" in body["message"]
    assert body["detail"][0]["loc"][-1] == "valid_from"


# --- import -------------------------------------------------------------------------------------------------------

IMPORT_HEADER = ("tilbudsportalen_id,tilbudsnavn,driftsherre_kode,beliggenhedskommune,tilbudstype,paragraffer,"
                 "pladser,pladser_fra")


def _upload(client, text: str, name: str = "tilbud.csv", **headers):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/api/offers/import", {"file": SimpleUploadedFile(name, text.encode("utf-8"))}, **headers)


def test_import_by_http_basic_creates_offers_and_reports_counts(reference, odense_operator):
    response = _upload(Client(), f"{IMPORT_HEADER}\n900001,Bostedet Testvej,461,461,døgn,sel-108,12,2025-01-01\n",
                       **basic(odense_operator))
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1 and response.json()["rows"] == 1
    offer = Offer.objects.get(tilbudsportalen_id="900001")
    assert offer.name == "Bostedet Testvej" and offer.capacities.get().places == 12


def test_import_with_errors_is_400_with_rows_and_columns_and_writes_nothing(reference, odense_operator):
    response = _upload(session(odense_operator),
                       f"{IMPORT_HEADER}\n900001,Bostedet Testvej,461,461,døgn,sel-108,-4,2025-01-01\n")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_failed" and "Intet er gemt" in body["message"]
    assert {"row": 2, "column": "pladser"} == {k: body["errors"][0][k] for k in ("row", "column")}
    assert not Offer.objects.filter(tilbudsportalen_id="900001").exists()


def test_import_is_refused_for_a_caseworker(caseworker):
    response = _upload(session(caseworker), f"{IMPORT_HEADER}\n")
    assert response.status_code == 403


def test_import_without_a_file_is_422(odense_operator):
    response = session(odense_operator).post("/api/offers/import", {})
    assert response.status_code == 422 and response.json()["field"] == "file"


# --- accounts -----------------------------------------------------------------------------------------------------


def test_me_names_user_organisation_and_roles(odense, make_user):
    user = make_user(odense, Role.CASEWORKER, Role.ECONOMIST, username="mette", first_name="Mette")
    body = Client().get("/api/me", **basic(user)).json()
    assert body["username"] == "mette" and body["first_name"] == "Mette" and body["is_superuser"] is False
    assert body["organisation"] == {"id": odense.pk, "kind": "municipality", "name": "Odense",
                                    "display_name": "Odense Kommune", "region_id": odense.region_id}
    assert body["roles"] == [{"code": "caseworker", "label": "Sagsbehandler"},
                             {"code": "economist", "label": "Økonomi"}]


def test_audit_trail_is_for_administrators_and_their_own_organisation(market, odense, esbjerg, caseworker,
                                                                      make_user):
    assert session(caseworker).get("/api/audit").status_code == 403
    administrator = make_user(odense, Role.ADMINISTRATOR, username="admin-odense")
    client = session(administrator)
    page = client.get("/api/audit", {"limit": 500}).json()
    assert page["count"] == len(page["items"]) > 0
    for event in page["items"]:
        concerned = {(event["organisation"] or {}).get("id"), (event["actor_organisation"] or {}).get("id")}
        assert odense.pk in concerned, event
    kysten = str(market["kysten"].pk)  # Esbjerg's offer
    assert not any(e["object_type"] == "registry.offer" and e["object_id"] == kysten for e in page["items"])
    assert AuditEvent.objects.filter(organisation=esbjerg).exists()
    offers = client.get("/api/audit", {"event_type": "offer.", "q": "Engen"}).json()
    assert offers["count"] >= 1 and all(e["event_type"].startswith("offer.") for e in offers["items"])
    assert all("Engen" in e["object_repr"] or "Engen" in e["actor_username"] for e in offers["items"])


# --- OpenAPI and docs ---------------------------------------------------------------------------------------------


def test_openapi_is_valid_json_with_every_path(caseworker):
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.") and schema["info"]["title"] == "Rammeaftale API"
    for path in ("/api/organisations", "/api/regions", "/api/agreements", "/api/agreements/{agreement_id}",
                 "/api/offers", "/api/offers/{offer_id}", "/api/offers/{offer_id}/capacity", "/api/offers/import",
                 "/api/audit", "/api/me"):
        assert path in schema["paths"], path
    assert {"ScriptBasicAuth", "BrowserSession"} <= set(schema["components"]["securitySchemes"])
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', response.content.decode()))
    assert refs and refs <= set(schema["components"]["schemas"]), "every $ref resolves"


def test_docs_render_with_the_bundled_swagger_ui_not_a_cdn(caseworker):
    page = session(caseworker).get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn." not in html and "https://" not in html
    assert "/static/ninja/swagger-ui-bundle.js" in html and "/static/ninja/swagger-ui.css" in html
    assert finders.find("ninja/swagger-ui-bundle.js"), "the bundled Swagger UI must be served as a static file"
