"""Benchmark: one month's settlement of the national demo through the engine and through the reference.

Builds the national demo (five regions, about 7,000 offers) with its demo placements in a fresh SQLite file,
extracts the month's charges, tariffs and hours for every seller (not timed), then times the polars engine
(`settlement_month_frame` on the columns, and `settlement_month` including building the columns from records) and
the per-day plain-Python reference on the same input, and checks that both give the same lines to the øre.
Prints one JSON object on its last line.

    .venv/bin/python bench/settlement.py [--seed N] [--month 2026-11]
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
    parser.add_argument("--month", default="2026-11", help="YYYY-MM")
    args = parser.parse_args()
    year, month = (int(part) for part in args.month.split("-"))
    folder = django_on_fresh_sqlite()

    from rammeaftale.billing.settlement import settlement_inputs
    from rammeaftale.engine.settlement import (
        CHARGE_SCHEMA,
        HoursRecord,
        SettlementLine,
        TariffPeriod,
        settlement_month,
        settlement_month_frame,
    )
    from rammeaftale.engine.settlement_reference import settlement_month_reference

    report, build_seconds = national_demo_with_placements(seed=args.seed, first_day=date(2023, 1, 1),
                                                          today=date(year, month, 1))

    started = time.perf_counter()
    first_day = date(year, month, 1)
    last_day = date(year + month // 12, month % 12 + 1, 1)
    inputs = settlement_inputs(seller=None, first_day=first_day, last_day=last_day)  # already columns
    frames = {"charges": inputs.charges.select(list(CHARGE_SCHEMA)), "tariffs": inputs.tariffs, "hours": inputs.hours}
    extract_seconds = time.perf_counter() - started
    records = {  # the same as the engine's records, for the record API and the per-day reference
        "charges": inputs.charge_records(),
        "tariffs": [TariffPeriod(*row) for row in inputs.tariffs.iter_rows()],
        "hours": [HoursRecord(*row) for row in inputs.hours.iter_rows()],
    }

    runs = []
    for _ in range(3):
        started = time.perf_counter()
        frame = settlement_month_frame(**frames, year=year, month=month)
        runs.append(time.perf_counter() - started)
    engine_seconds = min(runs)
    started = time.perf_counter()
    engine_lines = settlement_month(**records, year=year, month=month)
    engine_with_records_seconds = time.perf_counter() - started
    started = time.perf_counter()
    reference_lines = settlement_month_reference(**records, year=year, month=month)
    reference_seconds = time.perf_counter() - started
    frame_lines = [SettlementLine(*row) for row in frame.iter_rows()]
    identical = frame_lines == engine_lines == sorted(reference_lines, key=lambda l: (
        l.seller_id, l.buyer_id, l.placement_id, l.service_id, l.period_from))
    folder.cleanup()
    result = {
        "placements": len(inputs.placement_ids),
        "demo_placements": report.placements,
        "active_placements": report.active,
        "charges": inputs.charges.height,
        "tariff_periods": inputs.tariffs.height,
        "lines": len(frame_lines),
        "amount_ore": sum(line.amount_ore for line in frame_lines),
        "month": f"{year}-{month:02d}",
        "engine_seconds": round(engine_seconds, 3),
        "engine_with_records_seconds": round(engine_with_records_seconds, 3),
        "reference_seconds": round(reference_seconds, 2),
        "speedup": round(reference_seconds / engine_seconds, 1),
        "identical": identical,
        "build_seconds": round(build_seconds, 1),
        "extract_seconds": round(extract_seconds, 1),
        "python": platform.python_version(),
        "cores": os.cpu_count(),
    }
    print(json.dumps(result), flush=True)
    sys.exit(0 if identical else 1)


if __name__ == "__main__":
    main()
