"""`rammeaftale category suggest`: the examples in docs/examples run; bad input exits 2 with a JSON error naming the
field in Danish, and writes nothing (the command only reads). The cases run the console command in this process
(`tests.conftest.console`); the missing file goes through a real process."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import console

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return console("category", *args, stdin=stdin)


def _example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(("name", "category", "needs_assessment", "share", "tests"), [
    ("category-high-syddanmark-2017.json", "hoejt_specialiseret", False, "29.16", (True, True, False)),
    ("category-needs-assessment-syddanmark-2017.json", None, True, "39.96", (True, False, False)),
    ("category-cluster-syddanmark-2017.json", "klynge", False, "45.00", (False, True, True)),
    ("category-local-syddanmark-2017.json", "lokal", False, "0.00", (True, False, False)),
    ("category-manual-syddanmark-2019-2020.json", None, True, "29.16", None),
])
def test_the_examples_give_the_worked_suggestions(name, category, needs_assessment, share, tests):
    run = _run("suggest", str(EXAMPLES / name))
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout)
    assert (result["category"], result["needs_assessment"]) == (category, needs_assessment)
    assert result["facts"]["share_sold_pct"] == share
    assert result["offer"] == _example(name)["offer"] and result["rulebook"] == _example(name)["rulebook"]
    if tests is None:
        assert result["method"] == "manual" and result["thresholds"] is None
        assert "har ingen tærskler for kategorisering" in result["reason"]
    else:
        thresholds = result["thresholds"]
        assert (thresholds["min_daily_tariff"], thresholds["min_other_buying_municipalities"],
                thresholds["min_share_sold_pct"], thresholds["source"]) == ("2000", 4, "40", "seed-002")
        assert (thresholds["tariff_met"], thresholds["buyers_met"], thresholds["share_met"]) == tests


def test_the_needs_assessment_example_cites_footnote_3_and_the_local_offer_text():
    result = json.loads(_run("suggest", str(EXAMPLES / "category-needs-assessment-syddanmark-2017.json")).stdout)
    assert "Et klyngetilbud har en takst under 2.000,00 kr. (seed-002, fodnote 3)" in result["reason"]
    assert "lokalt tilbud kan sælge enkelte pladser til andre kommuner" in result["reason"]


def test_standard_input_works_and_exactly_40_pct_is_a_candidate():
    payload = {**_example("category-needs-assessment-syddanmark-2017.json"),
               "places_sold_to_others": "4.000000000000000"}  # trailing zeros are not digits too many
    run = _run("suggest", "-", stdin=json.dumps(payload))
    assert run.returncode == 0 and json.loads(run.stdout)["category"] == "hoejt_specialiseret"


BASE = '"rulebook": "syddanmark-2017", "daily_tariff": "2500", "other_buying_municipalities": 2'


@pytest.mark.parametrize(("payload", "field", "message"), [
    ((EXAMPLES / "category-bad.json").read_text(encoding="utf-8"), "places_sold_to_others",
     "flere pladser solgt til andre kommuner (12,5) end tilbuddet har (12)"),
    (f'{{{BASE}, "places": 10.5, "places_sold_to_others": "2"}}', "places",
     'pladserne: decimaltal skal skrives som tekst, fx "10.5"'),
    (f'{{{BASE}, "places": "10", "places_sold_to_others": 2.5}}', "places_sold_to_others",
     "decimaltal skal skrives som tekst"),
    ('{"rulebook": "syddanmark-2017", "daily_tariff": 2500.0, "other_buying_municipalities": 2, "places": "10", '
     '"places_sold_to_others": "2"}', "daily_tariff", "døgntaksten: decimaltal skal skrives som tekst"),
    (f'{{{BASE}, "places": "-10", "places_sold_to_others": "0"}}', "places", "pladserne kan ikke være negative"),
    ('{"rulebook": "syddanmark-2017", "daily_tariff": "2500", "other_buying_municipalities": -1, "places": "10", '
     '"places_sold_to_others": "2"}', "other_buying_municipalities", "kan ikke være negativt"),
    ('{"rulebook": "syddanmark-2017", "daily_tariff": "2500", "other_buying_municipalities": 2.0, "places": "10", '
     '"places_sold_to_others": "2"}', "other_buying_municipalities", "skal være et helt tal"),
    (f'{{{BASE}, "places": "ti", "places_sold_to_others": "2"}}', "places", "«ti» er ikke et tal"),
    (f'{{{BASE}, "places": "1e999999999", "places_sold_to_others": "2"}}', "places", "har for mange cifre"),
    (f'{{{BASE}, "places": "10", "places_sold_to_others": "0.00000000001"}}', "places_sold_to_others",
     "har for mange cifre"),
    ('{"rulebook": "atlantis-2030", "daily_tariff": "2500", "other_buying_municipalities": 2, "places": "10", '
     '"places_sold_to_others": "2"}', "rulebook", "ukendt eller ugyldig regelbog «atlantis-2030»"),
    (f'{{{BASE}, "places": "10"}}', "places_sold_to_others", "feltet mangler"),
    (f'{{{BASE}, "places": "10", "places_sold_to_others": "2", "share_sold_pct": "20"}}', "share_sold_pct",
     "ukendt felt"),
    ("[1, 2]", "(rod)", "JSON-objekt"),
    ("{not json", "(json)", "ugyldig JSON i linje 1"),
])
def test_bad_input_exits_2_with_a_danish_message_naming_the_field(payload, field, message):
    run = _run("suggest", "-", stdin=payload)
    assert run.returncode == 2
    error = json.loads(run.stdout)["error"]
    assert error["field"] == field and message in error["message"]


def test_a_missing_file_is_named_by_the_real_console(tmp_path):
    missing = str(tmp_path / "findes-ikke.json")
    run = subprocess.run([sys.executable, "-m", "rammeaftale", "category", "suggest", missing],
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 2 and json.loads(run.stdout)["error"]["field"] == "file"
    assert "Traceback" not in run.stderr
