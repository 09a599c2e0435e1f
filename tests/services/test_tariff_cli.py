"""The tariff CLI: the examples in docs/examples run, bad input exits non-zero with a JSON error naming the field."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rammeaftale", "tariff", *args], capture_output=True, text=True,
                          input=stdin, timeout=60)


def test_calculate_example_gives_the_worked_tariff():
    run = _run("calculate", str(EXAMPLES / "budget-hovedstaden-2022.json"))
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    basis, support = result["services"]
    assert (basis["tariff"], basis["monthly_tariff"], basis["tariff_ore"]) == ("2554.67", "77704.55", 255467)
    assert support["tariff"] == "424.00" and support["monthly_tariff"] is None
    assert [c["ok"] for c in result["checks"]] == [True, True, True]


def test_true_up_example_is_the_surplus_example():
    run = _run("true-up", str(EXAMPLES / "accounts-syddanmark-2019.json"))
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert (result["result"], result["kept"], result["to_tariff"], result["enters_tariff_year"]) == (
        "770000", "400000.00", "-370000.00", 2021)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ((EXAMPLES / "budget-bad.json").read_text(encoding="utf-8"), "services[0].places"),
        ('{"rulebook": "atlantis-2030", "year": 2030, "services": [{"name": "B", "places": 1, '
         '"budgeted_occupancy_pct": "95", "costs": {"salaries": "1"}}]}', "rulebook"),
        ('{"rulebook": "syddanmark-2017", "year": 2017, "services": [{"name": "B", "places": 5, '
         '"budgeted_occupancy_pct": "101", "costs": {"salaries": "1000"}}]}', "services[0].budgeted_occupancy_pct"),
        ('{"rulebook": "syddanmark-2017", "year": 2017, "services": [{"name": "B", "places": 5, '
         '"budgeted_occupancy_pct": "0", "costs": {"salaries": "1000"}}]}', "services[0].budgeted_occupancy_pct"),
        ('{"rulebook": "syddanmark-2017", "year": 2017, "services": [{"name": "B", "places": 5, '
         '"budgeted_occupancy_pct": "95", "costs": {"salaries": "-5"}}]}', "services[0].costs.salaries"),
        ('{"rulebook": "syddanmark-2017", "year": 2017, "services": [{"name": "B", "places": 5, '
         '"budgeted_occupancy_pct": "95", "costs": {"salaries": 1000.5}}]}', "services[0].costs.salaries"),
        ("{not json", "(json)"),
    ],
)
def test_bad_budget_exits_non_zero_naming_the_field(payload, field):
    run = _run("calculate", "-", stdin=payload)
    assert run.returncode == 2
    assert json.loads(run.stdout)["error"]["field"] == field


def test_true_up_refuses_keeping_more_than_the_limit():
    payload = json.loads((EXAMPLES / "accounts-syddanmark-2019.json").read_text(encoding="utf-8"))
    payload["keep"] = "400001"
    run = _run("true-up", "-", stdin=json.dumps(payload))
    assert run.returncode == 2 and json.loads(run.stdout)["error"]["field"] == "keep_kr"
