"""`rammeaftale bootstrap`: migrate, load reference data and rulebooks, and (optionally) build a demo region."""
from django.core.management import call_command
from django.core.management.base import BaseCommand

from rammeaftale.accounts.actor import Actor
from rammeaftale.registry import services


class Command(BaseCommand):
    help = "Gør databasen klar: migreringer, referencedata, regelbøger og aftaler, og evt. en demoregion."

    def add_arguments(self, parser):
        parser.add_argument("--demo", metavar="REGION", help="byg demodata for regionen, hvis den er tom")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, demo=None, seed=1, **options):
        call_command("migrate", interactive=False, verbosity=0)
        actor = Actor.system(username="bootstrap")
        loaded = services.reference_data_load(actor=actor)
        self.stdout.write(f"Referencedata: oprettet {loaded.created or 'intet nyt'}")
        agreements = services.agreements_from_rulebooks(actor=actor)
        self.stdout.write(f"Rammeaftaler fra regelbøger: {len(agreements)}")
        if demo:
            call_command("demo", region=demo, seed=seed, if_empty=True, stdout=self.stdout, stderr=self.stderr)
