from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from backup.services import BackupError, database_restore


class Command(BaseCommand):
    help = (
        "Replace the portal's database with a backup made by portal_backup, bring its schema up to date "
        "(migrate), then rebuild the search index from the restored rows (search_reindex)."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="The file written by portal_backup.")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive", help="Do not ask.")
        parser.add_argument("--no-reindex", action="store_true", help="Skip the search index rebuild.")

    def handle(self, *args, backup: str, interactive: bool, no_reindex: bool, **options):
        if interactive:
            answer = input("This replaces every row in the database with the backup's. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            kind = database_restore(source=Path(backup))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored the {kind} database from {backup}."))
        call_command("migrate", interactive=False, verbosity=0)
        if not no_reindex:
            call_command("search_reindex", "--fresh", "--no-progress", stdout=self.stdout)
