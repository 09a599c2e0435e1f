"""`rammeaftale economy guarantee`: the worked example splits Hovedstaden's guarantee over its 29 municipalities to the
øre; every bad input exits 2 with a Danish message naming the field. The cases run the console command in this
process (`tests.conftest.console`); the example also runs through a real process."""
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from tests.conftest import console

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "economy" / "guarantee.json"
INPUT = json.loads(EXAMPLE.read_text(encoding="utf-8"))


def _run(payload: dict) -> tuple[dict, int]:
    run = console("economy", "guarantee", "-", stdin=json.dumps(payload))
    return json.loads(run.stdout), run.returncode


def test_the_example_splits_750000_kr_over_hovedstadens_29_municipalities_by_population():
    run = console("economy", "guarantee", str(EXAMPLE))
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert (result["guarantee_pct"], result["guaranteed"], result["guaranteed_ore"], result["sum_ore"]) == (
        "75", "750000.00", 75_000_000, 75_000_000)
    assert result["region"] == {"code": 1084, "name": "Hovedstaden"}
    assert (result["population_date"], result["population_total"]) == ("2024-01-01", 1_910_976)
    shares = result["shares"]
    assert len(shares) == 29 and sum(share["share_ore"] for share in shares) == 75_000_000
    # København: 75,000,000 × 659,350 / 1,910,976 = 25,877,483.6… øre; rounded down, then one of the 15 øre left over.
    assert shares[0] == {"municipality_code": "101", "municipality": "København", "population": 659_350,
                         "share_ore": 25_877_484, "extra_ore": 1}
    assert sum(share["extra_ore"] for share in shares) == 15
    for share in shares:
        exact = Fraction(75_000_000 * share["population"], 1_910_976)
        assert share["share_ore"] - share["extra_ore"] == int(exact)
    rule = {row["parameter"]: row for row in result["rule"]}
    assert rule["new_places_model.guarantee_steps_pct"]["quote"] == "evt. med årlig aftrapning (f.eks. 75-50-25)"
    assert rule["new_places_model.guarantee_steps_pct"]["informational"] is False
    assert "efter befolkningsandele" in rule["new_places_model.sharing"]["quote"]


@pytest.mark.parametrize(("year", "pct", "ore"), [(2, "50", 50_000_000), (3, "25", 25_000_000)])
def test_the_guarantee_steps_down_by_year_of_operation(year, pct, ore):
    result, code = _run(INPUT | {"year_of_operation": year})
    assert code == 0
    assert (result["guarantee_pct"], result["guaranteed_ore"], result["sum_ore"]) == (pct, ore, ore)


def test_a_deficit_of_0_guarantees_nothing():
    result, code = _run(INPUT | {"deficit": "0"})
    assert code == 0 and result["sum_ore"] == 0 and all(share["share_ore"] == 0 for share in result["shares"])


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"rulebook": "atlantis-2030"}, "rulebook", "ukendt eller ugyldig regelbog «atlantis-2030»"),
    ({"rulebook": "syddanmark-2019-2020"}, "rulebook",
     "regelbogen «syddanmark-2019-2020» har ingen økonomimodel for nye pladser ([new_places_model]) og dermed ingen "
     "underskudsgaranti; den findes i hovedstaden-2021-2022 (the rulebook has no deficit guarantee for new places)"),
    ({"population_date": "2023-01-01"}, "population_date",
     "der er ingen befolkningstal pr. 2023-01-01; systemet har befolkningstal pr. 2024-01-01 "
     "(a population date without data)"),
    ({"population_date": "1. januar 2024"}, "population_date", "skal være en dato skrevet som tekst, fx \"2024-01-01\""),
    ({"population_date": "2024-02-30"}, "population_date", "«2024-02-30» er ikke en dato"),
    ({"year_of_operation": 0}, "year_of_operation", "driftsåret skal være mindst 1"),
    ({"year_of_operation": 4}, "year_of_operation",
     "regelbogen har garanti i 3 driftsår (75-50-25 %), ikke i driftsår 4 (a guarantee year beyond the rulebook's "
     "years)"),
    ({"year_of_operation": True}, "year_of_operation", "skal være et helt tal"),
    ({"year_of_operation": "1"}, "year_of_operation", "skal være et helt tal"),
    ({"deficit": "en million"}, "deficit", "skal være et decimaltal skrevet som tekst"),
    ({"deficit": 1000000.5}, "deficit", "decimaltal skal skrives som tekst"),
    ({"deficit": "-1000000"}, "deficit",
     "underskuddet er negativt (-1000000), dvs. et overskud, som garantien ikke dækker; angiv underskuddet som et "
     "positivt beløb, eller 0 (a surplus is not guaranteed: give the deficit as a positive amount)"),
    ({"deficit": "1e400"}, "deficit", "«1E+400» har for mange cifre"),
    ({"deficit": None}, "deficit", "skal udfyldes"),  # None: the key is left out
    ({"municipalities": ["101"]}, "municipalities", "feltet kendes ikke"),
])
def test_bad_input_exits_2_with_a_danish_message_naming_the_field(change, field, message):
    result, code = _run({key: value for key, value in (INPUT | change).items() if value is not None})
    assert code == 2
    assert result["error"]["field"] == field
    assert result["error"]["message"].startswith(message), result["error"]["message"]
    assert result["error"]["message"].endswith(")")  # Danish first, the English after in brackets


def test_the_example_through_a_real_process():
    run = subprocess.run([sys.executable, "-m", "rammeaftale", "economy", "guarantee", str(EXAMPLE)],
                         capture_output=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr.decode()
    assert json.loads(run.stdout)["sum_ore"] == 75_000_000


def test_the_shipped_population_is_every_regions_total_and_a_date_is_added_as_a_file(monkeypatch):
    import csv
    from datetime import date

    from rammeaftale.economy import population
    from rammeaftale.economy.guarantee_json import guarantee_json

    regions = EXAMPLE.parents[3] / "src" / "rammeaftale" / "registry" / "data" / "regioner.csv"
    with regions.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            region = population.region_population(on=date(2024, 1, 1), region_code=int(row["code"]))
            assert (region.region, len(region.municipalities)) == (row["name"], int(row["municipalities"]))
            assert sum(m.population for m in region.municipalities) == int(row["population"])
    assert population.region_population(on=date(2024, 1, 1), region_code=9999) is None
    assert population.region_population(on=date(2025, 1, 1), region_code=1084) is None
    # Another date is one more file named in POPULATION_FILES (here the same figures, for the test).
    monkeypatch.setitem(population.POPULATION_FILES, date(2025, 1, 1), population.POPULATION_FILES[date(2024, 1, 1)])
    population.region_population.cache_clear()
    try:
        assert guarantee_json(INPUT | {"population_date": "2025-01-01"})["sum_ore"] == 75_000_000
    finally:
        population.region_population.cache_clear()


def test_population_that_does_not_match_the_rulebooks_region_is_refused(monkeypatch):
    from dataclasses import replace

    from rammeaftale.economy import guarantee_json as module
    from rammeaftale.economy import population
    from rammeaftale.engine.tariff_json import EngineInputError

    full = population.region_population

    def one_missing(**kwargs):
        region = full(**kwargs)
        return replace(region, municipalities=region.municipalities[:-1])

    monkeypatch.setattr(population, "region_population", one_missing)
    with pytest.raises(EngineInputError) as error:
        module.guarantee_json(INPUT)
    assert error.value.field == "population_date"
    assert error.value.message.startswith("befolkningstallene pr. 2024-01-01 har 28 kommuner i region 1084, "
                                          "regelbogen 29")
