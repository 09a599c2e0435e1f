"""Published tariffs (data/takster_examples.csv) in the pools the demo draws its price levels from."""
import csv
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources

DATA_FILE = "takster_examples.csv"
CENT = Decimal("0.01")

# Pool keys, each a kind of unit price; the archetypes in catalogue.py name the pool their services draw from.
RESIDENTIAL_ADULT = "residential_adult"
RESIDENTIAL_CHILD = "residential_child"
RESPITE = "respite"
SECURED = "secured"
SHELTER = "shelter"
DAY_ACTIVITY = "day_activity"
DAY_WORK = "day_work"
DAY_TREATMENT = "day_treatment"
SCHOOL = "school"
HOUR = "hour"

POOL_LABELS_DA = {
    RESIDENTIAL_ADULT: "botilbud for voksne (SEL § 107/108)",
    RESIDENTIAL_CHILD: "døgnophold for børn og unge",
    RESPITE: "aflastning",
    SECURED: "sikrede og særlige døgntilbud for unge",
    SHELTER: "krisecenter",
    DAY_ACTIVITY: "aktivitets- og samværstilbud (SEL § 104)",
    DAY_WORK: "beskyttet beskæftigelse (SEL § 103)",
    DAY_TREATMENT: "dagbehandling",
    SCHOOL: "skoletilbud",
    HOUR: "timetakst",
}


@dataclass(frozen=True)
class PublishedTariff:
    """One published unit price: kroner per day (per hour in the hour pool), and where it was published."""

    pool: str
    offer: str
    service: str
    amount_kr: Decimal
    year: str
    source_url: str

    @property
    def label_da(self) -> str:
        year = self.year if self.year.isdigit() else "år ikke oplyst"
        return f"{self.offer}, {self.service} ({year})"


def _pool_of(row: dict) -> str | None:
    """Which pool a published row belongs to, by its unit, paragraph and service name; None leaves it out."""
    unit = row["takst_unit"]
    paragraph = row["paragraph"].lower()
    service = row["afdeling_or_ydelse"].lower()
    if unit == "kr/time":
        return HOUR
    if not (unit.startswith("kr/døgn") or unit.startswith("kr/dag") or unit == "kr/måned"):
        return None  # per km, per inhabitant: not a place price
    if "objektiv" in paragraph:
        return None  # financed per inhabitant, not a price per place
    if "skole" in service or "skole" in paragraph or "stu" in paragraph:
        return SCHOOL
    if "§104" in paragraph:
        return DAY_ACTIVITY
    if "§103" in paragraph:
        return DAY_WORK
    if "dagbehandling" in paragraph:
        return DAY_TREATMENT
    if "aflastning" in paragraph:
        return RESPITE
    if "krisecenter" in paragraph:
        return SHELTER
    if row["operator_type"] == "regional":
        # The regional rows are DOK's secured and special youth units; its workshop row is no place price.
        return SECURED if "værksted" not in service else None
    unstated_adult = paragraph == "not stated" and row["target_group"] == "voksne"
    if "§107" in paragraph or "§108" in paragraph or unstated_adult:
        return RESIDENTIAL_ADULT
    if "døgnophold" in paragraph or "§43" in paragraph:
        return RESIDENTIAL_CHILD
    return None


def _amount_kr(row: dict) -> Decimal | None:
    """The published unit price; a monthly price alone becomes a daily one with × 12/365."""
    if row["takst_kr"].strip():
        return Decimal(row["takst_kr"])
    if row["monthly_takst_kr"].strip():
        return (Decimal(row["monthly_takst_kr"]) * 12 / 365).quantize(CENT, rounding=ROUND_HALF_UP)
    return None


@cache
def published_pools() -> dict[str, tuple[PublishedTariff, ...]]:
    """Every usable published row by pool, in file order (so a seeded draw picks the same row each time)."""
    text = resources.files("rammeaftale.registry").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    pools: dict[str, list[PublishedTariff]] = {key: [] for key in POOL_LABELS_DA}
    for row in csv.DictReader(text.splitlines()):
        pool = _pool_of(row)
        amount = _amount_kr(row)
        if pool is None or amount is None:
            continue
        pools[pool].append(PublishedTariff(
            pool=pool, offer=row["tilbud"], service=row["afdeling_or_ydelse"], amount_kr=amount,
            year=row["year"], source_url=row["source_url"],
        ))
    empty = [key for key, rows in pools.items() if not rows]
    if empty:
        raise RuntimeError(f"{DATA_FILE} has no published tariff for the pools {empty}")
    return {key: tuple(rows) for key, rows in pools.items()}


def published_range_kr(pool: str) -> tuple[Decimal, Decimal]:
    """The lowest and highest published price in a pool."""
    amounts = [row.amount_kr for row in published_pools()[pool]]
    return min(amounts), max(amounts)
