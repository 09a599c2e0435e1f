"""Benchmark: the occupancy report pages and actions for one user at a time, on PostgreSQL, at regional and national
scale.

Walks, through Django's test client (the whole stack: middleware, views, templates, one PostgreSQL connection):
the operator economist's report list, starting a report (the draft and its figures), the report's page, saving the
texts of the offers over the threshold, submitting, then the secretariat's compiled report, the capacity and
occupancy analysis, one offer's occupancy page and its category page. The writes (start, save, submit) run inside a
transaction that is rolled back after each round, so every round starts from the same data and the databases are
left as they were. Each page or action is timed best of `--rounds` (3); the queries of its last run are counted.

The data (built when missing, with what is done printed; the build is not timed):
- region: `rammeaftale bootstrap --demo syddanmark` into database `--region-db` (as `make run` builds it), or a copy
  of `--region-template` when one is given;
- national: a copy of `--national-template` (ra_national_tpl) into `--national-db`, or when that template is missing
  too, `rammeaftale demo --scale national` into `--national-db` (about 340,000 placements; many minutes).

    .venv/bin/python bench/occupancy_pages.py [--scopes region,national] [--rounds 3] [--server postgres://...]

Prints one JSON object on its last line: per scope, per page/action, the best seconds and the query count.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
SERVER = "postgres://postgres@127.0.0.1:5432"


def _psql(server: str, sql: str) -> str:
    """Run one statement on the server's maintenance database; the first column of its rows, one a line."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        cursor = conn.execute(sql)
        return "\n".join(str(row[0]) for row in cursor.fetchall()) if cursor.description else ""


def _exists(server: str, name: str) -> bool:
    return _psql(server, f"SELECT datname FROM pg_database WHERE datname = '{name}'") == name


def _say(text: str) -> None:
    print(text, flush=True)


def _ensure(server: str, name: str, *, template: str | None, build: list[str]) -> None:
    """The database `name`: kept when it exists, else a copy of `template` (if it exists), else built; then
    analysed (a copy of a template, or a database just filled, has no planner statistics until ANALYZE: PostgreSQL
    then guesses a few hundred placements and picks plans that read them all)."""
    if _exists(server, name):
        _say(f"database {name}: exists, used as it is")
    elif template and _exists(server, template):
        _say(f"database {name}: copying template {template}")
        _psql(server, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    else:
        _say(f"database {name}: building with `rammeaftale {' '.join(build)}` (not timed)")
        _psql(server, f'CREATE DATABASE "{name}"')
        env = {**os.environ, "DATABASE_URL": f"{server}/{name}"}
        subprocess.run([BIN / "rammeaftale", "migrate", "--verbosity", "0"], check=True, env=env)
        subprocess.run([BIN / "rammeaftale", *build], check=True, env=env)
    _say(f"database {name}: ANALYZE (planner statistics)")
    import psycopg

    with psycopg.connect(f"{server}/{name}", autocommit=True) as conn:
        conn.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scopes", default="region,national", help="region, national or both (comma-separated)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server", default=SERVER, help="PostgreSQL server URL without database")
    parser.add_argument("--region-db", default="ra_occ_region")
    parser.add_argument("--region-template", default=None,
                        help="copy the region database from this template instead of building it")
    parser.add_argument("--national-db", default="ra_occ_national")
    parser.add_argument("--national-template", default="ra_national_tpl")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: measure this scope in this process
    parser.add_argument("--profile", help="write a cProfile of this page/action (best run not affected) to "
                                          "/tmp/occupancy_pages-<scope>-<page>.prof")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(scope=args.child, rounds=args.rounds, profile=args.profile)))
        return
    _say("collecting the static files, as `make run` does (the pages name their hashed files)")
    subprocess.run([BIN / "rammeaftale", "collectstatic", "--noinput", "--verbosity", "0"], check=True)
    results = {}
    for scope in [s.strip() for s in args.scopes.split(",") if s.strip()]:
        if scope == "region":
            name = args.region_db
            _ensure(args.server, name, template=args.region_template,
                    build=["bootstrap", "--demo", "syddanmark"])
        elif scope == "national":
            name = args.national_db
            _ensure(args.server, name, template=args.national_template, build=["demo", "--scale", "national"])
        else:
            parser.error(f"unknown scope {scope!r}")
        _say(f"{scope}: measuring on {name}, best of {args.rounds}")
        command = [BIN / "python", __file__, "--child", scope, "--rounds", str(args.rounds)]
        if args.profile:
            command += ["--profile", args.profile]
        output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True,
                                env={**os.environ, "DATABASE_URL": f"{args.server}/{name}"}).stdout
        result = json.loads(output.strip().splitlines()[-1])
        result["database"] = name
        for page, figure in result["pages"].items():
            _say(f"  {page:<16} {figure['seconds']:8.3f} s (first {figure['first']:.3f} s) "
                 f"{figure['queries']:5d} queries")
        results[scope] = result
    print(json.dumps({"benchmark": "occupancy_pages", "rounds": args.rounds, "date": date.today().isoformat(),
                      "python": platform.python_version(), "database": "postgresql", **results}))


def _measure(*, scope: str, rounds: int, profile: str | None) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rammeaftale.config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from rammeaftale.accounts.models import User
    from rammeaftale.core import clock
    from rammeaftale.demo.reports import LEFT_FOR_THE_BROWSER
    from rammeaftale.occupancy.models import OccupancyReport, OccupancyReportLine
    from rammeaftale.occupancy.reporting import region_reporting_periods, reporting_offers
    from rammeaftale.parties.models import Organisation, OrganisationKind
    from rammeaftale.placements.models import Placement

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    today = clock.today()
    economist = User.objects.get(username="oekonomi-odense")
    secretary = User.objects.get(username="sekretariat")
    odense = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, code=LEFT_FOR_THE_BROWSER)
    region = Organisation.objects.get(kind=OrganisationKind.REGION, code="1083")
    # The latest period that has ended and that Odense has not reported (the demo leaves Odense's to the browser).
    periods = [p for year in (today.year, today.year - 1) for p in region_reporting_periods(region, year)
               if p.end <= today and not OccupancyReport.objects.filter(
                   agreement=p.agreement, operator=odense, year=p.year, period=f"Q{p.quarter}",
                   status="submitted").exists()]
    period = max(periods, key=lambda p: p.end)
    offer = reporting_offers(period, operator_id=odense.pk)[0]

    operator_client, secretariat_client = Client(), Client()
    operator_client.force_login(economist)
    secretariat_client.force_login(secretary)
    start_url = f"/belaegning/indberetning/{period.agreement.pk}/{period.code}/start/"

    timings: dict[str, list[float]] = {}
    queries: dict[str, int] = {}

    def timed(name: str, client, method: str, url: str, data=None, expect=(200, 302)):
        with CaptureQueriesContext(connection) as captured:
            if profile == name:
                import cProfile
                profiler = cProfile.Profile()
                started = time.perf_counter()
                response = profiler.runcall(getattr(client, method), url, data or {})
                seconds = time.perf_counter() - started
                profiler.dump_stats(f"/tmp/occupancy_pages-{scope}-{name}.prof")
            else:
                started = time.perf_counter()
                response = getattr(client, method)(url, data or {})
                seconds = time.perf_counter() - started
        if response.status_code not in expect:
            raise SystemExit(f"{name}: {method.upper()} {url} answered {response.status_code}")
        timings.setdefault(name, []).append(seconds)
        queries[name] = len(captured.captured_queries)
        return response

    for _ in range(rounds):
        with transaction.atomic():
            timed("report_list", operator_client, "get", "/belaegning/")
            response = timed("report_start", operator_client, "post", start_url, expect=(302,))
            report_url = response["Location"]
            if "/indberetning/" not in report_url:
                raise SystemExit(f"starting the report went to {report_url}, not the report")
            timed("report_page", operator_client, "get", report_url)
            report = OccupancyReport.objects.get(agreement=period.agreement, operator=odense, year=period.year,
                                                 period=f"Q{period.quarter}")
            over = list(OccupancyReportLine.objects.filter(report=report, over_threshold=True).order_by("offer_id"))
            if over:  # the page loads a chart per offer over the threshold after it is shown; one of them
                timed("report_chart", operator_client, "get", f"{report_url}graf/{over[0].offer_id}/")
            texts = {}
            for line in over:
                texts[f"line-{line.pk}-assessment"] = "no_effect"
                texts[f"line-{line.pk}-challenges"] = "Færre henvisninger end budgetteret."
                texts[f"line-{line.pk}-initiatives"] = "Ledige pladser meldt ud til nabokommunerne."
            timed("report_save", operator_client, "post", report_url, {"step": "save", **texts})
            timed("report_submit", operator_client, "post", report_url, {"step": "submit", **texts})
            report.refresh_from_db()
            if report.status != "submitted":
                raise SystemExit(f"the report was not submitted (status {report.status})")
            transaction.set_rollback(True)
        timed("compiled_page", secretariat_client, "get", f"/belaegning/samlet/{period.agreement.pk}/{period.code}/")
        timed("analysis_page", operator_client, "get", "/belaegning/analyse/")
        timed("analysis_charts", operator_client, "get", "/belaegning/analyse/grafer/")
        timed("offer_page", operator_client, "get", f"/belaegning/tilbud/{offer.pk}/")
        timed("offer_chart", operator_client, "get", f"/belaegning/tilbud/{offer.pk}/graf/")
        timed("category_page", secretariat_client, "get", f"/takster/tilbud/{offer.pk}/kategori/{today.year + 1}/")
    return {
        "scope": scope, "today": today.isoformat(), "period": period.code, "operator": str(odense),
        "operator_offers": len(reporting_offers(period, operator_id=odense.pk)),
        "region_offers": len(reporting_offers(period)), "placements": Placement.objects.count(),
        # seconds: best of the rounds; first: the first round (a chart's first drawing, before the chart cache)
        "pages": {name: {"seconds": round(min(runs), 4), "first": round(runs[0], 4), "queries": queries[name]}
                  for name, runs in timings.items()},
    }


if __name__ == "__main__":
    sys.exit(main())
