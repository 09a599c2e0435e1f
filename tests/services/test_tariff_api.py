"""The tariff API: the engine's JSON through REST, and the tariff list with its exports."""
import json
from pathlib import Path

import pytest

from rammeaftale.accounts.models import Role
from rammeaftale.registry.models import Agreement

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
def client_as(client, make_user):
    def login(organisation, *roles):
        client.force_login(make_user(organisation, *roles))
        return client
    return login


def test_calculate_through_the_api_gives_the_cli_result(agreements, copenhagen, client_as):
    client = client_as(copenhagen, Role.ECONOMIST)
    payload = json.loads((EXAMPLES / "budget-hovedstaden-2022.json").read_text(encoding="utf-8"))
    response = client.post("/api/tariffs/calculate", payload, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["services"][0]["tariff"] == "2554.67"
    payload["services"][0]["places"] = 0
    bad = client.post("/api/tariffs/calculate", payload, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "services[0].places"


def test_true_up_through_the_api(agreements, copenhagen, client_as):
    client = client_as(copenhagen, Role.ECONOMIST)
    payload = json.loads((EXAMPLES / "accounts-syddanmark-2019.json").read_text(encoding="utf-8"))
    response = client.post("/api/tariffs/true-up", payload, content_type="application/json")
    assert response.status_code == 200 and response.json()["to_tariff"] == "-370000.00"


def test_tariff_list_and_exports_need_a_login(agreements, copenhagen, client, client_as):
    agreement = Agreement.objects.get(rulebook__key="hovedstaden-2021-2022")
    assert client.get(f"/api/tariffs/list?agreement={agreement.pk}&year=2022").status_code == 401
    client = client_as(copenhagen, Role.CASEWORKER)
    listing = client.get(f"/api/tariffs/list?agreement={agreement.pk}&year=2022")
    assert listing.status_code == 200 and listing.json()["rows"] == []
    xlsx = client.get(f"/api/tariffs/list.xlsx?agreement={agreement.pk}&year=2022")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = client.get(f"/api/tariffs/list.pdf?agreement={agreement.pk}&year=2022")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


COSTS_TO_BUDGET = {"salaries": "salaries_kr", "property": "property_kr", "other_direct": "other_direct_kr",
                   "overhead": "overhead_kr", "overhead_pct": "overhead_pct", "depreciation": "depreciation_kr",
                   "capital_book_value": "capital_book_value_kr", "interest_rate_pct": "interest_rate_pct",
                   "civil_servant_pension": "pension_kr"}


def _budget_lines(example: dict, services: dict) -> list[dict]:
    """The engine JSON's services as the budget page's and the API's lines (kroner as strings, keyed by service)."""
    lines = []
    for service in example["services"]:
        line = {"service_id": services[service["name"]].pk,
                **{COSTS_TO_BUDGET[key]: value for key, value in service["costs"].items()}}
        for key, name in (("places", "places"), ("budgeted_occupancy_pct", "budgeted_occupancy_pct"),
                          ("budgeted_hours", "budgeted_hours"), ("other_income", "other_income_kr"),
                          ("true_up", "true_up_kr")):
            if key in service:
                line[name] = service[key]
        line.setdefault("true_up_kr", "0")  # the engine JSON's default; the page would take a recorded true-up
        lines.append(line)
    return lines


def _tariffs(services: list[dict]) -> dict:
    """Each service's tariff, monthly tariff and breakdown; amounts as Decimal (the page keeps øre, "600000.00")."""
    from decimal import Decimal

    return {s["name"]: (s["tariff"], s["monthly_tariff"],
                        [(b["element"], Decimal(b["amount"]), b["per_unit"]) for b in s["breakdown"]])
            for s in services}


@pytest.mark.parametrize("overhead", ["as in the example", "missing on the basis service"])
def test_one_budget_gives_the_same_tariffs_on_cli_page_and_api(agreements, copenhagen, make_offer, system, make_user,
                                                                 client_as, overhead):
    """Correction (issue 10 a): the CLI no longer puts Hovedstaden's 6 % into a budget without overhead; the
    same budget gives the same tariffs through `rammeaftale tariff calculate`, the budget page's service and the
    API (the engine endpoint and the budget endpoints)."""
    import subprocess
    import sys
    from decimal import Decimal

    from rammeaftale.accounts.actor import actor_from_user
    from rammeaftale.registry import services as registry_services
    from rammeaftale.tariffs import services as tariff_services

    example = json.loads((EXAMPLES / "budget-hovedstaden-2022.json").read_text(encoding="utf-8"))
    if overhead != "as in the example":
        del example["services"][0]["costs"]["overhead_pct"]
    run = subprocess.run([sys.executable, "-m", "rammeaftale", "tariff", "calculate", "-"], input=json.dumps(example),
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    cli = json.loads(run.stdout)

    offer = make_offer(copenhagen, name="Bofællesskabet Engen", places=12)
    services = {s["name"]: registry_services.service_create(actor=system, offer=offer, name=s["name"], kind=s["kind"],
                                                            unit=s["unit"]) for s in example["services"]}
    user = make_user(copenhagen, Role.ECONOMIST)
    economist = actor_from_user(user)
    lines = _budget_lines(example, services)
    by_id = {service.pk: service for service in services.values()}
    saved = tariff_services.tariff_budget_save(actor=economist, offer=offer, year=example["year"], lines=[
        tariff_services.ServiceBudgetInput(service=by_id[line["service_id"]], **{
            key: Decimal(value) if isinstance(value, str) else value for key, value in line.items()
            if key != "service_id"})
        for line in lines
    ])
    page = tariff_services.tariff_budget_calculate(actor=economist, budget=saved.budget).result

    client = client_as(copenhagen, Role.ECONOMIST)
    engine_api = client.post("/api/tariffs/calculate", example, content_type="application/json").json()
    url = f"/api/tariffs/budgets/{offer.pk}/{example['year']}"
    assert client.put(url, {"lines": lines}, content_type="application/json").status_code == 200
    budget_api = client.post(f"{url}/calculate").json()["result"]

    expected = _tariffs(cli["services"])
    assert _tariffs(page["services"]) == expected
    assert _tariffs(engine_api["services"]) == expected
    assert _tariffs(budget_api["services"]) == expected
    basis = expected["Basistakst: botilbud § 108"]
    if overhead == "as in the example":
        assert basis[0] == "2554.67" and ("overhead", Decimal(600_000), "144.20") in basis[2]
    else:  # no overhead given is no overhead: 10,030,000 kr. over 4,161 days
        assert basis[0] == "2410.48" and not any(element == "overhead" for element, _, _ in basis[2])
    norm_checks = [(c["service"], c["ok"]) for c in cli["checks"] if c["check"] == "overhead_norm"]
    assert norm_checks == [(c["service"], c["ok"]) for c in page["checks"] if c["check"] == "overhead_norm"]
