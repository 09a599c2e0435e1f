"""`rammeaftale tariff calculate|true-up|growth FILE.json`: the tariff engine's JSON in, JSON out;
`rammeaftale tariff provisional --year 2027`: the year's provisional tariffs in the database."""
import json
import sys

from django.core.management.base import BaseCommand
from django.db import transaction

from rammeaftale.accounts.actor import Actor
from rammeaftale.core.errors import DomainError
from rammeaftale.engine.growth_json import tariff_growth_json
from rammeaftale.engine.tariff_json import (
    EngineInputError,
    json_file_run,
    tariff_calculate_json,
    true_up_calculate_json,
)
from rammeaftale.tariffs.services import tariffs_provisional_ensure

ACTIONS = {"calculate": tariff_calculate_json, "true-up": true_up_calculate_json, "growth": tariff_growth_json}


class Command(BaseCommand):
    help = ("Takstberegning, efterregulering og takststigning mod P/L fra JSON (formater: docs/engine-json.md); "
            "foreløbige takster for et år i databasen.")
    requires_system_checks = ()  # the JSON actions only run the engine; `provisional` runs the checks itself

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        calculate = sub.add_parser("calculate", help="beregn takster ud fra et budget")
        calculate.add_argument("file", help="budget som JSON (- for standard input)")
        true_up = sub.add_parser("true-up", help="beregn efterregulering ud fra et regnskab")
        true_up.add_argument("file", help="regnskab som JSON (- for standard input)")
        growth = sub.add_parser("growth", help="takststigning pr. år mod P/L-loftet efter regelbogen")
        growth.add_argument("file", help="takstrække og P/L-tabel som JSON (- for standard input)")
        provisional = sub.add_parser(
            "provisional", help="dan årets foreløbige takster (sidste års takst × P/L) for ydelser uden godkendt takst")
        provisional.add_argument("--year", type=int, required=True, help="takståret, fx 2027")

    def handle(self, *args, action, file=None, **options):
        if action == "provisional":
            self._provisional(options["year"])
            return
        answer, code = json_file_run(file, ACTIONS[action])
        self.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2))
        if code:
            sys.exit(code)

    def _provisional(self, year: int) -> None:
        self.check()
        try:
            with transaction.atomic():
                result = tariffs_provisional_ensure(actor=Actor.system(username="tariff"), year=year)
        except DomainError as error:
            self._fail(EngineInputError(field=error.field or "year", message=error.message_da))
        self.stdout.write(json.dumps({
            "year": result.year, "pl_pct": None if result.pl_pct is None else str(result.pl_pct),
            "created": result.created, "updated": result.updated, "unchanged": result.kept,
            "message": result.message_da,
        }, ensure_ascii=False, indent=2))
        if result.pl_pct is None:
            sys.exit(2)

    def _fail(self, error: EngineInputError) -> None:
        self.stdout.write(json.dumps(error.as_dict(), ensure_ascii=False, indent=2))
        sys.exit(2)
