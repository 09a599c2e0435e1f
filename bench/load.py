"""Benchmark: the pages under load: logged-in users of every role walk their menus on the production server.

Starts the production server as deployed (`rammeaftale serve`: the deployment check, then gunicorn; docs/deploy.md)
on PostgreSQL with the national demo, logs in the users (default 50, spread over the five regions and the roles)
and lets each walk its role's main pages and API calls for a bounded time, with a think time between one user's
requests (a person reads a page before the next click: default 1–2 s, uniformly drawn). Prints one JSON line (last
line): users, duration, think time, requests, errors and p50/p95/p99 per page (route pattern) and overall.

    .venv/bin/python bench/load.py [--database ra_load] [--template ra_national_tpl] [--users 50]
                                   [--duration 60] [--think 1-2] [--workers 2] [--threads 4]

The database: used as it is when it exists (migrated first); else copied from --template when that exists; else
created and built: `rammeaftale bootstrap`, then `rammeaftale demo --scale national` (several minutes).
The server runs with the environment docs/deploy.md documents, HTTPS included: this script stands where nginx
stands (plain HTTP on 127.0.0.1 with `X-Forwarded-Proto: https` and `X-Forwarded-For`, RAMMEAFTALE_BEHIND_PROXY=1),
so `check --deploy` is clean and the cookies are the production ones (Secure: the client sends them itself).
The bench users (`last-<region>-<nn>`, password demo1234) are created in the benchmark's own database through the
audited service; the template is only ever copied, never written.
"""
import argparse
import html
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import requests

from _setup import process_tree_ticks

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "demo1234"
REQUEST_TIMEOUT_S = 30

# The users' mix per region (role, where it works): buyers' caseworkers and economists, the selling side's operator
# staff and economist, the region's secretariat and administrators. --users N takes the mix in this order over the
# five regions in turn, so 50 users are ten per region.
ROLE_MIX = (
    ("caseworker", "buyer"), ("economist", "seller"), ("operator", "seller"), ("economist", "buyer"),
    ("secretariat", "secretariat"), ("caseworker", "buyer"), ("administrator", "buyer"),
    ("economist", "seller"), ("caseworker", "buyer"), ("administrator", "secretariat"),
)


# --- the walks ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One request: `route` is the name it is reported under (the URL pattern). `path` is fixed, or `link` picks one
    of the links (a regular expression) found on the page the user saw last under `from_route`, as a click does."""

    route: str
    path: str = ""
    link: str = ""
    from_route: str = ""
    headers: tuple = ()
    loads: "Step | None" = None  # what the page loads itself at once (htmx, hx-trigger="load"), no think time


OFFERS = Step("/tilbud/", "/tilbud/")
OFFER = Step("/tilbud/<id>/", link=r'href="(/tilbud/\d+/)"', from_route="/tilbud/")
OFFERS_FILTERED = Step("/tilbud/?q= (htmx)", "/tilbud/?q=bo", headers=(("HX-Request", "true"),))
AGREEMENTS = Step("/rammeaftaler/", "/rammeaftaler/")
AGREEMENT = Step("/rammeaftaler/<id>/", link=r'href="(/rammeaftaler/\d+/)"', from_route="/rammeaftaler/")
TARIFFS = Step("/takster/", "/takster/")
TARIFF = Step("/takster/<id>/", link=r'href="(/takster/\d+/)"', from_route="/takster/")
OCCUPANCY = Step("/belaegning/", "/belaegning/")
PLACEMENTS = Step("/placeringer/", "/placeringer/")
PLACEMENT = Step("/placeringer/<id>/", link=r'href="(/placeringer/\d+/)"', from_route="/placeringer/")
# The settlement page loads the month's preview (billing.settlement.settlement_plan) beside it with htmx.
SETTLEMENT_PREVIEW = Step("/afregning/forhaandsvisning/ (htmx)", link=r'hx-get="(/afregning/forhaandsvisning/\?month=[0-9-]+)"',
                          from_route="/afregning/", headers=(("HX-Request", "true"),))
SETTLEMENT = Step("/afregning/", "/afregning/", loads=SETTLEMENT_PREVIEW)
# The preview sums up each invoice; the economist opens one, and htmx loads its lines (hx-trigger="toggle once").
SETTLEMENT_LINES = Step("/afregning/forhaandsvisning/?buyer= (htmx)",
                        link=r'hx-get="(/afregning/forhaandsvisning/\?month=[0-9-]+&amp;buyer=\d+)"',
                        from_route=SETTLEMENT_PREVIEW.route, headers=(("HX-Request", "true"),))
INVOICES = Step("/afregning/fakturaer/", "/afregning/fakturaer/")
INVOICE = Step("/afregning/fakturaer/<id>/", link=r'href="(/afregning/fakturaer/\d+/)"',
               from_route="/afregning/fakturaer/")
IMPORT = Step("/tilbud/import/", "/tilbud/import/")
PRICE_INDEX = Step("/takster/pl/", "/takster/pl/")
AUDIT = Step("/revisionsspor/", "/revisionsspor/")
USERS = Step("/brugere/", "/brugere/")
API_ME = Step("/api/me", "/api/me")
API_OFFERS = Step("/api/offers", "/api/offers")
API_PLACEMENTS = Step("/api/placements", "/api/placements")
API_INVOICES = Step("/api/billing/invoices", "/api/billing/invoices")
# The vacancy exchange (issue 13): the search, a narrowed search as the form asks it (htmx), the inbox, the API.
VACANCIES = Step("/ledige-pladser/", "/ledige-pladser/")
VACANCIES_FILTERED = Step("/ledige-pladser/?… (htmx)", "/ledige-pladser/?offer_type=residential&operator_kind=kommunal",
                          headers=(("HX-Request", "true"),))
INBOX = Step("/ledige-pladser/indbakke/", "/ledige-pladser/indbakke/")
API_VACANCIES = Step("/api/exchange/vacancies", "/api/exchange/vacancies?offer_type=residential&paragraph=sel-108")

COMMON = (OFFERS, OFFER, TARIFFS, TARIFF, AGREEMENTS, AGREEMENT, OCCUPANCY, OFFERS_FILTERED, API_ME, API_OFFERS,
          VACANCIES, INBOX)
# Each role's menu (web/templates/web/base.html) and the API calls its work uses.
WALKS = {
    "caseworker": (*COMMON, PLACEMENTS, PLACEMENT, API_PLACEMENTS, VACANCIES_FILTERED, API_VACANCIES),
    "economist": (*COMMON, PLACEMENTS, PLACEMENT, SETTLEMENT, SETTLEMENT_LINES, INVOICES, INVOICE, API_PLACEMENTS,
                  API_INVOICES),
    "operator": (*COMMON, PLACEMENTS, PLACEMENT, IMPORT, API_PLACEMENTS),
    "secretariat": (*COMMON, IMPORT, PRICE_INDEX),
    "administrator": (*COMMON, PLACEMENTS, PLACEMENT, SETTLEMENT, SETTLEMENT_LINES, INVOICES, AUDIT, USERS, IMPORT),
}


# --- the database ---------------------------------------------------------------------------------------------------


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _run(command: list[str], env: dict, what: str) -> None:
    say(f"  {what}: {' '.join(command)}")
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=sys.stderr)
    say(f"  … {time.perf_counter() - started:.1f} s")


def psycopg_connect(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


def _admin_connection(server_url: str):
    return psycopg_connect(f"{server_url}/postgres")


def database_prepare(*, server_url: str, name: str, template: str, env: dict) -> str:
    """The benchmark's database: as it is, a copy of the template, or built; migrated. Says which, and returns it."""
    with _admin_connection(server_url) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        has_template = template and connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone()
        if exists:
            how = f"database {name} exists: used as it is"
        elif has_template:
            say(f"Copying {template} to {name} (CREATE DATABASE … TEMPLATE; the template is only read) …")
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            how = f"copied from template {template}"
        else:
            say(f"Database {name} is missing and no template «{template}»: building the national demo in it.")
            connection.execute(f'CREATE DATABASE "{name}"')
            how = "built: bootstrap + demo --scale national"
    say(f"Database {name}: {how}.")
    _run([str(BIN / "rammeaftale"), "migrate", "--noinput", "--verbosity", "1"], env, "migrations")
    if how.startswith("built"):
        _run([str(BIN / "rammeaftale"), "bootstrap"], env, "reference data and agreements")
        _run([str(BIN / "rammeaftale"), "demo", "--scale", "national", "--seed", "1"], env,
             "the national demo (about 340,000 placements)")
    # A database just loaded in one go has no planner statistics until autovacuum comes by (the template copy has
    # none): without them PostgreSQL misjudges the placement lists by a factor of 40 and reads every row.
    say(f"ANALYZE {name} (the planner's statistics, as autovacuum keeps them in a running database) …")
    with psycopg_connect(f"{server_url}/{name}") as connection:
        connection.execute("ANALYZE")
    return how


def users_ensure(*, count: int) -> tuple[list[dict], int]:
    """`count` bench users over the regions and ROLE_MIX (made once, through the audited service); returns them
    and the number of placements in the database."""
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count

    from rammeaftale.accounts.actor import Actor
    from rammeaftale.accounts.models import User
    from rammeaftale.accounts.services import user_create
    from rammeaftale.parties.models import Organisation, OrganisationKind
    from rammeaftale.placements.models import Placement

    regions = list(Organisation.objects.filter(kind=OrganisationKind.REGION, members__located_offers__isnull=False)
                   .distinct().order_by("code"))
    places: dict[tuple[str, str], list[Organisation]] = {}
    for region in regions:
        # The busiest buyers and sellers of the region, so each user's lists hold real data.
        places[(region.code, "buyer")] = list(
            Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, region=region)
            .annotate(n=Count("acting_placements")).order_by("-n", "code")[:5])
        places[(region.code, "seller")] = list(
            Organisation.objects.filter(offers__municipality__region=region).annotate(
                n=Count("offers__placements")).order_by("-n", "code")[:5])
        places[(region.code, "secretariat")] = list(
            Organisation.objects.filter(kind=OrganisationKind.SECRETARIAT, code=region.code))
    users, made = [], 0
    for index in range(count):
        region = regions[index % len(regions)]
        role, where = ROLE_MIX[(index // len(regions)) % len(ROLE_MIX)]
        turn = index // (len(regions) * len(ROLE_MIX))
        candidates = places[(region.code, where)]
        organisation = candidates[((index // len(regions)) + turn) % len(candidates)]
        username = f"last-{region.code}-{index:03d}"
        if not User.objects.filter(username=username).exists():
            user_create(actor=Actor.system(username="bench-load"), username=username, password=PASSWORD,
                        organisation=organisation, roles=[role], first_name="Last", last_name=f"{role} {index}")
            made += 1
        users.append({"username": username, "role": role, "organisation": str(organisation),
                      "region": region.code})
    placements = Placement.objects.count()
    connection.close()
    say(f"Users: {count} ({made} created now, the rest from an earlier run), password {PASSWORD}.")
    return users, placements


# --- the server -----------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(*, folder: Path, database_url: str, port: int, cpr_key_file: str | None) -> dict:
    """The deployment's environment file (docs/deploy.md, section 4) with this machine's paths and address."""
    etc = folder / "etc"
    etc.mkdir(mode=0o700)
    (etc / "secret_key").write_text(secrets.token_urlsafe(50))
    if cpr_key_file is None:
        from cryptography.fernet import Fernet

        cpr_key_file = str(etc / "cpr.key")
        Path(cpr_key_file).write_bytes(Fernet.generate_key())
    env = {key: value for key, value in os.environ.items() if not key.startswith("RAMMEAFTALE_")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "rammeaftale.config.settings",
        "RAMMEAFTALE_SECRET_KEY_FILE": str(etc / "secret_key"),
        "RAMMEAFTALE_CPR_KEY_FILE": cpr_key_file,
        "RAMMEAFTALE_VAR_DIR": str(folder / "var"),
        "DATABASE_URL": database_url,
        "RAMMEAFTALE_ALLOWED_HOSTS": "127.0.0.1",
        "RAMMEAFTALE_CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{port}",
        "RAMMEAFTALE_HTTPS": "1",
        "RAMMEAFTALE_BEHIND_PROXY": "1",
        "RAMMEAFTALE_HSTS_SECONDS": "31536000",
        "RAMMEAFTALE_HSTS_INCLUDE_SUBDOMAINS": "1",
        "RAMMEAFTALE_HSTS_PRELOAD": "1",
        "RAMMEAFTALE_SESSION_HOURS": "8",
        "RAMMEAFTALE_BIND": f"127.0.0.1:{port}",
    })
    if "RAMMEAFTALE_TODAY" in os.environ:
        env["RAMMEAFTALE_TODAY"] = os.environ["RAMMEAFTALE_TODAY"]
    return env


def server_start(*, env: dict, workers: int, threads: int, log: Path, base: str) -> subprocess.Popen:
    command = [str(BIN / "rammeaftale"), "serve", "--workers", str(workers), "--threads", str(threads)]
    say(f"Starting the server: {' '.join(command)} (log: {log})")
    process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            say(log.read_text()[-3000:])
            raise SystemExit(f"The server stopped (exit code {process.returncode}); its log is above.")
        try:
            if requests.get(f"{base}/login/", headers=PROXY_HEADERS, timeout=30).status_code == 200:
                return process
        except requests.RequestException:  # not listening yet, or the workers still loading
            pass
        time.sleep(0.5)
    server_stop(process)
    raise SystemExit("The server did not answer within 120 s.")


def server_cpu_seconds(master_pid: int) -> float:
    """CPU time (user + system) the gunicorn master and its workers have used so far."""
    return process_tree_ticks(master_pid) / os.sysconf("SC_CLK_TCK")


def server_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # gunicorn's graceful stop; the process is the one started above
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the users ------------------------------------------------------------------------------------------------------

# What nginx sends gunicorn (docs/deploy.md, section 10): the scheme the browser used, and one connection per request
# (nginx speaks HTTP/1.0 to its upstream unless told otherwise, so gunicorn closes each connection after answering).
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "Connection": "close"}


@dataclass
class Sample:
    route: str
    ms: float
    status: int
    kb: float


@dataclass
class Tally:
    samples: list[Sample] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample, error: str = "", user: str = "", path: str = "") -> None:
        with self.lock:
            self.samples.append(sample)
            if error:
                self.errors.append({"route": sample.route, "path": path, "user": user, "status": sample.status,
                                    "error": error})


class User:
    """One person in a browser: their own cookies, the links of the pages they saw, a think time between clicks."""

    def __init__(self, *, base: str, username: str, role: str, address: str, seed: int):
        self.base, self.username, self.role = base, username, role
        self.http = requests.Session()
        self.headers = {**PROXY_HEADERS, "X-Forwarded-For": address}
        self.cookies: dict[str, str] = {}
        self.seen: dict[str, str] = {}  # route -> body of the last page under it
        self.random = random.Random(seed)

    def _request(self, method: str, path: str, *, headers: dict | None = None, data: dict | None = None):
        # The session and CSRF cookies are Secure (HTTPS behind the proxy): a client on plain HTTP to 127.0.0.1
        # keeps and sends them itself, as the browser does over HTTPS.
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        all_headers = {**self.headers, **(headers or {}), **({"Cookie": cookie} if cookie else {})}
        response = self.http.request(method, self.base + path, headers=all_headers, data=data,
                                     allow_redirects=False, timeout=REQUEST_TIMEOUT_S)
        for name, value in response.cookies.items():
            self.cookies[name] = value
        self.http.cookies.clear()
        return response

    def login(self, tally: Tally) -> bool:
        started = time.perf_counter()
        error, status, kb = "", 0, 0.0
        try:
            self._request("GET", "/login/")
            response = self._request("POST", "/login/", data={
                "username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": self.cookies["csrftoken"],
            }, headers={"Referer": f"https://127.0.0.1:{self.base.rsplit(':', 1)[1]}/login/",
                        "Origin": f"https://127.0.0.1:{self.base.rsplit(':', 1)[1]}"})
            status, kb = response.status_code, len(response.content) / 1024
            if status != 302 or "sessionid" not in self.cookies:
                error = f"login answered {status}"
        except (requests.RequestException, KeyError) as failure:
            error = f"{type(failure).__name__}: {failure}"
        tally.add(Sample("login (GET + POST /login/)", (time.perf_counter() - started) * 1000, status, kb),
                  error, self.username, "/login/")
        return not error

    def step(self, step: Step, tally: Tally) -> None:
        path = step.path
        if step.link:
            links = re.findall(step.link, self.seen.get(step.from_route, ""))
            if not links:
                return  # nothing to click on (yet): the user goes on to the next step
            path = html.unescape(self.random.choice(links))  # an attribute's value: &amp; is &
        started = time.perf_counter()
        error, status, kb = "", 0, 0.0
        try:
            response = self._request("GET", path, headers=dict(step.headers))
            status, kb = response.status_code, len(response.content) / 1024
            if status != 200:
                error = f"{status} {response.headers.get('Location', '')}".strip()
            else:
                self.seen[step.route] = response.text
        except requests.Timeout:
            error = f"timeout after {REQUEST_TIMEOUT_S} s"
        except requests.RequestException as failure:
            error = f"{type(failure).__name__}: {failure}"
        tally.add(Sample(step.route, (time.perf_counter() - started) * 1000, status, kb), error, self.username, path)

    def walk(self, *, until: float, think: tuple[float, float], tally: Tally, without: set[str]) -> None:
        steps = [step for step in WALKS[self.role] if step.route not in without]
        index = self.random.randrange(len(steps))  # the users do not all start on the same page
        time.sleep(self.random.uniform(*think))
        while time.monotonic() < until:
            step = steps[index % len(steps)]
            self.step(step, tally)
            if step.loads is not None and step.loads.route not in without and time.monotonic() < until:
                self.step(step.loads, tally)
            index += 1
            time.sleep(self.random.uniform(*think))


# --- the figures ----------------------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest rank: the smallest value with at least pct % of the values at or below it."""
    rank = max(1, -(-len(sorted_values) * pct // 100))
    return sorted_values[int(rank) - 1]


def summary(samples: list[Sample]) -> dict:
    values = sorted(sample.ms for sample in samples)
    sizes = sorted(sample.kb for sample in samples)
    return {"n": len(values), "p50_ms": round(percentile(values, 50), 1), "p95_ms": round(percentile(values, 95), 1),
            "p99_ms": round(percentile(values, 99), 1), "max_ms": round(values[-1], 1),
            "kb_p50": round(percentile(sizes, 50), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="ra_load", help="the benchmark's PostgreSQL database (default ra_load)")
    parser.add_argument("--template", default="ra_national_tpl",
                        help="copied when --database is missing (default ra_national_tpl); else the demo is built")
    parser.add_argument("--server-url", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server, without a database name")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds the users walk (after logging in)")
    parser.add_argument("--think", default="1-2", help="seconds between one user's requests, drawn uniformly: A-B")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("RAMMEAFTALE_WORKERS", "2")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("RAMMEAFTALE_THREADS", "4")))
    parser.add_argument("--cpr-key-file", help="the database's CPR key (not needed: the walk reads no full CPR)")
    parser.add_argument("--without", action="append", default=[], metavar="ROUTE",
                        help="leave a route out of every walk (repeatable), e.g. '/afregning/forhaandsvisning/ (htmx)'")
    parser.add_argument("--login-concurrency", type=int, default=4,
                        help="logins at a time before the walk (each checks a PBKDF2 hash: CPU-heavy by design)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    think = tuple(float(part) for part in args.think.split("-"))
    if len(think) != 2 or not 0 <= think[0] <= think[1]:
        parser.error("--think: two seconds A-B with A <= B, e.g. 1-2")

    folder = tempfile.TemporaryDirectory(prefix="rammeaftale-load-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    database_url = f"{args.server_url}/{args.database}"
    env = server_environment(folder=Path(folder.name), database_url=database_url, port=port,
                             cpr_key_file=args.cpr_key_file)
    how = database_prepare(server_url=args.server_url, name=args.database, template=args.template, env=env)
    os.environ.update(env)
    users, placements = users_ensure(count=args.users)
    _run([str(BIN / "rammeaftale"), "collectstatic", "--noinput", "--verbosity", "0"], env, "static files")

    process = server_start(env=env, workers=args.workers, threads=args.threads, log=Path(folder.name) / "server.log",
                           base=base)
    tally = Tally()
    try:
        people = [User(base=base, username=user["username"], role=user["role"], address=f"10.0.{i // 250}.{i % 250 + 1}",
                       seed=args.seed * 100_000 + i) for i, user in enumerate(users)]
        say(f"Logging in {len(people)} users …")
        gate = threading.Semaphore(args.login_concurrency)

        def log_in(person: User) -> None:
            with gate:
                person.login(tally)

        threads = [threading.Thread(target=log_in, args=(person,)) for person in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        logged_in = [person for person in people if person.cookies.get("sessionid")]
        login_samples = list(tally.samples)
        tally.samples.clear()
        say(f"{len(logged_in)} logged in; walking for {args.duration:.0f} s with {think[0]:g}–{think[1]:g} s think time …")
        cpu_before = server_cpu_seconds(process.pid)
        started = time.monotonic()
        until = started + args.duration
        threads = [threading.Thread(target=person.walk, kwargs={"until": until, "think": think, "tally": tally,
                                                                "without": set(args.without)})
                   for person in logged_in]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        walked = time.monotonic() - started
        server_cpu = server_cpu_seconds(process.pid) - cpu_before
    finally:
        server_stop(process)
        server_log = (Path(folder.name) / "server.log").read_text(errors="replace")
        folder.cleanup()
    server_errors = [line for line in server_log.splitlines() if "Traceback" in line or "ERROR" in line]

    by_route: dict[str, list[Sample]] = defaultdict(list)
    for sample in tally.samples:
        by_route[sample.route].append(sample)
    pages = {route: summary(samples) for route, samples in sorted(by_route.items())}
    overall = summary(tally.samples) if tally.samples else {}
    target_ms = 200
    result = {
        "benchmark": "load", "database": args.database, "database_source": how, "placements": placements,
        "server": {"command": "rammeaftale serve", "workers": args.workers, "threads": args.threads},
        "users": len(users), "logged_in": len(logged_in),
        "roles": {role: sum(1 for user in users if user["role"] == role) for role in WALKS},
        "left_out": sorted(args.without), "duration_s": round(walked, 1), "think_time_s": list(think), "think_time": "uniform, per user, between requests",
        "requests": len(tally.samples), "requests_per_s": round(len(tally.samples) / walked, 1),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / max(1, len(tally.samples)), 1),
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "errors": len(tally.errors), "error_samples": tally.errors[:10], "server_log_errors": len(server_errors),
        "login": summary(login_samples) if login_samples else {},
        "overall": overall, "pages": pages,
        "target": {"p95_ms": target_ms, "pages_over": sorted(route for route, figures in pages.items()
                                                             if figures["p95_ms"] >= target_ms),
                   "pages_under": sorted(route for route, figures in pages.items() if figures["p95_ms"] < target_ms),
                   "met": not tally.errors and all(figures["p95_ms"] < target_ms for figures in pages.values())},
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
