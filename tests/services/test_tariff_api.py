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
