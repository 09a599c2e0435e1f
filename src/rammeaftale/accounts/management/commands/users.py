"""`rammeaftale users unlock BRUGERNAVN`: lifts a login lockout from the console (audited as the platform)."""
from django.core.management.base import BaseCommand, CommandError

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import User
from rammeaftale.accounts.services import user_login_unlock


class Command(BaseCommand):
    help = "Brugere: ophæv en loginspærring (for mange forkerte adgangskoder)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        unlock = sub.add_parser("unlock", help="ophæv brugerens loginspærring fra alle adresser")
        unlock.add_argument("username", help="brugernavnet")

    def handle(self, *args, action, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Brugeren «{username}» findes ikke.")
        cleared = user_login_unlock(actor=Actor.system(username="users-unlock"), user=user)
        if cleared:
            self.stdout.write(f"Loginspærringen af «{username}» er ophævet ({cleared} registreringer slettet).")
        else:
            self.stdout.write(f"«{username}» havde ingen mislykkede login at nulstille.")
