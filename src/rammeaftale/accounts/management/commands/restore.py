"""`rammeaftale restore FIL [--yes]`: replace the database's content with a backup's (docs/backup.md)."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.backup import database_restore
from rammeaftale.core.errors import DomainError


class Command(BaseCommand):
    help = ("Gendan databasen fra en sikkerhedskopi (lavet med «rammeaftale backup»). En database, der ikke er "
            "tom, overskrives kun med --yes. Stop serveren først.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="sikkerhedskopien")
        parser.add_argument("--yes", action="store_true", help="overskriv en database, der ikke er tom")

    def handle(self, *args, file, yes, **options):
        try:
            backup = database_restore(actor=Actor.system(username="restore"), path=Path(file), overwrite=yes)
        except DomainError as error:
            raise CommandError(error.message_da, returncode=2) from error
        self.stdout.write(f"Gendannet fra {backup.path} ({backup.kind}, SHA-256 {backup.sha256}).")
