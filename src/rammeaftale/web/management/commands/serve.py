"""`rammeaftale serve`: the production server, gunicorn in front of the WSGI app, after the deployment checks."""
import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, SystemCheckError


def _env(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


class Command(BaseCommand):
    help = ("Start produktionsserveren (gunicorn) efter `check --deploy`; den starter ikke, før kontrollen intet "
            "finder. Se docs/deploy.md.")
    requires_system_checks = ()  # run below with deploy=True, where a warning also stops the start

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=_env("RAMMEAFTALE_BIND", "127.0.0.1:8000"),
                            help="adresse:port eller unix:/sti (RAMMEAFTALE_BIND; standard 127.0.0.1:8000)")
        parser.add_argument("--workers", type=int, default=int(_env("RAMMEAFTALE_WORKERS", "2")),
                            help="antal arbejdsprocesser, én pr. CPU-kerne (RAMMEAFTALE_WORKERS; standard 2)")
        parser.add_argument("--threads", type=int, default=int(_env("RAMMEAFTALE_THREADS", "4")),
                            help="tråde pr. arbejdsproces (RAMMEAFTALE_THREADS; standard 4): en proces betjener "
                                 "andre forespørgsler, mens en venter på databasen")
        parser.add_argument("--timeout", type=int, default=int(_env("RAMMEAFTALE_TIMEOUT", "120")),
                            help="sekunder en forespørgsel må tage (RAMMEAFTALE_TIMEOUT; standard 120: PDF og "
                                 "afregning)")

    def handle(self, *args, bind, workers, threads, timeout, **options):
        try:
            call_command("check", deploy=True, fail_level="WARNING", stdout=self.stdout, stderr=self.stderr)
        except SystemCheckError as error:
            raise CommandError(
                f"{error}\n\nServeren starter ikke, før `rammeaftale check --deploy` intet finder "
                "(miljøvariablerne står i docs/deploy.md).", returncode=2,
            ) from None
        self.stdout.write(f"Starter gunicorn på {bind} med {workers} arbejdsprocesser à {threads} tråde.")
        self.stdout.flush()
        # A request's column work (polars: a seller's settlement preview) is small, and the workers' threads
        # already keep both cores busy: polars' own thread pool per process only adds hand-overs between threads
        # (the biggest seller's preview 180 ms instead of 216 ms alone, median of 20). An explicit setting wins.
        os.environ.setdefault("POLARS_MAX_THREADS", "1")
        # exec: gunicorn takes this process's place, so systemd supervises it directly and its signals reach it.
        os.execv(sys.executable, [
            sys.executable, "-m", "gunicorn", "--bind", bind, "--workers", str(workers), "--threads", str(threads),
            "--timeout", str(timeout),
            "--access-logfile", "-", "--error-logfile", "-", "rammeaftale.config.wsgi:application",
        ])
