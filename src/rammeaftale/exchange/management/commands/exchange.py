"""`rammeaftale exchange daily [--today ÅÅÅÅ-MM-DD]`: the vacancy exchange's daily run, for cron or a systemd timer."""
import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from rammeaftale.accounts.actor import Actor
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError
from rammeaftale.exchange.daily import exchange_daily


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"«{value}» er ikke en dato (ÅÅÅÅ-MM-DD).", returncode=2) from None


class Command(BaseCommand):
    help = ("Ledige pladser: den daglige kørsel (forespørgsler uden svar udløber, reservationer, der ikke er "
            "aktiveret senest holdedatoen, frigives, og beskeder sendes).")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        daily = sub.add_parser("daily", help="kør dagens udløb og frigivelser og send beskeder")
        daily.add_argument("--today", help="dagen, der køres for (ÅÅÅÅ-MM-DD; standard: i dag)")

    def handle(self, *args, action, **options):
        today = _day(options["today"]) if options.get("today") else clock.today()
        try:
            result = exchange_daily(actor=Actor.system(username="exchange-daily"), today=today)
        except DomainError as error:
            raise CommandError(error.message_da, returncode=2) from error
        self.stdout.write(json.dumps({
            "today": result.today.isoformat(), "requests_expired": result.requests_expired,
            "holds_released": result.holds_released, "emails_sent": result.emails_sent}, ensure_ascii=False))
