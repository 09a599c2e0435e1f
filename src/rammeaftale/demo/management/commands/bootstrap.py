"""`rammeaftale bootstrap`: migrate, load reference data, rulebooks and the P/L examples, and (optionally) a demo."""
from django.core.management import call_command
from django.core.management.base import BaseCommand

from rammeaftale.accounts.actor import Actor
from rammeaftale.registry import services
from rammeaftale.tariffs.services import price_index_load_examples


class Command(BaseCommand):
    help = ("Gør databasen klar: migreringer, referencedata, regelbøger og aftaler, P/L-eksempeltal, "
            "og evt. en demoregion.")

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
        examples = price_index_load_examples(actor=actor)
        self.stdout.write(f"P/L-tabel: {examples or 'ingen nye'} eksempeltal indlæst (år, der findes, røres ikke)")
        if demo:
            call_command("demo", region=demo, seed=seed, if_empty=True, invoices=True, stdout=self.stdout,
                         stderr=self.stderr)
