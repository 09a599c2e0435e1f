"""The reader the JSON console commands share (engine.tariff_json.json_file_run): hostile bytes are a Danish error
with exit 2, never a traceback."""
import io
import json
from pathlib import Path

import pytest

from rammeaftale.engine.tariff_json import MAX_DEPTH, MAX_INPUT_BYTES, json_file_run

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "budget-hovedstaden-2022.json"
BUDGET = EXAMPLE.read_bytes()


def _echo(data):
    return {"read": data}


class _Stdin(io.TextIOWrapper):
    """Standard input as the console gives it: text on top of bytes."""

    def __init__(self, content: bytes):
        super().__init__(io.BytesIO(content), encoding="utf-8", errors="surrogateescape")


@pytest.mark.parametrize(
    ("content", "field", "message"),
    [
        (BUDGET.replace("Bofællesskabet".encode(), "Bofællesskabet".encode("latin-1")), "(json)",
         "inddata er ikke UTF-8: byte 0xe6 i linje 4 (position 72) kan ikke læses; gem filen som UTF-8"),
        (b"[" * 100_000, "(json)", f"JSON er indlejret mere end {MAX_DEPTH} niveauer"),
        (b"[" * 50 + b"]" * 50, "(json)", f"JSON er indlejret mere end {MAX_DEPTH} niveauer"),
        (b'{"a": ' * 30 + b"1" + b"}" * 30, "(json)", f"JSON er indlejret mere end {MAX_DEPTH} niveauer"),
        (b'{"year": ' + b"9" * 5000 + b"}", "(json)", "et tal i JSON har for mange cifre"),
        (b" " * MAX_INPUT_BYTES + BUDGET, "file", "inddata er større end 1024 kB"),
        (b"{not json", "(json)", "ugyldig JSON i linje 1"),
    ],
    ids=["latin-1", "nested-100000", "nested-50", "objects-30", "5000-digits", "over-1-MB", "not-json"],
)
def test_hostile_input_is_a_danish_error_from_a_file_and_from_standard_input(tmp_path, content, field, message):
    path = tmp_path / "input.json"
    path.write_bytes(content)
    for answer, code in (json_file_run(str(path), _echo), json_file_run("-", _echo, stdin=_Stdin(content))):
        assert code == 2
        assert answer["error"]["field"] == field and answer["error"]["message"].startswith(message)
        json.dumps(answer)  # printable as the command prints it


def test_utf_8_with_or_without_a_byte_order_mark_and_the_deepest_allowed_nesting_are_read(tmp_path):
    expected = json.loads(BUDGET)
    for content in (BUDGET, b"\xef\xbb\xbf" + BUDGET):
        assert json_file_run("-", _echo, stdin=_Stdin(content)) == ({"read": expected}, 0)
    deepest = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert json_file_run("-", _echo, stdin=io.StringIO(deepest.decode()))[1] == 0
    missing = tmp_path / "missing.json"
    answer, code = json_file_run(str(missing), _echo)
    assert code == 2 and answer["error"]["field"] == "file" and "No such file" in answer["error"]["message"]


EXAMPLES = EXAMPLE.parent


def _example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("value", ["1e400", "1e12", "-1e12", "99999999999999999999999999999", "1e-400",
                                   "0.00000000001", "NaN", "-Infinity"])
def test_every_engine_json_refuses_a_number_out_of_bounds_naming_the_field(value):
    """Issue 11: "1e400" (and tiny exponents) reached the engine and failed in a rounding with a traceback."""
    from rammeaftale.economy.guarantee_json import guarantee_json
    from rammeaftale.engine.growth_json import tariff_growth_json
    from rammeaftale.engine.tariff_json import EngineInputError, tariff_calculate_json, true_up_calculate_json

    cases = []
    budget = _example("budget-hovedstaden-2022.json")
    budget["services"][0]["true_up"] = value
    cases.append((tariff_calculate_json, budget, "services[0].true_up"))
    budget = _example("budget-hovedstaden-2022.json")
    budget["services"][1]["budgeted_hours"] = value
    cases.append((tariff_calculate_json, budget, "services[1].budgeted_hours"))
    accounts = _example("accounts-syddanmark-2019.json")
    accounts["cost_based_budget"] = value
    cases.append((true_up_calculate_json, accounts, "cost_based_budget"))
    growth = _example("growth-hovedstaden-2022.json")
    growth["tariffs"]["2020"] = value
    cases.append((tariff_growth_json, growth, "tariffs.2020"))
    guarantee = _example("economy/guarantee.json")
    guarantee["deficit"] = value
    cases.append((guarantee_json, guarantee, "deficit"))
    for calculate, data, field in cases:
        with pytest.raises(EngineInputError) as error:
            calculate(data)
        assert error.value.field == field
        message = error.value.message  # Danish first, the English after in brackets
        assert not message.startswith(("Input", "Value error")) and message.endswith(")"), message


def test_the_largest_and_finest_figures_within_bounds_are_calculated():
    from rammeaftale.engine.growth_json import tariff_growth_json
    from rammeaftale.engine.tariff_json import tariff_calculate_json

    budget = _example("budget-hovedstaden-2022.json")
    budget["services"][0]["costs"] = {"salaries": "999999999999.9999999999", "property": "999999999999.99",
                                      "overhead_pct": "100", "capital_book_value": "999999999999",
                                      "interest_rate_pct": "100"}
    budget["services"][0]["budgeted_occupancy_pct"] = "0.0000000001"
    budget["services"][1]["budgeted_hours"] = "0.0000000001"
    assert len(tariff_calculate_json(budget)["services"]) == 2
    growth = _example("growth-hovedstaden-2022.json")
    growth["tariffs"] = {"2019": "0.0000000001", "2020": "999999999999.9999999999", "2021": "0.0000000001",
                         "2022": "999999999999.9999999999"}
    growth["pl_pct"] = {"2020": "0E-1000000", "2021": "100", "2022": "-99.9999999999"}
    assert [row["year"] for row in tariff_growth_json(growth)["years"]] == [2019, 2020, 2021, 2022]
