"""Population per municipality on a stated date, from the reference data shipped with the package (no database).

The guarantee is shared "efter befolkningsandele" (seed-003) on a date the caller states; only dates with a file
are answered, never the nearest one. To add a date, ship a file shaped like `registry/data/kommuner.csv` (code, name,
region_code, region_name, population) and name it in `POPULATION_FILES`.
"""
import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files

from rammeaftale.engine.guarantee import Municipality


@dataclass(frozen=True)
class PopulationFile:
    package: str
    name: str
    source: str


POPULATION_FILES: dict[date, PopulationFile] = {
    # registry/data/README.md: population on 1 January 2024, Danmarks Statistik FOLK1AM 2024M01.
    date(2024, 1, 1): PopulationFile(package="rammeaftale.registry", name="data/kommuner.csv",
                                     source="Danmarks Statistik, FOLK1AM 2024M01 (registry/data/kommuner.csv)"),
}


@dataclass(frozen=True)
class RegionPopulation:
    region_code: int
    region: str
    on: date
    source: str
    municipalities: tuple[Municipality, ...]  # in the file's order (by municipality code)


def population_dates() -> tuple[date, ...]:
    return tuple(sorted(POPULATION_FILES))


@cache
def region_population(*, on: date, region_code: int) -> RegionPopulation | None:
    """The region's municipalities with their population on `on`; None when there is no file for that date or the
    region is not in it."""
    file = POPULATION_FILES.get(on)
    if file is None:
        return None
    with files(file.package).joinpath(file.name).open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if int(row["region_code"]) == region_code]
    if not rows:
        return None
    return RegionPopulation(
        region_code=region_code, region=rows[0]["region_name"], on=on, source=file.source,
        municipalities=tuple(Municipality(code=row["code"], name=row["name"], population=int(row["population"]))
                             for row in rows),
    )


class PopulationMissing(ValueError):
    """No population for the region on the date (Danish message); the field is the population date."""

    field = "population_date"


def population_check(*, on: date, region_code: int, municipalities: int) -> RegionPopulation:
    """The region's population on `on`, with all its `municipalities` (the rulebook's count), or PopulationMissing
    naming the dates there are."""
    if on not in population_dates():
        known = ", ".join(day.isoformat() for day in population_dates())
        raise PopulationMissing(f"der er ingen befolkningstal pr. {on.isoformat()}; systemet har befolkningstal pr. "
                                f"{known} (a population date without data)")
    population = region_population(on=on, region_code=region_code)
    if population is None or len(population.municipalities) != municipalities:
        found = 0 if population is None else len(population.municipalities)
        raise PopulationMissing(f"befolkningstallene pr. {on.isoformat()} har {found} kommuner i region "
                                f"{region_code}, regelbogen {municipalities} (the population data does not match the "
                                "rulebook's region)")
    return population
