"""`rammeaftale offers import FILE [--as USERNAME] [--dry-run]` and `rammeaftale offers template FILE`."""
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from rammeaftale.accounts.actor import Actor, actor_from_user
from rammeaftale.registry.importing import MAX_BYTES, offers_import, offers_import_template
from rammeaftale.registry.importing.files import FileProblem


class Command(BaseCommand):
    help = "Tilbud: indlæs en CSV- eller XLSX-fil (alt eller intet), eller skriv en tom skabelon."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="indlæs tilbud fra CSV eller XLSX; ved fejl gemmes intet")
        load.add_argument("file", type=Path, help="filen (.csv eller .xlsx); kolonnerne: docs/import.md")
        load.add_argument("--as", dest="username", metavar="USERNAME",
                          help="indlæs som denne bruger (med brugerens rettigheder); uden: som platformen")
        load.add_argument("--dry-run", action="store_true",
                          help="kontrollér filen og vis resultatet uden at gemme")
        template = sub.add_parser("template", help="skriv en tom skabelon med kolonneoverskrifterne")
        template.add_argument("file", type=Path, help="FIL.xlsx eller FIL.csv")

    def handle(self, *args, action, file, username=None, dry_run=False, **options):
        if action == "template":
            try:
                file.write_bytes(offers_import_template(filename=file.name))
            except FileProblem as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"Skabelon skrevet: {file}")
            return
        if not file.is_file():
            raise CommandError(f"Filen {file} findes ikke.")
        size = file.stat().st_size
        if size > MAX_BYTES:  # refused before it is read, as on the page and in the API
            megabytes = f"{size / (1024 * 1024):.1f}".replace(".", ",")
            raise CommandError(f"{file} fylder {megabytes} MB; højst {MAX_BYTES // (1024 * 1024)} MB kan indlæses. "
                               "Intet er gemt.")
        result = offers_import(
            actor=self._actor(username), filename=file.name, content=file.read_bytes(), dry_run=dry_run
        )
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(result.summary_da())
        self.stdout.write(result.summary_da())

    @staticmethod
    def _actor(username: str | None) -> Actor:
        if username is None:
            return Actor.system(username="offers-import")
        user = get_user_model().objects.select_related("organisation").filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(f"Brugeren «{username}» findes ikke eller er ikke aktiv.")
        return actor_from_user(user)
