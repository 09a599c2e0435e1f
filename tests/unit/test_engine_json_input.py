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
