"""`rammeaftale economy refusion`: the worked example in docs/examples/economy runs; every bad input exits 2 with a
JSON error naming the field in Danish. The cases run the console command in this process (`tests.conftest.console`);
the example also goes through a real process, without a database."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import console

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "economy" / "refusion.json"


def _run(path: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return console("economy", "refusion", path, stdin=stdin)


def _with(**changes) -> str:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data.update(changes)
    return json.dumps(data)


def _case(index: int, **changes) -> str:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["cases"][index].update(changes)
    data["cases"][index] = {key: value for key, value in data["cases"][index].items() if value is not None}
    return json.dumps(data)


EXPECTED = {
    "year": 2022,
    "thresholds": {
        "level": "2022-niveau",
        "bands": [{"threshold": "860000", "rate_pct": "25"}, {"threshold": "1680000", "rate_pct": "50"},
                  {"threshold": "2120000", "rate_pct": "75"}],
        "source_url": "https://danskelove.dk/serviceloven/176",
    },
    "cases": [
        {"id": "A", "expenses": "900000.00", "refusion": "10000.00"},     # 25 % × 40,000
        {"id": "B", "expenses": "2500000.00", "refusion": "710000.00"},   # 205,000 + 220,000 + 285,000
        {"id": "C", "expenses": "750000.00", "refusion": "0.00"},         # under the first threshold
        {"id": "F", "expenses": "900000.02", "refusion": "10000.01"},     # 10,000.005 half up
    ],
    "households": [
        {"household": "H1", "members": ["D", "E"], "expenses": "1100000.00", "refusion": "60000.00"},
    ],
    "refusion_total": "790000.01",
}


def _check_example(result: dict) -> None:
    source = result["thresholds"].pop("source")
    assert "Serviceloven § 176" in source and "Folketinget 2019-20 L 197" in source and "2022-niveau" in source
    assert result == EXPECTED


def test_the_example_gives_the_worked_refusion():
    run = _run(str(EXAMPLE))
    assert run.returncode == 0, run.stdout + run.stderr
    _check_example(json.loads(run.stdout))


def test_the_example_through_the_real_console_needs_no_database(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["RAMMEAFTALE_VAR_DIR"] = str(tmp_path)  # an empty var directory: no database to find
    run = subprocess.run([sys.executable, "-m", "rammeaftale", "economy", "refusion", str(EXAMPLE)],
                         capture_output=True, text=True, timeout=60, check=False, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    _check_example(json.loads(run.stdout))


def test_2020_uses_the_old_scheme_and_standard_input_works():
    run = _run("-", stdin=json.dumps({"year": 2020, "cases": [{"id": "A", "expenses": 2500000}]}))
    assert run.returncode == 0, run.stdout
    result = json.loads(run.stdout)
    assert [band["rate_pct"] for band in result["thresholds"]["bands"]] == ["25", "50"]
    assert result["cases"] == [{"id": "A", "expenses": "2500000.00", "refusion": "570000.00"}]
    assert result["households"] == [] and result["refusion_total"] == "570000.00"


@pytest.mark.parametrize(("payload", "field", "message"), [
    (_case(0, expenses="-1"), "cases[0].expenses", "udgiften kan ikke være negativ (-1)"),
    (_case(4, age=18), "cases[4].age", "husstanden «H1» blander voksne og børn: «E» er 18 år"),
    (_with(year=2021), "year", "der er ingen kildebelagte tærskler for statsrefusion i 2021 (kun for 2020, 2022); "
                               "sekretariatet skal indtaste årets tærskler med deres kilde"),
    (_with(year=2023), "year", "der er ingen kildebelagte tærskler for statsrefusion i 2023"),
    (_case(2, id=None), "cases[2].id", "mangler (required)"),
    (_case(2, id="A"), "cases[2].id", "id «A» findes to gange"),
    (_case(2, id=" "), "cases[2].id", "må ikke være tom"),
    (_case(2, id=7), "cases[2].id", "skal være tekst"),
    (_case(2, expenses="ni hundrede"), "cases[2].expenses", "«ni hundrede» er ikke et beløb"),
    (_case(2, expenses="900000.005"), "cases[2].expenses", "«900000.005» har mere end to decimaler"),
    (_case(2, expenses=900000.5), "cases[2].expenses", "decimaltal skal skrives som tekst"),
    (_case(2, expenses="NaN"), "cases[2].expenses", "«NaN» er ikke et beløb"),
    (_case(2, expenses="1e400"), "cases[2].expenses", "«1e400» har for mange cifre"),
    (_case(2, expenses=True), "cases[2].expenses", "et beløb i kroner skrevet som tekst"),
    (_case(2, expenses=None), "cases[2].expenses", "mangler (required)"),
    (_case(2, age="12"), "cases[2].age", "skal være et helt tal"),
    (_case(2, amount="1"), "cases[2].amount", "ukendt nøgle"),
    (_with(year="2022"), "year", "skal være et helt tal"),
    (_with(cases=[]), "cases", "mindst én sag"),
    (_with(cases=[{"id": str(n), "expenses": "1"} for n in range(10_001)]), "cases", "højst 10.000 sager"),
    (_with(cases={"id": "A"}), "cases", "skal være en liste af sager"),
    ("[1, 2]", "(rod)", "skal være et JSON-objekt"),
    ("{not json", "(json)", "ugyldig JSON i linje 1"),
])
def test_bad_input_exits_2_with_a_danish_message_naming_the_field(payload, field, message):
    run = _run("-", stdin=payload)
    assert run.returncode == 2, run.stdout
    error = json.loads(run.stdout)["error"]
    assert error["field"] == field and error["message"].startswith(message), error
    if field != "(json)":  # the shared reader's JSON errors quote the parser
        assert error["message"].endswith(")")  # the English after the Danish


def test_a_file_that_is_not_there_is_named(tmp_path):
    run = _run(str(tmp_path / "findes-ikke.json"))
    assert run.returncode == 2 and json.loads(run.stdout)["error"]["field"] == "file"


def test_the_output_in_the_docs_is_the_commands_output():
    docs = (EXAMPLE.parents[2] / "engine-json.md").read_text(encoding="utf-8")
    block = docs.split("$ .venv/bin/rammeaftale economy refusion docs/examples/economy/refusion.json\n", 1)[1]
    assert json.loads(block.split("\n```", 1)[0]) == json.loads(_run(str(EXAMPLE)).stdout)
