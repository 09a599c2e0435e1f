"""Schemathesis against the real API (WSGI, the test database with real data) for the main roles: no 5xx, every
status declared in the spec, every body as its schema says. A fixed seed and a bounded budget; `pytest -s` prints
the number of requests made."""
import base64
from datetime import date

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from stdnum import ean

from rammeaftale.accounts.actor import actor_from_user
from rammeaftale.accounts.models import Role
from rammeaftale.billing.models import AccountMapping, Invoice, PaymentAccount
from rammeaftale.billing.settlement import settlement_issue
from rammeaftale.occupancy.models import OccupancyReport
from rammeaftale.occupancy.services import report_draft
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements.models import Placement
from rammeaftale.placements.services import PlacementRequest, placement_request
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import LegalParagraph
from rammeaftale.tariffs.models import Tariff, TariffOrigin
from tests.conftest import PASSWORD, TODAY

# Per operation and role: 5 roles × 48 operations × 3 ≈ 700 requests. A PDF takes a second to render, so those get
# one example each (the PDFs' content is tested in their own tests).
EXAMPLES_PER_OPERATION = 3
EXAMPLES_PER_PDF = 1
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
ROLES = (Role.CASEWORKER, Role.ECONOMIST, Role.OPERATOR, Role.SECRETARIAT, Role.ADMINISTRATOR)


@pytest.fixture
def wsgi_app():
    """Django's own WSGI application, kept on the test's database connection: as Django's test client does, the
    connection is not closed at the end of each request (it holds the test's transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _gln(body: str) -> str:
    return body + ean.calc_check_digit(body)


@pytest.fixture
def world(agreements, odense, esbjerg, secretariat_syd, make_offer, make_user, system):
    """Odense sells (operator, economist, administrator), Esbjerg buys (caseworker), the Syddanmark secretariat:
    an offer with services and tariffs, placements, an issued month's invoices and an occupancy report."""
    for organisation, body, cvr in ((odense, "579800000461", "35209115"), (esbjerg, "579800000561", "29189803")):
        organisation.ean, organisation.cvr = _gln(body), cvr
        organisation.address, organisation.postcode, organisation.city = "Rådhuset 1", "5000", organisation.name
        organisation.save()
    PaymentAccount.objects.create(organisation=odense, reg_no="1234", account_no="0001234567")
    AccountMapping.objects.create(paragraph=LegalParagraph.objects.get(code="sel-108"), account_code="5.38.50")
    offer = make_offer(odense, name="Bostedet Æblehaven", places=5, internal_note="Intern note")
    basis = registry_services.service_create(actor=system, offer=offer, name="Døgnophold", unit="day")
    hours = registry_services.service_create(actor=system, offer=offer, name="Støttetimer", kind="tilvalg",
                                             unit="hour")
    for year, day_ore, hour_ore in ((TODAY.year - 1, 230_000, 60_000), (TODAY.year, 234_567, 61_000)):
        Tariff.objects.create(service=basis, year=year, amount_ore=day_ore, origin=TariffOrigin.PUBLISHED)
        Tariff.objects.create(service=hours, year=year, amount_ore=hour_ore, origin=TariffOrigin.PUBLISHED)
    registry_services.offer_category_set(actor=system, offer=offer, year=TODAY.year, category="klynge")
    make_offer(esbjerg, name="Dagtilbuddet Kysten", offer_type="day", places=20)
    users = {
        Role.CASEWORKER: make_user(esbjerg, Role.CASEWORKER, username="fuzz-sagsbehandler"),
        Role.ECONOMIST: make_user(odense, Role.ECONOMIST, username="fuzz-oekonomi"),
        Role.OPERATOR: make_user(odense, Role.OPERATOR, username="fuzz-driftsherre"),
        Role.SECRETARIAT: make_user(secretariat_syd, Role.SECRETARIAT, username="fuzz-sekretariat"),
        Role.ADMINISTRATOR: make_user(odense, Role.ADMINISTRATOR, username="fuzz-admin"),
    }
    caseworker = actor_from_user(users[Role.CASEWORKER])
    for index, start in enumerate((date(TODAY.year - 1, 12, 10), date(TODAY.year, 3, 1), date(TODAY.year, 9, 1))):
        placement_request(actor=caseworker, request=PlacementRequest(
            offer=offer, paying_municipality=esbjerg, citizen_name=f"Borger {index}", cpr=f"01019{index}1234",
            start_date=start, services=(basis, hours) if index == 1 else ()))
    economist = actor_from_user(users[Role.ECONOMIST])
    for month in (10, 11):
        settlement_issue(actor=economist, seller=odense, year=TODAY.year, month=month, issue_date=TODAY)
    syd = next(a for a in agreements if a.region.code == "1083" and a.year_from == 2019)  # carried on to today
    report_draft(actor=economist, agreement=syd, operator=odense, code=f"{TODAY.year}-Q3")
    return users


def _known_ids() -> dict[str, list[int]]:
    """Real ids for the path and query parameters, so the fuzzer reaches real objects as well as missing ones."""
    from rammeaftale.registry.models import Agreement, Offer

    reports = list(OccupancyReport.objects.all())
    return {
        "agreement_id": list(Agreement.objects.values_list("pk", flat=True)[:3]),
        "agreement": list(Agreement.objects.values_list("pk", flat=True)[:3]),
        "offer_id": list(Offer.objects.values_list("pk", flat=True)),
        "offer": list(Offer.objects.values_list("pk", flat=True)),
        "placement_id": list(Placement.objects.values_list("pk", flat=True)),
        "invoice_id": list(Invoice.objects.values_list("pk", flat=True)),
        "tariff_id": list(Tariff.objects.values_list("pk", flat=True)),
        "report_id": [report.pk for report in reports],
        "line_id": [line.pk for report in reports for line in report.lines.all()][:5],
        "region": list(Organisation.objects.filter(kind=OrganisationKind.REGION).values_list("pk", flat=True)),
        "year": [TODAY.year - 1, TODAY.year, TODAY.year + 1],
        "month": [f"{TODAY.year}-10", f"{TODAY.year}-11"],
    }


def _basic(user) -> str:
    return "Basic " + base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()


def _fuzz(operation, *, label: str, authorization: str, known: dict, statuses: dict, failures: list) -> None:
    """One operation as one role: a few generated requests (path and query ids half the time real ones), each
    response checked; failures are collected so one run names every operation that breaks its spec."""

    examples = EXAMPLES_PER_PDF if operation.path.endswith(".pdf") else EXAMPLES_PER_OPERATION

    @given(case=operation.as_strategy(), data=st.data())
    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              phases=(Phase.explicit, Phase.generate), suppress_health_check=list(HealthCheck))
    def exchange(case, data):
        for container in (case.path_parameters, case.query):
            for name in list(container or {}):
                if known.get(name) and data.draw(st.booleans()):
                    container[name] = data.draw(st.sampled_from(known[name]))
        headers = {"Authorization": authorization}
        response = case.call(headers=headers)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, FailureGroup) as error:
            found = error.exceptions if isinstance(error, FailureGroup) else [error]
            failures.extend(f"{label} {case.method} {case.formatted_path} {case.query} -> {response.status_code}: "
                            f"{type(failure).__name__}: {failure}"[:1500] for failure in found)

    exchange()


def test_the_api_answers_as_its_spec_says_for_every_role(world, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    known = _known_ids()
    statuses, failures = {}, []
    for role in ROLES:
        for operation in operations:
            _fuzz(operation, label=f"{role} {operation.label}", authorization=_basic(world[role]), known=known,
                  statuses=statuses, failures=failures)
    requests = sum(statuses.values())
    print(f"\nschemathesis: {requests} requests, {len(operations)} operations x {len(ROLES)} roles, "
          f"statuses {dict(sorted(statuses.items()))}, failures {len(failures)}")
    assert requests >= len(operations) * len(ROLES)
    assert statuses.get(200, 0) > requests // 10  # the real data is reached, not only 404s and 422s
    assert not failures, "\n\n".join(failures[:20])
