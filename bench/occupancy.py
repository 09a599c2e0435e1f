"""Benchmark: occupancy of the national demo over five years through the engine, checked against the reference.

Builds the national demo (five regions, about 7,000 offers) with its demo placements from 1 January of the first
of five years (2022–2026 unless told) in a fresh SQLite file (not timed), extracts the stays and capacities (timed
apart), then times the polars engine (`occupancy_frame`) over every offer for the year, its quarters and its months
of each of the five years, and checks a sample of offers against the per-day reference. Prints one JSON object
on its last line.

    .venv/bin/python bench/occupancy.py [--seed N] [--last-year 2026] [--sample 150]
"""
import argparse
import json
import os
import platform
import sys
import time
from datetime import date

from _setup import django_on_fresh_sqlite, national_demo_with_placements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--last-year", type=int, default=2026, help="the five years end here (the figures in "
                        "docs/performance.md are for 2022–2026)")
    parser.add_argument("--sample", type=int, default=150, help="offers checked against the per-day reference")
    args = parser.parse_args()
    years = list(range(args.last_year - 4, args.last_year + 1))
    folder = django_on_fresh_sqlite()
    import polars as pl

    from rammeaftale.engine.occupancy import (
        Capacity,
        OccupancyFigure,
        Stay,
        occupancy_frame,
        periods_frame,
        year_periods,
    )
    from rammeaftale.engine.occupancy_reference import occupancy_reference
    from rammeaftale.occupancy.inputs import occupancy_capacities_frame, occupancy_stays_frame
    from rammeaftale.registry.models import Offer

    report, build_seconds = national_demo_with_placements(
        seed=args.seed, first_day=date(years[0], 1, 1), today=date(years[-1], 12, 31), year_from=years[0],
        year_to=years[-1])

    first_day, last_day = date(years[0], 1, 1), date(years[-1] + 1, 1, 1)
    started = time.perf_counter()
    stays = occupancy_stays_frame(first_day=first_day, last_day=last_day)
    capacities = occupancy_capacities_frame()
    extract_seconds = time.perf_counter() - started
    periods = periods_frame([period for year in years for period in year_periods(year)])

    runs = []
    for _ in range(3):
        started = time.perf_counter()
        frame = occupancy_frame(stays, capacities, periods)
        runs.append(time.perf_counter() - started)
    seconds = min(runs)

    sample = sorted(frame["offer_id"].unique().to_list())[:: max(1, frame["offer_id"].n_unique() // args.sample)]
    sample_set = set(sample)
    sample_stays = [Stay(*row) for row in stays.filter(pl.col("offer_id").is_in(sample)).iter_rows()]
    sample_capacities = [Capacity(*row) for row in capacities.filter(pl.col("offer_id").is_in(sample)).iter_rows()]
    sample_periods = [period for year in years for period in year_periods(year)]
    started = time.perf_counter()
    reference = occupancy_reference(sample_stays, sample_capacities, sample_periods)
    reference_seconds = time.perf_counter() - started
    engine_sample = [OccupancyFigure(*row) for row in frame.iter_rows() if row[0] in sample_set]
    identical = engine_sample == reference
    totals = frame.filter(pl.col("period").str.len_chars() == 4).select(
        pl.col("occupied_days").sum(), pl.col("capacity_days").sum()).row(0)
    offers = Offer.objects.count()
    folder.cleanup()
    result = {
        "offers": offers,
        "placements": report.placements,
        "stays": stays.height,
        "years": len(years),
        "periods": periods.height,
        "rows": frame.height,
        "seconds": round(seconds, 3),
        "extract_seconds": round(extract_seconds, 1),
        "occupied_place_days": totals[0],
        "capacity_place_days": totals[1],
        "reference_offers": len(sample),
        "reference_seconds": round(reference_seconds, 1),
        "identical": identical,
        "build_seconds": round(build_seconds, 1),
        "python": platform.python_version(),
        "cores": os.cpu_count(),
    }
    print(json.dumps(result), flush=True)
    sys.exit(0 if identical else 1)


if __name__ == "__main__":
    main()
