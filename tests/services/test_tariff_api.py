"""The tariff API: the engine's JSON through REST, and the tariff list with its flags per rulebook and exports."""
import json
from decimal import Decimal
from pathlib import Path

import pytest

from rammeaftale.accounts.models import Role
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import Agreement
from rammeaftale.tariffs import services
from rammeaftale.tariffs.models import Tariff

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


def test_the_list_gives_each_rows_cap_and_flags_per_rulebook(agreements, copenhagen, esbjerg, make_offer, client_as,
                                                             system):
    for year, rate in ((2020, "2.8"), (2021, "1.9"), (2022, "2.9")):
        services.price_index_set(actor=system, year=year, rate_pct=Decimal(rate), source="KL (test)")
    for operator, tariffs in ((copenhagen, {2019: 240_000, 2020: 242_000, 2021: 250_000, 2022: 260_000}),
                              (esbjerg, {2019: 240_000, 2020: 260_000})):
        basis = registry_services.service_create(actor=system, offer=make_offer(operator, name="Engen"),
                                                 name="Basistakst")
        for year, amount in tariffs.items():
            Tariff.objects.create(service=basis, year=year, amount_ore=amount, origin="published")
    client = client_as(copenhagen, Role.CASEWORKER)
    hovedstaden = Agreement.objects.get(rulebook__key="hovedstaden-2021-2022")
    body = client.get(f"/api/tariffs/list?agreement={hovedstaden.pk}&year=2022").json()
    assert "pris- og lønniveauet i 2019" in body["growth_rule"]
    (row,) = body["rows"]
    assert {key: row[key] for key in ("increase_pct", "cap", "cap_basis", "cap_from_year", "cap_pl_years",
                                      "pl_missing_years", "over_cap", "explanation_required", "needs_explanation",
                                      "report_required", "notes")} == {
        "increase_pct": "4.00", "cap": "2586.99", "cap_basis": "cumulative", "cap_from_year": 2019,
        "cap_pl_years": [2020, 2021, 2022], "pl_missing_years": [], "over_cap": True, "explanation_required": True,
        "needs_explanation": True, "report_required": False, "notes": []}
    # Syddanmark 2019–2020: 2,400 → 2,600 kr. is 8.33 % against a P/L of 2.8 %, but the cap is on the total.
    syddanmark = Agreement.objects.get(rulebook__key="syddanmark-2019-2020")
    body = client.get(f"/api/tariffs/list?agreement={syddanmark.pk}&year=2020").json()
    (row,) = body["rows"]
    assert "samlede udgifter" in body["growth_rule"]
    assert (row["increase_pct"], row["cap"], row["cap_basis"], row["over_cap"], row["needs_explanation"]) == (
        "8.33", None, "total_expenses", False, False)
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


@pytest.mark.parametrize("value", ["1e400", "1e12", "-1e13", "99999999999999999999999999999", "1e-400", "NaN",
                                   "Infinity"])
def test_huge_tiny_and_not_finite_numbers_are_a_400_naming_the_field(agreements, copenhagen, client_as, value):
    """Issue 11: "1e400" in the tariff calculator gave a 500 with a traceback."""
    client = client_as(copenhagen, Role.ECONOMIST)
    budget = json.loads((EXAMPLES / "budget-hovedstaden-2022.json").read_text(encoding="utf-8"))
    for field in ("salaries", "other_direct"):
        payload = json.loads(json.dumps(budget))
        payload["services"][0]["costs"][field] = value
        response = client.post("/api/tariffs/calculate", payload, content_type="application/json")
        assert response.status_code == 400, response.content
        error = response.json()["error"]
        assert error["field"] == f"services[0].costs.{field}"
        assert "Traceback" not in response.content.decode()
    payload = json.loads(json.dumps(budget))
    payload["services"][0]["true_up"] = value
    response = client.post("/api/tariffs/calculate", payload, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["field"] == "services[0].true_up"
    accounts = json.loads((EXAMPLES / "accounts-syddanmark-2019.json").read_text(encoding="utf-8"))
    accounts["cost_based_budget"] = value
    response = client.post("/api/tariffs/true-up", accounts, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["field"] == "cost_based_budget"


def test_a_huge_number_names_the_field_and_the_bound_in_danish(agreements, copenhagen, client_as):
    client = client_as(copenhagen, Role.ECONOMIST)
    payload = json.loads((EXAMPLES / "budget-hovedstaden-2022.json").read_text(encoding="utf-8"))
    payload["services"][0]["costs"]["salaries"] = "1e400"
    error = client.post("/api/tariffs/calculate", payload, content_type="application/json").json()["error"]
    assert error == {"field": "services[0].costs.salaries", "message": (
        "«1E+400» har for mange cifre: højst 12 før og 10 efter kommaet, dvs. under 1.000.000.000.000 "
        "(too many digits)")}
    payload["services"][0]["costs"]["salaries"] = "NaN"
    error = client.post("/api/tariffs/calculate", payload, content_type="application/json").json()["error"]
    assert error["field"] == "services[0].costs.salaries" and error["message"].startswith("skal være et endeligt tal")
    payload["services"][0]["costs"]["salaries"] = "1000"
    payload["services"][0]["places"] = 10**9
    error = client.post("/api/tariffs/calculate", payload, content_type="application/json").json()["error"]
    assert error["field"] == "services[0].places" and error["message"].startswith("må højst være 100000")


@pytest.mark.parametrize("value", ["1e400", "-1e13", "1e-400"])
def test_a_budget_with_a_huge_number_is_refused_naming_the_field_and_nothing_is_saved(
        agreements, copenhagen, make_offer, system, client_as, value):
    """Issue 11: the budget endpoints take the calculator's figures; "1e400" must not reach the øre columns."""
    from rammeaftale.tariffs.models import TariffBudget

    offer = make_offer(copenhagen, name="Bofællesskabet Engen", places=12)
    basis = registry_services.service_create(actor=system, offer=offer, name="Basistakst")
    client = client_as(copenhagen, Role.ECONOMIST)
    url = f"/api/tariffs/budgets/{offer.pk}/2022"
    for field in ("salaries_kr", "true_up_kr", "overhead_pct"):
        line = {"service_id": basis.pk, "salaries_kr": "1000000", "budgeted_occupancy_pct": "95", field: value}
        response = client.put(url, {"lines": [line]}, content_type="application/json")
        assert response.status_code in (400, 422), response.content
        assert field in response.content.decode() and "Traceback" not in response.content.decode()
    assert not TariffBudget.objects.filter(offer=offer).exists()
