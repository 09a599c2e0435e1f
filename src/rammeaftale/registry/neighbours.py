"""Which municipalities of a region border each other (`data/nabokommuner.csv`, see `data/README.md`).

Used only to order search results by distance (same municipality, a neighbour in the region, the region, other
regions); a missing or wrong pair changes an order, never a figure."""
import csv
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "nabokommuner.csv"


@cache
def neighbour_codes() -> dict[str, frozenset[str]]:
    """Each municipality's official code to the codes of its neighbours in the same region."""
    pairs: dict[str, set[str]] = {}
    with DATA.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            pairs.setdefault(row["code_a"], set()).add(row["code_b"])
            pairs.setdefault(row["code_b"], set()).add(row["code_a"])
    return {code: frozenset(codes) for code, codes in pairs.items()}
