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
