"""Benchmark: a national month's settlement end to end on PostgreSQL, from the database to committed invoices.

On a copy of the national demo (a database made from the template `--template`; when the template is missing it
is built first: migrate, then `rammeaftale demo --scale national --seed N`), times

- `rammeaftale settlement run --month M --issue` for all sellers (invoices, lines and audit rows committed),
- the same command again (idempotent: nothing new may be written),
- the next month's preview for all sellers, and one seller's preview of it (the settlement page's call),
- the next month issued for that one seller alone (the seller with the most lines),

each best of `--repeat` (a fresh copy of the template for every issue of the month), and checks the month's
invoices, lines and audit rows against a reference: the same command run by the code of `--reference-rev` (today's
code, before the set-based path) on its own fresh copy, written once to `--reference` and read from there after.
"identical" compares every row of the month (numbers, buyers, totals, each line's øre, account code and text, the
audit events), "identical_ore" every line's øre alone. Prints one JSON object on its last line.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/settlement_e2e.py \\
        [--template ra_national_tpl] [--database ra_settle_bench] [--month 2026-10] [--repeat 3] \\
        [--reference /tmp/settlement-reference.json --reference-rev e4464c6]
"""
import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO, StringIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from _setup import process_tree_ticks

REPO = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "import sys; from rammeaftale.cli import main; main(sys.argv[1:])"]
TODAY = "2026-12-06"
FILLED_TABLES = """SELECT string_agg(format('%I.%I', schemaname, relname), ', ') FROM pg_stat_user_tables
WHERE (xpath('/row/e/text()', query_to_xml(format('SELECT EXISTS (SELECT 1 FROM %I.%I) AS e', schemaname, relname),
                                           false, true, '')))[1]::text = 'true'"""  # the issue day of every run here (late claims count from it), fixed so runs compare


def _say(text: str) -> None:
    print(f"settlement_e2e: {text}", file=sys.stderr, flush=True)


def _url(base: str, database: str) -> str:
    return urlunsplit(urlsplit(base)._replace(path=f"/{database}"))


def _psql(base: str, sql: str) -> str:
    parts = urlsplit(base)
    command = ["psql", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U",
               parts.username or "postgres", "-d", "postgres", "-tAc", sql]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def _exists(base: str, database: str) -> bool:
    return _psql(base, f"SELECT 1 FROM pg_database WHERE datname = '{database}'") == "1"


def _template_build(base: str, template: str, seed: int) -> None:
    """The national demo in `template`, built from nothing (several minutes; not timed)."""
    _say(f"template {template} is missing: building the national demo into it (migrate, then "
         f"`rammeaftale demo --scale national --seed {seed}`, several minutes)")
    _psql(base, f'CREATE DATABASE "{template}"')
    env = {**os.environ, "DATABASE_URL": _url(base, template)}
    rammeaftale = CLI
    subprocess.run([*rammeaftale, "migrate", "--verbosity", "0"], env=env, check=True)
    subprocess.run([*rammeaftale, "demo", "--scale", "national", "--seed", str(seed)], env=env, check=True,
                   stdout=subprocess.DEVNULL)


def _copy(base: str, template: str, database: str) -> float:
    """A fresh copy of the template (dropped first when it exists); returns the seconds it took."""
    started = time.perf_counter()
    _psql(base, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    # FILE_COPY: the files copied, not the whole database written to the WAL (which PostgreSQL 15's default does).
    _psql(base, f'CREATE DATABASE "{database}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    # As autovacuum keeps a live database: the tuples' visibility and the statistics of the tables that have rows (a
    # template built in one go has neither). Autovacuum never touches a table nothing was written to, and that
    # matters: vacuumed as empty, `billing_invoice` gets its foreign-key check planned as a scan of the table.
    filled = subprocess.run(["psql", _url(base, database), "-tAc", FILLED_TABLES], check=True, capture_output=True,
                            text=True).stdout.strip()
    subprocess.run(["psql", _url(base, database), "-qc", f"VACUUM (ANALYZE) {filled}"], check=True)
    return time.perf_counter() - started


def _month_snapshot(year: int, month: int) -> dict:
    """Every invoice, line and settlement audit event of the month, by what identifies it (not ids or times)."""
    from rammeaftale.accounts.models import AuditEvent
    from rammeaftale.billing.models import Invoice, InvoiceLine

    invoices = {}
    for invoice in Invoice.objects.filter(run__year=year, run__month=month).values_list(
            "pk", "number", "kind", "seller_id", "buyer_id", "issue_date", "due_date", "credits__number",
            "total_ore", "seller_ean", "seller_cvr", "buyer_ean", "payment_terms", "has_late_claims"):
        invoices[invoice[0]] = [str(value) if value is not None else None for value in invoice[1:]]
    lines = sorted(
        [invoices[row[0]][0], *(str(value) for value in row[1:])]
        for row in InvoiceLine.objects.filter(invoice_id__in=list(invoices)).values_list(
            "invoice_id", "placement_id", "service_id", "period_from", "period_to", "unit", "basis", "quantity",
            "rate_ore", "amount_ore", "account_code", "description", "late_claim", "late_days", "late_amount_ore",
            "credited_line__invoice__number")
    )
    audit = sorted(json.dumps([event.organisation_id, event.actor_username, event.after], sort_keys=True)
                   for event in AuditEvent.objects.filter(event_type="settlement.issued", after__year=year,
                                                          after__month=month))
    ore = sorted((line[0], line[1], line[2], line[3], line[9]) for line in lines)
    return {"invoices": sorted(invoices.values()), "lines": lines, "audit": audit,
            "ore_digest": hashlib.sha256(json.dumps(ore).encode()).hexdigest(),
            "digest": hashlib.sha256(json.dumps([sorted(invoices.values()), lines, audit]).encode()).hexdigest(),
            "total_ore": sum(int(invoice[7]) * (1 if invoice[1] == "invoice" else -1) for invoice in invoices.values())}


NEWER_RULEBOOK_SECTIONS = ("exchange", "calendar", "lifecycle")  # added after e4464c6 (issues 13 and 15)


def _reference_make(args, base: str, path: Path) -> dict:
    """Run the month with the code of `--reference-rev` on a fresh copy and keep what it wrote."""
    database = f"{args.database}_ref"
    _say(f"reference: the code of {args.reference_rev} issues {args.month} on a fresh copy {database} "
         "(today's row-by-row path; about a minute on the national demo)")
    _copy(base, args.template, database)
    # The old code's rulebook model forbids sections added after it (the settlement reads none of them): the copy's
    # stored rulebooks lose them, so the old code can read the rules it settles by.
    import psycopg

    with psycopg.connect(_url(base, database), autocommit=True) as conn:
        for section in NEWER_RULEBOOK_SECTIONS:
            conn.execute("UPDATE registry_rulebookversion SET content = content - %s", [section])
    archive = subprocess.run(["git", "-C", str(REPO), "archive", args.reference_rev, "src"], check=True,
                             capture_output=True).stdout
    with tempfile.TemporaryDirectory(prefix="settlement-reference-") as folder:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        env = {**os.environ, "DATABASE_URL": _url(base, database), "PYTHONPATH": f"{folder}/src",
               "RAMMEAFTALE_TODAY": TODAY}
        started = time.perf_counter()
        subprocess.run([*CLI, "settlement", "run", "--month", args.month, "--issue"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
    from django.db import connections

    connections["default"].close()
    settings = connections["default"].settings_dict
    saved = settings["NAME"]
    settings["NAME"] = database
    try:
        snapshot = _month_snapshot(*_year_month(args.month))
    finally:
        connections["default"].close()
        settings["NAME"] = saved
    _psql(base, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    reference = {"rev": args.reference_rev, "template": args.template, "month": args.month, "today": TODAY,
                 "seconds": round(seconds, 2), **snapshot}
    path.write_text(json.dumps(reference))
    _say(f"reference written to {path} ({len(snapshot['lines'])} lines, {seconds:.1f} s with the old code)")
    return reference


def _database_ticks() -> int:
    """The CPU time (clock ticks) the local PostgreSQL server has spent so far: the postmaster and every live process
    it started, plus what its exited processes spent (the writers' connections close within the run). Background
    work (WAL writer, checkpointer, autovacuum) counts too: the figure is for a quiet machine."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT setting FROM pg_settings WHERE name = 'data_directory'")
        folder = cursor.fetchone()[0]
    try:
        postmaster = int(Path(folder, "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError):
        return 0
    return process_tree_ticks(postmaster, reaped=True)


def _year_month(text: str) -> tuple[int, int]:
    year, month = (int(part) for part in text.split("-"))
    return year, month


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", default="ra_national_tpl", help="the national demo to copy (built if missing)")
    parser.add_argument("--database", default="ra_settle_bench", help="the copy the runs write to (dropped first)")
    parser.add_argument("--month", default="2026-10", help="YYYY-MM, issued for all sellers")
    parser.add_argument("--repeat", type=int, default=3, help="best of N (a fresh copy for each issue)")
    parser.add_argument("--seed", type=int, default=1, help="the demo's seed when the template is built")
    parser.add_argument("--reference", default="/tmp/settlement-reference.json",
                        help="the reference result (made with --reference-rev when the file is missing)")
    parser.add_argument("--reference-rev", default="e4464c6", help="the commit whose code gives the reference")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith("postgres"):
        sys.exit("settlement_e2e runs on PostgreSQL: set DATABASE_URL=postgres://…")
    if not _exists(base, args.template):
        _template_build(base, args.template, args.seed)
    os.environ["DATABASE_URL"] = _url(base, args.database)
    os.environ["RAMMEAFTALE_TODAY"] = TODAY
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rammeaftale.config.settings")
    _copy(base, args.template, args.database)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from rammeaftale.accounts.actor import Actor
    from rammeaftale.billing.models import Invoice, InvoiceLine, SettlementRun
    from rammeaftale.billing.settlement import month_add, settlement_plan, settlement_plans
    from rammeaftale.core import clock
    from rammeaftale.parties.models import Organisation

    year, month = _year_month(args.month)
    next_year, next_month = month_add(year, month, 1)
    reference_path = Path(args.reference)
    reference = (json.loads(reference_path.read_text()) if reference_path.exists()
                 else _reference_make(args, base, reference_path))
    if (reference["template"], reference["month"], reference["today"]) != (args.template, args.month, TODAY):
        sys.exit(f"{reference_path} is the reference of another template, month or day: delete it or name another")

    cpu = {"client": [], "database": []}

    def command(*extra: str, measure: bool = False) -> float:
        backend = _database_ticks()
        started, client = time.perf_counter(), time.process_time()
        call_command("settlement", "run", "--month", *extra, "--issue", stdout=StringIO())
        seconds = time.perf_counter() - started
        if measure:
            cpu["client"].append(time.process_time() - client)
            cpu["database"].append((_database_ticks() - backend) / os.sysconf("SC_CLK_TCK"))
        return seconds

    def counts() -> tuple[int, int, int]:
        return (SettlementRun.objects.count(), Invoice.objects.count(), InvoiceLine.objects.count())

    all_seconds, rerun_seconds, one_seconds, one_preview_seconds, next_preview_seconds = [], [], [], [], []
    for repetition in range(args.repeat):
        if repetition:
            connections.close_all()
            _copy(base, args.template, args.database)
        _say(f"round {repetition + 1}/{args.repeat}: {args.month} for all sellers")
        all_seconds.append(command(args.month, measure=True))
        before = counts()
        rerun_seconds.append(command(args.month))
        rerun_wrote_nothing = counts() == before
        if repetition == 0:
            snapshot = _month_snapshot(year, month)
            actor = Actor.system(username="bench")
            sellers = Organisation.objects.filter(pk__in=Invoice.objects.filter(
                run__year=year, run__month=month).values("seller_id")).order_by("name")
            started = time.perf_counter()
            plans = settlement_plans(actor=actor, sellers=list(sellers), year=next_year, month=next_month,
                                     issue_date=clock.today())
            next_preview_seconds.append(time.perf_counter() - started)
            biggest = max(plans, key=lambda plan: sum(len(i.lines) for i in plan.invoices))
            one_lines = sum(len(i.lines) for i in biggest.invoices)
            one = biggest.seller
        for _ in range(args.repeat):
            started = time.perf_counter()
            settlement_plan(actor=actor, seller=one, year=next_year, month=next_month, issue_date=clock.today())
            one_preview_seconds.append(time.perf_counter() - started)
        one_seconds.append(command(f"{next_year}-{next_month:02d}", "--seller", one.code or one.cvr))

    identical = snapshot["digest"] == reference["digest"]
    identical_ore = snapshot["ore_digest"] == reference["ore_digest"]
    connections.close_all()
    result = {
        "benchmark": "settlement_e2e", "database": "postgresql", "template": args.template, "month": args.month,
        "today": TODAY, "sellers": len({invoice[2] for invoice in snapshot["invoices"]}),
        "invoices": sum(1 for invoice in snapshot["invoices"] if invoice[1] == "invoice"),
        "credit_notes": sum(1 for invoice in snapshot["invoices"] if invoice[1] == "credit_note"),
        "lines": len(snapshot["lines"]), "audit_events": len(snapshot["audit"]), "total_ore": snapshot["total_ore"],
        "all_sellers_seconds": round(min(all_seconds), 2), "rerun_seconds": round(min(rerun_seconds), 3),
        "rerun_wrote_nothing": rerun_wrote_nothing,
        "next_month_preview_all_seconds": round(min(next_preview_seconds), 2),
        "one_seller": one.code, "one_seller_lines": one_lines,
        "one_seller_preview_seconds": round(min(one_preview_seconds), 3),
        "one_seller_issue_seconds": round(min(one_seconds), 3),
        "runs_all_seconds": [round(s, 2) for s in all_seconds], "repeat": args.repeat,
        # CPU spent by the all-sellers run itself (all its threads) and by the PostgreSQL server, best of N: what
        # the figure comes to on a quiet machine, apart from waiting for the disk
        "all_sellers_client_cpu_seconds": round(min(cpu["client"]), 2),
        "all_sellers_database_cpu_seconds": round(min(cpu["database"]), 2),
        "reference_rev": reference["rev"], "reference_seconds": reference["seconds"],
        "identical": identical, "identical_ore": identical_ore, "python": platform.python_version(),
        "cores": os.cpu_count(),
    }
    print(json.dumps(result), flush=True)
    sys.exit(0 if identical and rerun_wrote_nothing else 1)


if __name__ == "__main__":
    main()
