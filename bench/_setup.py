"""What the benchmarks share: Django on a fresh SQLite file in a temporary folder, migrated; the CPU time of a
process tree from /proc."""
import os
import tempfile
from pathlib import Path


def process_tree_ticks(root: int, *, reaped: bool = False) -> int:
    """CPU time in clock ticks (user + system) that process `root` and its live children have used so far, from
    /proc; with `reaped`, also what its exited children used. Linux only (0 elsewhere). A figure the other work on
    a shared machine does not inflate, unlike wall-clock times."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(stat.parent.name), int(fields[1])
        if pid == root:
            total += sum(int(value) for value in fields[11:15 if reaped else 13])  # utime, stime, cutime, cstime
        elif parent == root:
            total += int(fields[11]) + int(fields[12])
    return total


def django_on_fresh_sqlite() -> tempfile.TemporaryDirectory:
    """Set up Django on a new SQLite database in a temporary folder (returned: clean it up at the end)."""
    folder = tempfile.TemporaryDirectory(prefix="rammeaftale-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rammeaftale.config.settings")
    os.environ.pop("DATABASE_URL", None)
    os.environ["RAMMEAFTALE_VAR_DIR"] = folder.name

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return folder


def national_demo_with_placements(*, seed: int, first_day, today, year_from: int = 2023, year_to: int = 2026):
    """The national demo (five regions) and its demo placements from `first_day`; returns the placements report
    and the seconds it took to build (not part of any benchmark figure)."""
    import time

    from rammeaftale.accounts.actor import Actor
    from rammeaftale.demo.build import demo_build
    from rammeaftale.demo.catalogue import REGION_CODES
    from rammeaftale.demo.placements import demo_placements_build
    from rammeaftale.parties.models import Organisation, OrganisationKind

    started = time.perf_counter()
    actor = Actor.system(username="bench")
    demo_build(actor=actor, region_codes=list(REGION_CODES.values()), seed=seed, scale="national",
               year_from=year_from, year_to=year_to)
    report = demo_placements_build(actor=actor, regions=list(Organisation.objects.filter(
        kind=OrganisationKind.REGION).order_by("code")), seed=seed, first_day=first_day, today=today)
    return report, time.perf_counter() - started
