"""`rammeaftale calendar --agreement syddanmark --year 2027 [--today …]`: the agreement's year as JSON, each party's
status included; `rammeaftale calendar reminders [--today …]`: the daily reminders (cron, beside `exchange daily`).
Bad input is `{"error": {…}}` naming the field, with exit code 2 and nothing written."""
import json
import sys
from datetime import date

from django.core.management.base import BaseCommand

from rammeaftale.accounts.actor import Actor
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError
from rammeaftale.deadlines.json import calendar_json, calendar_region
from rammeaftale.deadlines.selectors import calendar_statuses
from rammeaftale.deadlines.services import deadline_reminders_send


def _day(text: str | None) -> date:
    if not text:
        return clock.today()
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise DomainError(f"Ugyldig dato «{text}» i --today: skriv ÅÅÅÅ-MM-DD.", field="today",
                          message_en="expected YYYY-MM-DD") from error


def _year(text: str | None) -> int:
    if text and text.strip().isdigit() and len(text.strip()) == 4:
        return int(text)
    raise DomainError(f"Ugyldigt år «{text or ''}» i --year: skriv fire cifre, fx 2027.", field="year",
                      message_en="expected a year such as 2027")


class Command(BaseCommand):
    help = ("Årshjulet: årets frister for en rammeaftale med hver parts status som JSON, eller (reminders) dagens "
            "påmindelser om frister, der ikke er nået.")

    def add_arguments(self, parser):
        parser.add_argument("action", nargs="?", choices=["show", "reminders"], default="show",
                            help="show (standard): årets frister som JSON; reminders: send dagens påmindelser")
        parser.add_argument("--agreement", help="regionen (fx syddanmark eller 1083), regelbogens nøgle (fx "
                                                "syddanmark-2019-2020) eller rammeaftalens id")
        parser.add_argument("--year", help="året, fx 2027")
        parser.add_argument("--today", help="dagen, status og påmindelser opgøres for (ÅÅÅÅ-MM-DD; standard: i dag)")

    def handle(self, *args, action, **options):
        try:
            today = _day(options.get("today"))
            if action == "reminders":
                result = deadline_reminders_send(actor=Actor.system(username="calendar-reminders"), today=today)
                answer = {"today": result.today.isoformat(), "reminders": result.sent}
            else:
                if not options.get("agreement"):
                    raise DomainError("Angiv rammeaftalen med --agreement, fx --agreement syddanmark.",
                                      field="agreement", message_en="--agreement is required")
                year = _year(options.get("year"))
                region = calendar_region(options["agreement"], year=year)
                answer = calendar_json(calendar_statuses(region=region, year=year, today=today))
        except DomainError as error:
            self.stdout.write(json.dumps({"error": error.as_dict()}, ensure_ascii=False, indent=1))
            sys.exit(2)
        self.stdout.write(json.dumps(answer, ensure_ascii=False, indent=1))
