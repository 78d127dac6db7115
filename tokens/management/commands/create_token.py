from django.core.management.base import BaseCommand, CommandError

from catalog.models import Team
from core.actors import Scope
from core.errors import ApplicationError
from tokens.services import token_create


class Command(BaseCommand):
    help = "Issue an API token for a team and print it once."

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, help="Team slug.")
        parser.add_argument("--scopes", required=True, help=f"Comma-separated scopes: {', '.join(Scope.values)}.")
        parser.add_argument("--name", default="cli", help="A name to recognise the token by.")

    def handle(self, *args, team: str, scopes: str, name: str, **options):
        found = Team.objects.filter(slug=team).first()
        if found is None:
            raise CommandError(f"Unknown team '{team}'.")
        try:
            issued = token_create(
                actor=None, team=found, name=name, scopes=[s.strip() for s in scopes.split(",") if s.strip()]
            )
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"Token '{issued.token.name}' for team '{found.slug}' ({', '.join(issued.token.scopes)}).")
        self.stderr.write("It is shown only now; store it in your pipeline's secrets.")
        self.stdout.write(issued.secret)
