"""Benchmark: the national demo (five regions, about 7,000 offers) in a fresh database; prints one JSON line.

    .venv/bin/python bench/demo_national.py [--seed N]     # a fresh SQLite file in a temporary folder
    DATABASE_URL=postgres://... .venv/bin/python bench/demo_national.py   # a fresh test_ database, dropped
"""
import argparse
import json
import os
import platform
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory(prefix="rammeaftale-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rammeaftale.config.settings")
    on_postgres = "DATABASE_URL" in os.environ
    if not on_postgres:
        os.environ["RAMMEAFTALE_VAR_DIR"] = folder.name

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from rammeaftale.accounts.actor import Actor
    from rammeaftale.demo.build import demo_build
    from rammeaftale.demo.catalogue import REGION_CODES

    test_database = None
    if on_postgres:
        test_database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    else:
        call_command("migrate", interactive=False, verbosity=0)
    try:
        started = time.perf_counter()
        report = demo_build(actor=Actor.system(username="bench"), region_codes=list(REGION_CODES.values()),
                            seed=args.seed, scale="national")
        seconds = time.perf_counter() - started
    finally:
        if test_database is not None:
            connection.creation.destroy_test_db(test_database, verbosity=0)
        folder.cleanup()
    totals: dict[str, int] = {}
    for region in report.built:
        for key, value in region.counts.items():
            totals[key] = totals.get(key, 0) + value
    print(json.dumps({
        "benchmark": "demo_national", "database": connection.vendor, "seed": args.seed,
        "seconds": round(seconds, 2), "offers_per_region": {r.name: r.counts["offers"] for r in report.built},
        **totals, "provisional_tariffs": report.provisional.created if report.provisional else 0,
        "python": platform.python_version(),
    }, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
