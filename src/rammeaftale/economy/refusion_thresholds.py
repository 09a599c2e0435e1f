"""The sourced § 176 thresholds per year (`data/refusion_thresholds.csv`, sources in `data/README.md`), loaded once."""
import csv
import functools
import io
from decimal import Decimal
from importlib import resources

from rammeaftale.engine.refusion import RefusionBand, RefusionThresholds

MAX_BANDS = 3


def refusion_thresholds_parse(text: str) -> dict[int, RefusionThresholds]:
    """Rows of year, level, band_N_kr and band_N_pct (empty after the last band), source and source URL."""
    years: dict[int, RefusionThresholds] = {}
    for row in csv.DictReader(io.StringIO(text)):
        year = int(row["year"])
        if year in years:
            raise ValueError(f"{year}: året står to gange i tærsklerne (a year twice)")
        bands = tuple(RefusionBand(threshold_kr=Decimal(row[f"band_{n}_kr"]), rate_pct=Decimal(row[f"band_{n}_pct"]))
                      for n in range(1, MAX_BANDS + 1) if (row.get(f"band_{n}_kr") or "").strip())
        years[year] = RefusionThresholds(year=year, bands=bands, level=row["level"], source=row["source"],
                                         source_url=row.get("source_url") or "")
    return years


@functools.cache
def refusion_thresholds() -> dict[int, RefusionThresholds]:
    """Every year with sourced thresholds; a year missing here has none (never guessed)."""
    text = resources.files("rammeaftale.economy").joinpath("data", "refusion_thresholds.csv").read_text(
        encoding="utf-8")
    return refusion_thresholds_parse(text)
