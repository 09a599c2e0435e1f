"""`rammeaftale lifecycle daily [--today ÅÅÅÅ-MM-DD]`: decided takeovers take effect on their day (cron/systemd)."""
import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from rammeaftale.accounts.actor import Actor
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError
from rammeaftale.lifecycle.services import lifecycle_apply_due


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"«{value}» er ikke en dato (ÅÅÅÅ-MM-DD).", returncode=2) from None


class Command(BaseCommand):
    help = "Tilbuddets liv: den daglige kørsel (besluttede overtagelser træder i kraft på deres dag)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        daily = sub.add_parser("daily", help="lad dagens besluttede overtagelser træde i kraft")
        daily.add_argument("--today", help="dagen, der køres for (ÅÅÅÅ-MM-DD; standard: i dag)")

    def handle(self, *args, action, **options):
        today = _day(options["today"]) if options.get("today") else clock.today()
        try:
            result = lifecycle_apply_due(actor=Actor.system(username="lifecycle-daily"), today=today)
        except DomainError as error:
            raise CommandError(error.message_da, returncode=2) from error
        self.stdout.write(json.dumps({"today": result.today.isoformat(), "takeovers": result.takeovers},
                                     ensure_ascii=False))
