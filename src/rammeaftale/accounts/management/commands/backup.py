"""`rammeaftale backup FIL`: the whole database in one file (docs/backup.md)."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.backup import database_backup
from rammeaftale.core.errors import DomainError


class Command(BaseCommand):
    help = ("Tag en sikkerhedskopi af hele databasen (PostgreSQL: pg_dump custom-format; SQLite: en konsistent "
            "kopi, også mens serveren kører). CPR-nøglen er ikke med: sikkerhedskopiér den for sig.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="filen, der skrives (kun læsbar for ejeren)")

    def handle(self, *args, file, **options):
        try:
            backup = database_backup(actor=Actor.system(username="backup"), path=Path(file))
        except DomainError as error:
            raise CommandError(error.message_da, returncode=2) from error
        self.stdout.write(f"Sikkerhedskopi skrevet: {backup.path} ({backup.kind}, {backup.size_bytes} bytes, "
                          f"SHA-256 {backup.sha256}).")
