from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from backup.services import BackupError, database_backup, default_suffix, engine_kind


class Command(BaseCommand):
    help = (
        "Back up the portal's database to one file while the portal runs: SQLite through its online backup API, "
        "PostgreSQL through pg_dump (custom format). The search index is not needed: portal_restore rebuilds it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="The file to write (must not exist). Default: <PORTAL_VAR_DIR>/backups/portal-<UTC time>.<ext>.",
        )

    def handle(self, *args, output=None, **options):
        try:
            if output is None:
                stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
                output = settings.VAR_DIR / "backups" / f"portal-{stamp}{default_suffix(engine_kind())}"
            result = database_backup(target=Path(output))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Backed up the {result.engine} database to {result.path} ({result.size:,} bytes).")
        )
