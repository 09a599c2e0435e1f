"""Benchmark: the vacancy search (issue 13) through its selector, on PostgreSQL with the national demo.

Runs `--searches` (1,000) varied searches, drawn from a seeded `random.Random`, as the demo caseworker of the
national demo (Esbjerg): each picks some of paragraph, target group, offer type, the citizen's ages, region,
municipality, category, operator kinds, a tariff range and a from-date in the next 90 days, and asks for the first page
(25 offers) as `/ledige-pladser/` does: `exchange.search.vacancy_search(...)`. Every search is timed on its own
(wall clock, `time.perf_counter`); the first `--warmup` (20) are run before and not counted.

The data: a copy of `--template` (ra_national_tpl: `rammeaftale demo --scale national --seed 1`, about 7,000 offers
and 340,000 placements) into `--db`, migrated and analysed; when the template is missing, the national demo is built
into `--db` first (not timed).

    .venv/bin/python bench/vacancy.py [--searches 1000] [--server postgres://...] [--db ra_vacancy_bench]

Prints one JSON object on its last line: searches, p50/p95/p99/max in milliseconds, the mean offers matching and read.
"""
import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
SERVER = "postgres://postgres@127.0.0.1:5432"


def _psql(server: str, sql: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        cursor = conn.execute(sql)
        return "\n".join(str(row[0]) for row in cursor.fetchall()) if cursor.description else ""


def _ensure(server: str, name: str, template: str) -> None:
    exists = _psql(server, f"SELECT datname FROM pg_database WHERE datname = '{name}'") == name
    env = {**os.environ, "DATABASE_URL": f"{server}/{name}"}
    if not exists:
        if _psql(server, f"SELECT datname FROM pg_database WHERE datname = '{template}'") == template:
            print(f"database {name}: copying template {template}", flush=True)
            _psql(server, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            print(f"database {name}: building the national demo (not timed; minutes)", flush=True)
            _psql(server, f'CREATE DATABASE "{name}"')
            subprocess.run([BIN / "rammeaftale", "migrate", "--verbosity", "0"], check=True, env=env)
            subprocess.run([BIN / "rammeaftale", "demo", "--scale", "national", "--seed", "1"], check=True, env=env)
    subprocess.run([BIN / "rammeaftale", "migrate", "--verbosity", "0"], check=True, env=env)
    import psycopg

    with psycopg.connect(f"{server}/{name}", autocommit=True) as conn:
        conn.execute("ANALYZE")


def _searches(rng: random.Random, count: int, *, today: date, choices: dict):
    from rammeaftale.exchange.search import OPERATOR_KINDS, VacancySearch

    for _ in range(count):
        filters = {}
        if rng.random() < 0.6:
            filters["paragraph"] = rng.choice(choices["paragraphs"])
        if rng.random() < 0.4:
            filters["target_group"] = rng.choice(choices["target_groups"])
        if rng.random() < 0.5:
            filters["offer_type"] = rng.choice(choices["offer_types"])
        if rng.random() < 0.3:
            low = rng.randint(0, 60)
            filters["age_from"], filters["age_to"] = low, low + rng.randint(0, 20)
        if rng.random() < 0.5:
            filters["region_id"] = rng.choice(choices["regions"])
        elif rng.random() < 0.2:
            filters["municipality_id"] = rng.choice(choices["municipalities"])
        if rng.random() < 0.15:
            filters["category"] = rng.choice(choices["categories"])
        if rng.random() < 0.3:
            filters["operator_kinds"] = tuple(rng.sample(sorted(OPERATOR_KINDS), rng.randint(1, 2)))
        if rng.random() < 0.2:
            low = rng.choice((500, 1000, 1500, 2000, 2500))
            filters["tariff_min_kr"], filters["tariff_max_kr"] = low, low + rng.choice((500, 1000, 2000))
        if rng.random() < 0.5:
            filters["free_from"] = today + timedelta(days=rng.randint(0, 90))
        if rng.random() < 0.1:
            filters["need"] = 2
        yield VacancySearch(**filters)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server", default=SERVER)
    parser.add_argument("--db", default="ra_vacancy_bench")
    parser.add_argument("--template", default="ra_national_tpl")
    args = parser.parse_args()
    _ensure(args.server, args.db, args.template)
    os.environ["DATABASE_URL"] = f"{args.server}/{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rammeaftale.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from rammeaftale.accounts.actor import actor_from_user
    from rammeaftale.accounts.models import User
    from rammeaftale.core import clock
    from rammeaftale.exchange.search import vacancy_search
    from rammeaftale.parties.models import Organisation, OrganisationKind
    from rammeaftale.registry.models import Category, LegalParagraph, OfferType, TargetGroup

    actor = actor_from_user(User.objects.get(username="sagsbehandler"))
    today = clock.today()
    choices = {
        "paragraphs": list(LegalParagraph.objects.values_list("code", flat=True)),
        "target_groups": list(TargetGroup.objects.values_list("code", flat=True)),
        "offer_types": list(OfferType.values), "categories": list(Category.values),
        "regions": list(Organisation.objects.filter(kind=OrganisationKind.REGION).values_list("pk", flat=True)),
        "municipalities": list(Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
                               .values_list("pk", flat=True)),
    }
    rng = random.Random(f"rammeaftale-bench-vacancy:{args.seed}")
    for search in _searches(rng, args.warmup, today=today, choices=choices):
        vacancy_search(actor=actor, search=search, today=today)
    times, matching, read, hits = [], [], [], []
    for search in _searches(rng, args.searches, today=today, choices=choices):
        started = time.perf_counter()
        results = vacancy_search(actor=actor, search=search, today=today)
        times.append((time.perf_counter() - started) * 1000)
        matching.append(results.matching)
        read.append(results.read)
        hits.append(len(results.hits))
    ordered = sorted(times)

    def percentile(pct: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))], 1)

    print(json.dumps({
        "benchmark": "vacancy_search", "database": "postgresql", "data": f"{args.db} (national demo, seed 1)",
        "date": today.isoformat(), "python": platform.python_version(), "searches": len(times),
        "p50_ms": percentile(50), "p95_ms": percentile(95), "p99_ms": percentile(99), "max_ms": round(ordered[-1], 1),
        "mean_ms": round(statistics.fmean(times), 1), "mean_matching": round(statistics.fmean(matching)),
        "mean_read": round(statistics.fmean(read)), "mean_hits": round(statistics.fmean(hits), 1),
        "empty_results": sum(1 for count in hits if count == 0),
    }))


if __name__ == "__main__":
    main()
