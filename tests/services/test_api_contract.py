"""The API's contract: unique schema names whose $refs resolve to their own fields, every status declared with the
shared error schema, bounded ids (API and pages), strict numbers, Danish validation messages and JSON 500s."""
import base64
import json
import logging
import re
from datetime import date
from pathlib import Path
from typing import get_args

import pytest
from django import forms
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from pydantic import BaseModel, ValidationError

from rammeaftale.accounts.models import Role
from rammeaftale.api import api
from rammeaftale.core.messages import MESSAGES_DA, message_da
from rammeaftale.http import IdConverter, YearConverter
from rammeaftale.registry import services
from rammeaftale.registry.models import OfferCapacity
from rammeaftale.tariffs.models import Tariff
from tests.conftest import PASSWORD, TODAY

HUGE = 2**64  # beyond a bigint: the database would overflow
ENGLISH = re.compile(r"\b(Enter|This field|Ensure|Select a valid|is not|must be|Input should|Field required|"
                     r"valid|required)\b")


def basic(user) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()}


@pytest.fixture
def operator(odense, make_user):
    return make_user(odense, Role.OPERATOR, username="driftsherre")


@pytest.fixture
def offer(odense, make_offer, system, agreements):
    offer = make_offer(odense, name="Bofællesskabet Engen", places=12)
    basis = services.service_create(actor=system, offer=offer, name="Basisydelse")
    Tariff.objects.create(service=basis, year=TODAY.year, amount_ore=234_550, origin="published")
    return offer


def _spec() -> dict:
    return json.loads(json.dumps(api.get_openapi_schema(), default=str))


# --- 1. unique schema names, $refs to the right fields ----------------------------------------------------------


def _api_models(*, bodies_only: bool = False) -> set[type[BaseModel]]:
    """Every pydantic model the API's operations use, in and out (or only in request bodies), nested ones
    included."""
    found: set[type[BaseModel]] = set()

    def walk(kind) -> None:
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            if kind in found:
                return
            found.add(kind)
            for field in kind.model_fields.values():
                walk(field.annotation)
        for argument in get_args(kind):
            walk(argument)

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.response_models.values(), *operation.models]:
                    if not bodies_only or getattr(model, "__ninja_param_source__", None) == "body":
                        walk(model)
    return {model for model in found if model.__module__.startswith("rammeaftale.")}


def test_every_schema_name_is_unique_and_each_ref_resolves_to_its_own_fields():
    models = _api_models()
    assert len(models) > 50
    by_name: dict[str, set[str]] = {}
    for model in models:
        by_name.setdefault(model.__name__, set()).add(f"{model.__module__}.{model.__qualname__}")
    assert {name: places for name, places in by_name.items() if len(places) > 1} == {}

    spec = _spec()
    components = spec["components"]["schemas"]
    for model in models:
        if model.__name__ in components:
            expected = {field.alias or name for name, field in model.model_fields.items()}
            assert set(components[model.__name__].get("properties", {})) == expected, model.__name__
    # The offer's tariffs are the offer's (year, origin, note), not a placement's (valid_from, provisional).
    service = components["ServiceOut"]["properties"]["tariffs"]["items"]["$ref"].rsplit("/", 1)[1]
    assert {"origin", "note"} <= set(components[service]["properties"])

    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    missing = {ref for ref in refs(spec) if ref.rsplit("/", 1)[1] not in components}
    assert missing == set()


# --- 2. every status declared, with the shared error schema ------------------------------------------------------


def test_every_operation_declares_401_and_its_errors_with_the_shared_schema():
    spec = _spec()
    operations = [(method, path, op) for path, item in spec["paths"].items() for method, op in item.items()]
    assert len(operations) >= 48
    for method, path, op in operations:
        statuses = set(op["responses"])
        assert "401" in statuses, (method, path)
        assert statuses & {"200", "201"}, (method, path)
        can_be_malformed = op.get("requestBody") or any(
            parameter["schema"].get("type") != "string" or (parameter["in"] == "query" and parameter.get("required"))
            for parameter in op.get("parameters", []))
        if can_be_malformed:
            assert "422" in statuses, (method, path)
        if "_id}" in path:
            assert "404" in statuses, (method, path)
        if method in ("post", "put"):
            assert "403" in statuses, (method, path)  # a session write without its CSRF token
        for status, response in op["responses"].items():
            if status.startswith("4"):
                schema = json.dumps(response["content"]["application/json"]["schema"])
                assert re.search(r"ErrorOut|ImportFailedOut", schema), (method, path, status)


def test_statuses_the_api_returns_are_the_declared_ones(offer, operator, caseworker_esbjerg):
    """A sample of what the probe found undeclared: 403, 404, 400 and 422 on the offer detail and capacity."""
    spec = _spec()
    cases = [
        ("get", "/api/offers/{offer_id}", f"/api/offers/{offer.pk + 1000}", None, operator, 404),
        ("post", "/api/offers/{offer_id}/capacity", f"/api/offers/{offer.pk}/capacity",
         {"valid_from": "2026-07-01", "places": 3}, caseworker_esbjerg, 403),
        ("post", "/api/offers/{offer_id}/capacity", f"/api/offers/{offer.pk}/capacity",
         {"valid_from": "2026-07-01", "places": -2}, operator, 400),
        ("post", "/api/offers/{offer_id}/capacity", f"/api/offers/{offer.pk}/capacity",
         {"valid_from": "2026-07-01"}, operator, 422),
        ("get", "/api/placements", "/api/placements", None, operator, 200),
    ]
    for method, template, url, body, user, status in cases:
        if body is None:
            response = Client().get(url, **basic(user))
        else:
            response = Client().post(url, body, content_type="application/json", **basic(user))
        assert response.status_code == status, (url, response.content)
        assert str(status) in spec["paths"][template][method]["responses"]


@pytest.fixture
def caseworker_esbjerg(esbjerg, make_user):
    return make_user(esbjerg, Role.CASEWORKER, username="sagsbehandler-esbjerg")


# --- 3. bounded ids: 422 in the API, the Danish 404 on the pages ---------------------------------------------------


@pytest.mark.parametrize("url", [
    f"/api/offers/{HUGE}", f"/api/agreements/{HUGE}", f"/api/offers?region={HUGE}", f"/api/offers?operator={HUGE}",
    f"/api/offers?offset={HUGE}", f"/api/organisations?region={HUGE}", f"/api/placements/{HUGE}",
    f"/api/placements?offer={HUGE}", f"/api/billing/invoices/{HUGE}", f"/api/tariffs/list?agreement={HUGE}&year=2026",
    "/api/tariffs/list?agreement=1&year=99999999999999999999", f"/api/occupancy/reports/{HUGE}",
    f"/api/occupancy/offers/{HUGE}?year=2026", f"/api/occupancy/category/offers/{HUGE}/2026",
])
def test_a_number_beyond_the_database_is_422_in_the_api(operator, url):
    response = Client().get(url, **basic(operator))
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid_request" and body["message"].startswith("Ugyldige eller manglende data i «")
    assert "Må højst være" in body["detail"][0]["message"]


def test_the_largest_id_is_an_ordinary_404(operator):
    response = Client().get(f"/api/offers/{2**63 - 1}", **basic(operator))
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.parametrize("path", [
    f"/tilbud/{HUGE}/", f"/rammeaftaler/{HUGE}/", f"/placeringer/{HUGE}/", f"/placeringer/{HUGE}/kontrakt.pdf",
    f"/afregning/fakturaer/{HUGE}/", f"/takster/{HUGE}/", f"/takster/tilbud/{HUGE}/",
    f"/takster/tilbud/1/budget/{HUGE}/", f"/belaegning/indberetning/{HUGE}/", f"/belaegning/tilbud/{HUGE}/",
    f"/takster/tilbud/{HUGE}/kategori/2026/",
])
def test_a_number_beyond_the_database_in_a_page_url_is_the_danish_404(operator, path):
    client = Client()
    client.force_login(operator)
    response = client.get(path)
    assert response.status_code == 404
    assert "Siden findes ikke" in response.content.decode() or "findes ikke" in response.content.decode()


def test_every_page_route_uses_the_bounded_converters():
    """No `<int:…>` left in the pages' URLs (the API's ids are bounded by its own schemas)."""

    def patterns(resolver, prefix=""):
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                if not route.startswith("api/"):
                    yield from patterns(entry, route)
            elif isinstance(entry, URLPattern):
                yield route, entry.pattern.converters

    routes = list(patterns(get_resolver()))
    numeric = {route: type(converter).__name__ for route, converters in routes for converter in converters.values()
               if type(converter).__name__ in ("IntConverter",)}
    assert numeric == {}
    used = {type(converter) for _route, converters in routes for converter in converters.values()}
    assert {IdConverter, YearConverter} <= used


# --- 4. strict numbers ---------------------------------------------------------------------------------------------


def test_a_boolean_is_not_a_number_of_places(offer, operator):
    response = Client().post(f"/api/offers/{offer.pk}/capacity", {"valid_from": "2026-07-01", "places": True},
                             content_type="application/json", **basic(operator))
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "places"
    assert body["detail"][0]["type"] == "int_type" and "helt tal" in body["detail"][0]["message"]
    assert not OfferCapacity.objects.filter(offer=offer, valid_from=date(2026, 7, 1)).exists()
    # A date from a JSON string still works, and so does a whole number.
    response = Client().post(f"/api/offers/{offer.pk}/capacity", {"valid_from": "2026-07-01", "places": 14},
                             content_type="application/json", **basic(operator))
    assert response.status_code == 200 and response.json()["places"] == 14


def test_no_body_schema_reads_a_boolean_as_a_number():
    """Every integer and decimal field of every request body refuses `true`."""
    checked, accepted = [], []
    for model in _api_models(bodies_only=True):
        for name, field in model.model_fields.items():
            kinds = {getattr(kind, "__name__", str(kind)) for kind in (field.annotation, *get_args(field.annotation))}
            kinds |= {getattr(kind, "__name__", "") for arg in get_args(field.annotation) for kind in get_args(arg)}
            if not kinds & {"int", "Decimal"} or "bool" in kinds:
                continue
            value = [True] if "list" in str(field.annotation) else True
            checked.append(f"{model.__name__}.{name}")
            try:
                model.model_validate({name: value})
            except ValidationError as error:
                if any(issue["loc"][0] == name for issue in error.errors()):
                    continue
            accepted.append(checked[-1])
    assert accepted == []
    assert {"CapacityIn.places", "BudgetLineIn.places", "BudgetLineIn.salaries_kr", "PriceIndexIn.rate_pct",
            "HoursIn.minutes", "PlacementIn.offer_id", "PlacementIn.service_ids"} <= set(checked)


# --- 5. Danish validation messages ---------------------------------------------------------------------------------


def test_each_validation_error_has_a_danish_message_beside_the_english(offer, operator):
    response = Client().post(
        f"/api/offers/{offer.pk}/capacity", {"valid_from": "2026-13-45", "places": "mange", "note": "x" * 201},
        content_type="application/json", **basic(operator))
    assert response.status_code == 422
    details = {issue["loc"][-1]: issue for issue in response.json()["detail"]}
    assert details["valid_from"]["message"].startswith("Skal være en dato på formen ÅÅÅÅ-MM-DD")
    assert details["places"]["message"].startswith("Skal være et helt tal")
    assert details["note"]["message"] == "Må højst have 200 tegn."
    for issue in details.values():
        assert issue["msg"] and not ENGLISH.search(issue["message"]), issue
    missing = Client().post(f"/api/offers/{offer.pk}/capacity", {}, content_type="application/json",
                            **basic(operator)).json()
    assert {issue["message"] for issue in missing["detail"]} == {"Skal udfyldes."}
    query = Client().get("/api/offers?limit=0&year=abc", **basic(operator)).json()
    assert {issue["message"] for issue in query["detail"]} == {"Skal være mindst 1.", "Skal være et helt tal."}


@pytest.mark.parametrize("kind", sorted(MESSAGES_DA))
def test_every_translated_error_type_reads_as_danish(kind):
    ctx = {"ge": 1, "gt": 0, "le": 9, "lt": 10, "min_length": 1, "max_length": 200, "max_digits": 12,
           "decimal_places": 2, "whole_digits": 10, "expected": "'a' eller 'b'"}
    text = message_da({"type": kind, "ctx": ctx})
    assert text and "{" not in text and not ENGLISH.search(text)
    assert message_da({"type": "value_error", "ctx": {"error": "decimaltal skal skrives som tekst"}}) == (
        "Decimaltal skal skrives som tekst.")
    assert message_da({"type": "some_new_type"}) == "Ugyldig værdi."


def _forms_with_plain_constructors() -> list[type[forms.Form]]:
    import rammeaftale.occupancy.forms
    import rammeaftale.placements.forms
    import rammeaftale.tariffs.forms

    found = []
    for module in (rammeaftale.occupancy.forms, rammeaftale.placements.forms, rammeaftale.tariffs.forms):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.Form) and value.__module__ == module.__name__:
                try:
                    value(data={})
                except TypeError:  # needs its objects (offer, service); tested through its page
                    continue
                found.append(value)
    return found


def test_no_english_library_message_reaches_a_page_form():
    """The pages' forms (LANGUAGE_CODE=da): empty, wrong and far too long input gives Danish messages only."""
    checked = _forms_with_plain_constructors()
    assert len(checked) >= 8
    for form_class in checked:
        fields = form_class(data={}).fields
        for data in ({}, dict.fromkeys(fields, "abc"), dict.fromkeys(fields, "9" * 5000)):
            form = form_class(data=data)
            form.is_valid()
            for field, messages in form.errors.items():
                for message in messages:
                    assert not ENGLISH.search(message), (form_class.__name__, field, message)


# --- 6. JSON 500 -----------------------------------------------------------------------------------------------------


def test_an_unexpected_error_is_a_json_500_without_internals(operator, monkeypatch, caplog, settings):
    settings.DEBUG = True  # ninja would otherwise answer with the traceback as text

    def broken(**kwargs):
        raise RuntimeError("/srv/rammeaftale/secret.py: the database said no")

    monkeypatch.setattr("rammeaftale.registry.api.selectors.region_list", broken)
    with caplog.at_level(logging.ERROR, logger="rammeaftale.api"):
        response = Client(raise_request_exception=False).get("/api/regions", **basic(operator))
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "code": "internal_error", "field": "",
        "message": "Der opstod en intern fejl. Fejlen er logget; prøv igen senere, eller kontakt support.",
        "detail": "Internal error",
    }
    assert b"secret" not in response.content and b"Traceback" not in response.content
    assert "the database said no" in caplog.text


def test_an_unreadable_body_is_400_in_the_error_shape(offer, operator):
    response = Client().post(f"/api/offers/{offer.pk}/capacity", "{not json", content_type="application/json",
                             **basic(operator))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "http_400" and body["message"].startswith("Forespørgslens indhold kan ikke læses")


def _budget_example() -> dict:
    return json.loads((Path(__file__).parents[2] / "docs/examples/budget-hovedstaden-2022.json").read_text())


@pytest.mark.parametrize(("change", "field", "message"), [
    (lambda budget: budget["services"][0].update(places=True), "services[0].places", "skal være et helt tal"),
    (lambda budget: budget.update(year=True), "year", "skal være et helt tal"),
    (lambda budget: budget["services"][0]["costs"].update(salaries=True), "services[0].costs.salaries",
     "et beløb kan ikke være sand/falsk"),
    (lambda budget: budget["services"][0].pop("name"), "services[0].name", "skal udfyldes (Field required)"),
])
def test_the_tariff_calculator_refuses_booleans_as_numbers_in_danish(operator, change, field, message):
    budget = _budget_example()
    assert Client().post("/api/tariffs/calculate", budget, content_type="application/json",
                         **basic(operator)).status_code == 200
    change(budget)
    response = Client().post("/api/tariffs/calculate", budget, content_type="application/json", **basic(operator))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == field and error["message"].startswith(message), error
