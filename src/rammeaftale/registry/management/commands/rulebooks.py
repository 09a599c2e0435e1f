"""`rammeaftale rulebooks list|check|load`: the agreements' rules as versioned, sourced data."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rammeaftale import rulebooks
from rammeaftale.accounts.actor import Actor
from rammeaftale.core.errors import DomainError
from rammeaftale.registry import services


class Command(BaseCommand):
    help = "Regelbøger: vis, valider eller indlæs dem i databasen med deres rammeaftaler."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="vis de medfølgende regelbøger")
        check = sub.add_parser("check", help="valider en regelbog (en fil eller en nøgle)")
        check.add_argument("target", help="sti til en .toml-fil eller en regelbogsnøgle, fx syddanmark-2017")
        sub.add_parser("load", help="gem regelbøgerne og opret rammeaftalerne (idempotent)")

    def handle(self, *args, action, target=None, **options):
        try:
            if action == "list":
                for key in rulebooks.rulebook_keys():
                    rulebook = rulebooks.rulebook_load(key=key)
                    self.stdout.write(f"{key}\tv{rulebook.version}\t{rulebook.name}")
            elif action == "check":
                path = Path(target)
                rulebook = (
                    rulebooks.rulebook_load_path(path=path) if path.suffix == ".toml"
                    else rulebooks.rulebook_load(key=target)
                )
                parameters = rulebooks.rulebook_parameters(rulebook)
                assumed = sum(1 for p in parameters if p.assumed)
                self.stdout.write(
                    f"OK: {rulebook.name} v{rulebook.version}: {len(parameters)} parametre, "
                    f"{len(parameters) - assumed} med kilde, {assumed} antaget."
                )
            else:
                agreements = services.agreements_from_rulebooks(actor=Actor.system(username="rulebooks"))
                for agreement in agreements:
                    self.stdout.write(f"{agreement.name}: {agreement.rulebook}")
        except rulebooks.RulebookError as exc:
            raise CommandError(str(exc), returncode=2) from exc  # bad input: exit 2, as the JSON commands
        except DomainError as exc:
            raise CommandError(exc.message_da, returncode=2) from exc
