"""`rammeaftale occupancy report --agreement AGREEMENT --period 2025-Q1`: the compiled occupancy report as JSON."""
import json
import sys
from datetime import date

from django.core.management.base import BaseCommand

from rammeaftale.accounts.actor import Actor
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError
from rammeaftale.occupancy.reporting import agreement_resolve, period_parse
from rammeaftale.occupancy.selectors import compiled_report, compiled_report_json


class Command(BaseCommand):
    help = "Belægning: den samlede indberetning for en rammeaftale og en periode som JSON."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        report = sub.add_parser("report", help="den samlede belægningsindberetning (JSON)")
        report.add_argument("--agreement", required=True,
                            help="rammeaftalens id, eller regionen (fx syddanmark eller 1083) for aftalen, der gælder")
        report.add_argument("--period", required=True, help="år og kvartal perioden slutter med, fx 2025-Q1")
        report.add_argument("--as-of", help="opgørelsesdag for frister (ÅÅÅÅ-MM-DD; standard: i dag)")

    def handle(self, *args, action, **options):
        try:
            year, _ = period_parse(options["period"])
            agreement = agreement_resolve(options["agreement"], year=year)
            as_of = self._day(options.get("as_of"))
            compiled = compiled_report(actor=Actor.system(username="occupancy"), agreement=agreement,
                                       code=options["period"], today=as_of)
        except DomainError as error:
            self.stdout.write(json.dumps({"error": error.as_dict()}, ensure_ascii=False, indent=1))
            sys.exit(2)
        self.stdout.write(json.dumps(compiled_report_json(compiled), ensure_ascii=False, indent=1))

    @staticmethod
    def _day(text: str | None) -> date:
        if not text:
            return clock.today()
        try:
            return date.fromisoformat(text)
        except ValueError as error:
            raise DomainError(f"Ugyldig dato «{text}»: skriv ÅÅÅÅ-MM-DD.", field="as_of",
                              message_en="expected YYYY-MM-DD") from error
