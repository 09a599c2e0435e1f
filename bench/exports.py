"""Benchmark: every export a user can download for a region, timed through the pages as the user gets it.

On the demo region as `make run` builds it (`rammeaftale bootstrap` and `rammeaftale demo --region syddanmark
--seed 1`: offers, tariffs with breakdowns, placements and occupancy reports), plus one issued month's settlement
so that the posting files have invoices. Each export is fetched through its download address by a demo user of
the role that may download it (Django's test client, so the view, the selectors and the rendering are timed, not
the network), best of --runs. The documents the pages hand to the worker (export jobs) are also ordered as on the
page and made by the real worker (`db_worker --batch`), timed from the order to the finished file. Prints one JSON
object on its last line: `seconds` per direct download (the endpoints stay for the API and scripts),
`background_seconds` per worker-made document, and `over_target`: the downloads a user waits for on the page that
take 3 s or more (a worker-made document is not waited for: the page shows its progress).

    .venv/bin/python bench/exports.py                      # SQLite file var/bench/exports.sqlite3 (built if missing)
    .venv/bin/python bench/exports.py --database-url postgres://postgres@127.0.0.1:5432/ra_exports
    .venv/bin/python bench/exports.py --database-url postgres://…/ra_exports --template ra_syd_tpl

A PostgreSQL database that does not exist is created (copied from --template when given); a database without the
demo region gets it built (a minute or two, not timed). Nothing is written to a --template database.
"""
import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

REGION = "syddanmark"
SEED = 1
SETTLEMENT_MONTH = "2026-10"
TARGET_SECONDS = 3.0


def say(text: str) -> None:
    print(text, flush=True)


def postgres_ensure(url: str, template: str | None) -> None:
    """Create the PostgreSQL database of `url` when it is missing, as a copy of `template` when given."""
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            say(f"Database {name} exists.")
            return
        if template:
            say(f"Creating database {name} as a copy of {template} …")
            connection.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name),
                                                                              sql.Identifier(template)))
        else:
            say(f"Creating empty database {name} …")
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def django_setup(args) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rammeaftale.config.settings")
    os.environ.setdefault("RAMMEAFTALE_TODAY", "2026-12-06")  # the tests' fixed day: the demo's reports and years
    if args.database_url:
        if args.database_url.startswith("postgres"):
            postgres_ensure(args.database_url, args.template)
        os.environ["DATABASE_URL"] = args.database_url
        label = "postgresql" if args.database_url.startswith("postgres") else "sqlite"
    else:
        folder = Path(args.var_dir).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'exports.sqlite3'}"
        label = "sqlite"
    os.environ.setdefault("RAMMEAFTALE_VAR_DIR", args.var_dir)
    import django

    django.setup()
    return label


def demo_ensure() -> None:
    """Bootstrap and the demo region, and one issued month's settlement, when they are not there yet."""
    from django.core.management import call_command

    from rammeaftale.billing.models import Invoice
    from rammeaftale.demo.catalogue import REGION_CODES
    from rammeaftale.registry.models import Offer

    call_command("migrate", interactive=False, verbosity=0)
    # The pages render with the collected (hashed) static files, as `make run` collects them into the var dir.
    call_command("collectstatic", interactive=False, verbosity=0)
    region_code = REGION_CODES[REGION]
    if not Offer.objects.filter(operator__region__code=region_code).exists() and not Offer.objects.exists():
        say(f"Building the demo: rammeaftale bootstrap; rammeaftale demo --region {REGION} --seed {SEED} …")
        started = time.perf_counter()
        call_command("bootstrap", stdout=sys.stderr)
        call_command("demo", region=REGION, seed=SEED, if_empty=True, stdout=sys.stderr)
        say(f"  built in {time.perf_counter() - started:.0f} s (not timed in the figures)")
    if not Invoice.objects.exists():
        say(f"Issuing the settlement of {SETTLEMENT_MONTH} so that the posting files have invoices …")
        started = time.perf_counter()
        call_command("settlement", "run", "--month", SETTLEMENT_MONTH, "--issue", stdout=open(os.devnull, "w"))
        say(f"  issued in {time.perf_counter() - started:.0f} s (not timed)")


def downloads() -> list[tuple[str, str, str]]:
    """(name, demo username, address) of every download a user can make for the region."""
    from django.urls import reverse

    from rammeaftale.core import clock
    from rammeaftale.demo.catalogue import REGION_CODES
    from rammeaftale.occupancy.models import OccupancyReport
    from rammeaftale.parties.models import Organisation, OrganisationKind
    from rammeaftale.placements.models import Placement
    from rammeaftale.registry.models import Agreement

    region = Organisation.objects.get(kind=OrganisationKind.REGION, code=REGION_CODES[REGION])
    year = clock.today().year
    agreement = Agreement.objects.filter(region=region, year_from__lte=year, year_to__gte=year,
                                         is_demo=False).first() or Agreement.objects.filter(
        region=region, year_from__lte=year, year_to__gte=year).first()
    report = OccupancyReport.objects.filter(agreement__region=region).order_by("-year", "-period").first()
    code = f"{report.year}-{report.period}"
    tariffs = reverse("tariffs:tariff_list")
    compiled = (report.agreement_id, code)
    from rammeaftale.accounts.models import User

    caseworker = User.objects.get(username="sagsbehandler")
    placement = Placement.objects.filter(acting_municipality_id=caseworker.organisation_id).order_by("pk").first()
    query = f"?agreement={agreement.pk}&year={year}"
    rows = [
        ("tariff_list_pdf", "sekretariat", reverse("tariffs:tariff_list_export", args=["pdf"]) + query),
        ("tariff_list_xlsx", "sekretariat", reverse("tariffs:tariff_list_export", args=["xlsx"]) + query),
        ("compiled_report_pdf", "sekretariat", reverse("occupancy:compiled_export", args=[*compiled, "pdf"])),
        ("compiled_report_xlsx", "sekretariat", reverse("occupancy:compiled_export", args=[*compiled, "xlsx"])),
        ("analysis_pdf", "sekretariat", reverse("occupancy:analysis_export", args=["pdf"]) + f"?region={region.pk}"),
        ("analysis_xlsx", "sekretariat", reverse("occupancy:analysis_export", args=["xlsx"]) + f"?region={region.pk}"),
        ("posting_xlsx", "oekonomi-odense", reverse("billing:invoice_export", args=["xlsx"])),
        ("posting_csv", "oekonomi-odense", reverse("billing:invoice_export", args=["csv"])),
    ]
    if placement is not None:
        rows.append(("placement_contract_pdf", "sagsbehandler",
                     reverse("placements:placement_contract", args=[placement.pk])))
    return rows


def orders() -> list[tuple[str, str, dict]]:
    """(name, demo username, order form) of the documents the pages hand to the worker."""
    from rammeaftale.core import clock
    from rammeaftale.demo.catalogue import REGION_CODES
    from rammeaftale.occupancy.models import OccupancyReport
    from rammeaftale.registry.models import Agreement

    year = clock.today().year
    agreement = Agreement.objects.filter(region__code=REGION_CODES[REGION], year_from__lte=year,
                                         year_to__gte=year).order_by("is_demo").first()
    report = OccupancyReport.objects.filter(agreement__region__code=REGION_CODES[REGION]).order_by(
        "-year", "-period").first()
    return [
        ("tariff_list_pdf", "sekretariat", {"kind": "tariff_list", "fmt": "pdf", "agreement": agreement.pk,
                                            "year": year}),
        ("compiled_report_pdf", "sekretariat", {"kind": "compiled_report", "fmt": "pdf",
                                                "agreement": report.agreement_id,
                                                "code": f"{report.year}-{report.period}"}),
        ("analysis_pdf", "sekretariat", {"kind": "analysis", "fmt": "pdf", "region": report.agreement.region_id,
                                         "year_from": year - 4, "year_to": year}),
        ("analysis_xlsx", "sekretariat", {"kind": "analysis", "fmt": "xlsx", "region": report.agreement.region_id,
                                          "year_from": year - 4, "year_to": year}),
        ("national_tariff_list_pdf", "sekretariat", {"kind": "tariff_list_national", "fmt": "pdf", "year": year}),
        ("national_tariff_list_xlsx", "sekretariat", {"kind": "tariff_list_national", "fmt": "xlsx", "year": year}),
    ]


def background_time(client, form: dict, runs: int) -> tuple[float, list[float], int]:
    """Order the document as on the page, then run the real worker until the queue is empty: seconds from the
    order to the finished file (best of `runs`), all the runs, and the file's size."""
    from django.core.management import call_command
    from django.urls import reverse

    from rammeaftale.exports.models import ExportJob, ExportStatus

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.post(reverse("exports:order"), form)
        if response.status_code != 302:
            raise SystemExit(f"ordering {form} answered {response.status_code}: {response.content[:300]!r}")
        job_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
        times.append(time.perf_counter() - started)
        job = ExportJob.objects.get(pk=job_id)
        if job.status != ExportStatus.DONE:
            raise SystemExit(f"job {job_id} ({form}) ended {job.status}: {job.error_da}")
    return min(times), times, job.size_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL or SQLite URL (default: SQLite in --var-dir)")
    parser.add_argument("--template", help="PostgreSQL database to copy when --database-url's database is missing")
    parser.add_argument("--var-dir", default="var/bench", help="folder for the SQLite file and the var dir")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--background-runs", type=int, help="runs of each worker-made document (default: --runs)")
    parser.add_argument("--only", help="comma-separated names of direct downloads to time (default: all)")
    parser.add_argument("--only-background", help="comma-separated names of worker-made documents (default: all)")
    parser.add_argument("--profile", help="write a cProfile of one more run of this download to VAR_DIR/NAME.prof")
    args = parser.parse_args()
    database = django_setup(args)
    demo_ensure()

    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    from rammeaftale.accounts.models import User

    setup_test_environment()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    rows = downloads()
    if args.only:
        wanted = set(args.only.split(","))
        rows = [row for row in rows if row[0] in wanted]
    clients: dict[str, Client] = {}
    seconds, sizes, pages = {}, {}, {}
    for name, username, address in rows:
        client = clients.get(username)
        if client is None:
            client = clients[username] = Client()
            client.force_login(User.objects.get(username=username))
        runs = []
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get(address)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            runs.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"{name}: {address} answered {response.status_code}: {body[:300]!r}")
        seconds[name] = round(min(runs), 3)
        sizes[name] = len(body)
        if body.startswith(b"%PDF"):
            pages[name] = body.count(b"/Type /Page\n") + body.count(b"/Type /Page>") + body.count(b"/Type/Page/")
        say(f"{name:26} {address}\n  best of {args.runs}: {seconds[name]:.2f} s ({', '.join(f'{r:.2f}' for r in runs)})"
            f", {len(body):,} bytes")
        if args.profile == name:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
            client.get(address)
            profiler.disable()
            path = Path(args.var_dir) / f"{name}.prof"
            profiler.dump_stats(path)
            say(f"  profile written to {path}")
    background = {}
    for name, username, form in orders():
        if args.only_background is not None and name not in args.only_background.split(","):
            continue
        client = clients.get(username)
        if client is None:
            client = clients[username] = Client()
            client.force_login(User.objects.get(username=username))
        background_runs = args.background_runs or args.runs
        best, runs, size = background_time(client, form, background_runs)
        background[name] = round(best, 3)
        say(f"{name:26} ordered and made by the worker: best of {background_runs}: {best:.2f} s "
            f"({', '.join(f'{r:.2f}' for r in runs)}), {size:,} bytes")
    waited = {name: value for name, value in seconds.items() if name not in background}
    print(json.dumps({
        "benchmark": "exports", "database": database, "region": REGION, "runs": args.runs,
        "background_runs": args.background_runs or args.runs,
        "seconds": seconds, "bytes": sizes, "background_seconds": background,
        "over_target": sorted(name for name, value in waited.items() if value >= TARGET_SECONDS),
        "target_seconds": TARGET_SECONDS, "python": platform.python_version(),
    }))


if __name__ == "__main__":
    main()
