"""`rammeaftale reference load [--population FILE --year YEAR]`: reference data, idempotent."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rammeaftale.accounts.actor import Actor
from rammeaftale.core.errors import DomainError
from rammeaftale.registry import services


class Command(BaseCommand):
    help = "Indlæs referencedata (kommuner, regioner, befolkning, sekretariater, paragraffer, målgrupper)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="indlæs referencedata; kan køres igen uden dubletter")
        load.add_argument("--population", type=Path, help="CSV med kolonnerne code,population for et andet år")
        load.add_argument("--year", type=int, help="året for --population")

    def handle(self, *args, action, population=None, year=None, **options):
        actor = Actor.system(username="reference")
        if population is not None:
            if year is None:
                raise CommandError("--population kræver --year.")
            if not population.exists():
                raise CommandError(f"Filen {population} findes ikke.")
            try:
                rows = services.population_load(actor=actor, path=population, year=year)
            except DomainError as exc:
                raise CommandError(f"{population.name}: {exc.message_da} Intet er gemt.") from exc
            self.stdout.write(f"Befolkningstal for {year}: {rows} kommuner indlæst.")
            return
        result = services.reference_data_load(actor=actor)
        self.stdout.write(f"Oprettet: {result.created or 'intet'}; opdateret: {result.updated or 'intet'}")
