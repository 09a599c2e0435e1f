"""Benchmark: what each page of the load benchmark's walks costs the server for ONE user, in CPU, not in waiting.

For each role of bench/load.py one of its bench users walks the role's steps (the same steps and links as the load
benchmark) through Django's test client in this process, with the production middleware and settings (DEBUG off,
cached templates, database sessions) on PostgreSQL. Per route it reports over --rounds: the Python CPU of the
request (this process, median), the CPU of the PostgreSQL backend serving it (from /proc, same machine; the mean, as
it is counted in 10 ms ticks), the number of queries and the size of the answer. The sum Python + PostgreSQL is what
a request costs the two cores under load; `mix` weighs the routes as the load benchmark's users ask for them (each
user one step of its walk per think time, a page's htmx load beside it).

    .venv/bin/python bench/load_pages.py [--database ra_load_x] [--template ra_national_tpl] [--rounds 3]

The database: used as it is when it exists, else copied from the template (`STRATEGY FILE_COPY`) and `ANALYZE`d;
the bench users are created in it as bench/load.py creates them. Prints one JSON line (last line).
"""
import argparse
import html
import importlib.util
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_load"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def _backend_cpu_ms(pid: int) -> float:
    """CPU (user + system) of one PostgreSQL backend so far, in ms (Linux; 0 when it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="ra_load_x")
    parser.add_argument("--template", default="ra_national_tpl")
    parser.add_argument("--server-url", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--users", type=int, default=50, help="bench users to make, as bench/load.py --users")
    parser.add_argument("--only", action="append", default=[], help="routes to measure (default: all)")
    args = parser.parse_args()

    load = _load_bench()
    with load.psycopg_connect(f"{args.server_url}/postgres") as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone():
            load.say(f"Copying {args.template} to {args.database} …")
            connection.execute(f'CREATE DATABASE "{args.database}" TEMPLATE "{args.template}" STRATEGY FILE_COPY')
            with load.psycopg_connect(f"{args.server_url}/{args.database}") as copy:
                copy.execute("ANALYZE")
    folder = tempfile.TemporaryDirectory(prefix="rammeaftale-load-pages-")
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "rammeaftale.config.settings", "RAMMEAFTALE_VAR_DIR": folder.name,
        "DATABASE_URL": f"{args.server_url}/{args.database}", "RAMMEAFTALE_ALLOWED_HOSTS": "testserver",
    })
    for name in ("RAMMEAFTALE_DEBUG", "RAMMEAFTALE_HTTPS", "RAMMEAFTALE_BEHIND_PROXY"):
        os.environ.pop(name, None)
    subprocess_env = dict(os.environ)
    import subprocess

    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run([str(load.BIN / "rammeaftale"), *command, "--verbosity", "0"], env=subprocess_env, check=True)
    users, _ = load.users_ensure(count=args.users)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from rammeaftale.accounts.models import User

    first_of_role = {}
    for user in users:
        first_of_role.setdefault(user["role"], user)
    samples: dict[str, list[dict]] = {}
    for role, user in first_of_role.items():
        client = Client()
        client.force_login(User.objects.get(username=user["username"]))
        connection.ensure_connection()
        backend = connection.cursor().connection.info.backend_pid
        seen: dict[str, str] = {}
        for _ in range(args.rounds):
            for step in load.WALKS[role]:
                for current in (step, step.loads):
                    if current is None or (args.only and current.route not in args.only):
                        continue
                    path = current.path
                    if current.link:
                        links = re.findall(current.link, seen.get(current.from_route, ""))
                        if not links:
                            continue
                        path = html.unescape(links[len(links) // 2])  # an attribute's value
                    headers = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in current.headers}
                    pg_before, cpu_before, wall_before = _backend_cpu_ms(backend), time.process_time(), time.perf_counter()
                    with CaptureQueriesContext(connection) as queries:
                        response = client.get(path, **headers)
                    wall = (time.perf_counter() - wall_before) * 1000
                    cpu = (time.process_time() - cpu_before) * 1000
                    pg = _backend_cpu_ms(backend) - pg_before
                    if response.status_code != 200:
                        load.say(f"{role} {path}: {response.status_code}")
                        continue
                    seen[current.route] = response.content.decode()
                    samples.setdefault(f"{current.route} [{role}]", []).append(
                        {"cpu_ms": cpu, "pg_ms": pg, "wall_ms": wall, "queries": len(queries),
                         "kb": len(response.content) / 1024})
    # Python: the median of the rounds; PostgreSQL: the mean (its CPU is counted in clock ticks of 10 ms).
    figures = {key: {"cpu_ms": round(statistics.median(s["cpu_ms"] for s in runs), 1),
                     "pg_ms": round(statistics.fmean(s["pg_ms"] for s in runs), 1),
                     "wall_ms": round(statistics.median(s["wall_ms"] for s in runs), 1),
                     "queries": max(s["queries"] for s in runs), "kb": round(runs[-1]["kb"], 1), "rounds": len(runs)}
               for key, runs in samples.items()}
    for key, sample in sorted(figures.items(), key=lambda item: -(item[1]["cpu_ms"] + item[1]["pg_ms"])):
        load.say(f"{key:60s} py {sample['cpu_ms']:7.1f} ms  pg {sample['pg_ms']:6.1f} ms  wall {sample['wall_ms']:7.1f}"
                 f"  q {sample['queries']:3d}  {sample['kb']:6.1f} KB")
    folder.cleanup()
    weight = {key: 0.0 for key in figures}
    for user in users:
        for step in load.WALKS[user["role"]]:
            for current in (step, step.loads):
                key = current and f"{current.route} [{user['role']}]"
                if key in weight:
                    weight[key] += 1 / len(load.WALKS[user["role"]])
    total = sum(weight.values()) or 1
    mix = {name: round(sum(weight[key] * figures[key][name] for key in figures) / total, 1)
           for name in ("cpu_ms", "pg_ms", "queries")}
    load.say(f"The load benchmark's mix ({len(users)} users): per request Python {mix['cpu_ms']} ms, PostgreSQL "
             f"{mix['pg_ms']} ms, {mix['queries']} queries")
    print(json.dumps({"benchmark": "load_pages", "database": args.database, "rounds": args.rounds,
                      "load_average_1min": round(os.getloadavg()[0], 2), "mix": mix, "pages": figures},
                     ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
