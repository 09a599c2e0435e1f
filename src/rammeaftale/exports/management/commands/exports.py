"""`rammeaftale exports clean`: the scheduled clean-up of export jobs (docs/deploy.md runs it daily)."""
from django.core.management.base import BaseCommand, CommandError

from rammeaftale.accounts.actor import Actor
from rammeaftale.exports.services import KEEP_DAYS, STALE_HOURS, export_jobs_clean


class Command(BaseCommand):
    help = "Eksportjob: ryd op i færdige dokumenter og marker afbrudte job som fejlet."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        clean = sub.add_parser("clean", help="slet færdige dokumenter efter --keep-days, marker hængende job som fejlet")
        clean.add_argument("--keep-days", type=int, default=KEEP_DAYS,
                           help=f"dage et færdigt dokument gemmes (standard {KEEP_DAYS})")
        clean.add_argument("--stale-hours", type=int, default=STALE_HOURS,
                           help=f"timer før et job i kø eller under dannelse regnes for afbrudt (standard {STALE_HOURS})")

    def handle(self, *args, action, keep_days, stale_hours, **options):
        for option, value in (("--keep-days", keep_days), ("--stale-hours", stale_hours)):
            if value < 1:
                raise CommandError(f"{option} skal være mindst 1, ikke {value}: intet er slettet.")
        counts = export_jobs_clean(actor=Actor.system(username="exports"), keep_days=keep_days,
                                   stale_hours=stale_hours)
        self.stdout.write(f"Eksporter: {counts['deleted']} slettet (færdige for mere end {keep_days} dage siden), "
                          f"{counts['interrupted']} markeret som afbrudt (ikke færdige efter {stale_hours} timer).")
