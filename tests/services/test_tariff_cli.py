"""The tariff CLI: the examples in docs/examples run, bad input exits non-zero with a JSON error naming the field.
The cases run the console command in this process (`tests.conftest.console`); hostile piped input goes through a
real process."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import console

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return console("tariff", *args, stdin=stdin)


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
        (('{"rulebook": "syddanmark-2017", "year": 2017, "services": [{"name": "B", "places": 5, '
          '"budgeted_occupancy_pct": "95", "costs": {"salaries": "1e400"}}]}'), "services[0].costs.salaries"),
    ],
)
def test_bad_budget_exits_non_zero_naming_the_field(payload, field):
    run = _run("calculate", "-", stdin=payload)
    assert run.returncode == 2
    assert json.loads(run.stdout)["error"]["field"] == field


def test_hostile_json_exits_2_with_a_danish_message_and_no_traceback(tmp_path):
    """Issue 11: latin-1 bytes and deeply nested JSON crashed `tariff calculate` with a traceback (every case of
    the shared reader: tests/unit/test_engine_json_input.py)."""
    budget = (EXAMPLES / "budget-hovedstaden-2022.json").read_bytes()
    path = tmp_path / "budget.json"
    path.write_bytes(budget.replace("Bofællesskabet".encode(), "Bofællesskabet".encode("latin-1")))
    run = _run("calculate", str(path))
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert json.loads(run.stdout)["error"]["message"].startswith("inddata er ikke UTF-8: byte 0xe6 i linje 4")
    piped = subprocess.run([sys.executable, "-m", "rammeaftale", "tariff", "calculate", "-"], input=b"[" * 100_000,
                           capture_output=True, timeout=60, check=False)
    assert piped.returncode == 2 and b"Traceback" not in piped.stderr
    assert json.loads(piped.stdout)["error"] == {
        "field": "(json)",
        "message": "JSON er indlejret mere end 20 niveauer; formaterne i docs/engine-json.md bruger højst fire "
                   "(nested too deeply)"}


def test_true_up_refuses_keeping_more_than_the_limit():
    payload = json.loads((EXAMPLES / "accounts-syddanmark-2019.json").read_text(encoding="utf-8"))
    payload["keep"] = "400001"
    run = _run("true-up", "-", stdin=json.dumps(payload))
    assert run.returncode == 2 and json.loads(run.stdout)["error"]["field"] == "keep_kr"


# `tariff growth`: a tariff series against P/L per rulebook.


def _growth(name: str) -> dict:
    run = _run("growth", str(EXAMPLES / name))
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    return result | {"by_year": {row["year"]: row for row in result["years"]}}


def test_growth_hovedstaden_cumulates_pl_from_2019():
    result = _growth("growth-hovedstaden-2022.json")
    assert result["rule"]["base_year"] == 2019 and result["rule"]["explanation_required"] is True
    years = result["by_year"]
    assert [years[year]["cap"] for year in (2019, 2020, 2021, 2022)] == [None, "2467.20", "2514.08", "2586.99"]
    # 2021 rose 3.31 % against a P/L of 1.9 %, but 2020 rose less than its P/L: under the cumulative cap.
    assert (years[2021]["growth_pct"], years[2021]["over_cap"]) == ("3.31", False)
    assert (years[2022]["growth_pct"], years[2022]["over_cap"], years[2022]["needs_explanation"]) == (
        "4.00", True, True)
    assert years[2022]["basis"] == {"kind": "cumulative", "from_year": 2019, "pl_years": [2020, 2021, 2022],
                                    "pl_missing": [], "text": "takst 2019 × P/L 2020–2022"}


def test_growth_sjaelland_reports_strictly_above_5_pct_compared_unrounded():
    exactly = _growth("growth-sjaelland-exactly-5.json")["by_year"][2025]
    assert (exactly["growth_pct"], exactly["report_required"]) == ("5.00", False)
    assert exactly["over_cap"] is True and exactly["needs_explanation"] is False  # the assumed cap asks none
    above = _growth("growth-sjaelland-above-5.json")["by_year"]
    assert above[2025]["report_required"] is False
    assert (above[2026]["growth_pct"], above[2026]["report_required"]) == ("5.00", True)
    assert above[2026]["growth_pct_unrounded"].startswith("5.000476")
    assert above[2026]["basis"]["pl_missing"] == [2026] and above[2026]["over_cap"] is False
    assert "P/L mangler for 2026; intet loft" in above[2026]["notes"]


def test_growth_syddanmark_flags_no_tariff_its_cap_is_on_the_total():
    result = _growth("growth-syddanmark-2020.json")
    assert result["rule"]["applies_to"] == "total_expenses" and "samlede udgifter" in result["rule"]["text"]
    year = result["by_year"][2019]
    assert (year["growth_pct"], year["pl_pct"], year["cap"], year["over_cap"], year["needs_explanation"]) == (
        "5.00", "2.0", None, False, False)
    assert year["basis"]["kind"] == "total_expenses"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ((EXAMPLES / "growth-gap.json").read_text(encoding="utf-8"), "tariffs.2021",
         "takstrækken 2019–2022 har ingen takst for 2021"),
        ('{"rulebook": "hovedstaden-2021-2022", "offer_type": "residential", '
         '"tariffs": {"2021": "2400.00", "2022": 2554.67}}', "tariffs.2022",
         'decimaltal skal skrives som tekst, fx "2554.67"'),
        ('{"rulebook": "hovedstaden-2021-2022", "offer_type": "residential", '
         '"tariffs": {"2021": "2400.00"}, "pl_pct": {"2022": 2.8}}', "pl_pct.2022",
         "decimaltal skal skrives som tekst"),
        ('{"rulebook": "atlantis-2030", "offer_type": "residential", "tariffs": {"2030": "2400.00"}}', "rulebook",
         "ukendt eller ugyldig regelbog «atlantis-2030»"),
        ('{"rulebook": "hovedstaden-2021-2022", "offer_type": "hotel", "tariffs": {"2021": "2400.00"}}',
         "offer_type", "ukendt tilbudstype «hotel»"),
        ('{"rulebook": "hovedstaden-2021-2022", "offer_type": "day", "tariffs": {"2021": "0"}}', "tariffs.2021",
         "en takst skal være større end 0"),
        ('{"rulebook": "hovedstaden-2021-2022", "offer_type": "day", "tariffs": {"tyve": "2400"}}', "tariffs.tyve",
         "årstallet «tyve» skal være et helt år"),
        ('{"rulebook": "hovedstaden-2021-2022", "offer_type": "day", "tariffs": {}}', "tariffs", "mindst ét år"),
    ],
)
def test_bad_growth_input_exits_2_naming_the_field_in_danish(payload, field, message):
    run = _run("growth", "-", stdin=payload)
    assert run.returncode == 2
    error = json.loads(run.stdout)["error"]
    assert error["field"] == field and message in error["message"]
