from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.services import audit_entries_purge


class Command(BaseCommand):
    help = "Delete audit entries older than the retention period (AUDIT_RETENTION_DAYS, or --days)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Keep this many days instead of the setting.")

    def handle(self, *args, days=None, **options):
        keep = settings.AUDIT_RETENTION_DAYS if days is None else days
        if keep < 1:
            raise CommandError("The retention must be at least one day.")
        deleted = audit_entries_purge(older_than=timezone.now() - timedelta(days=keep))
        self.stdout.write(f"Deleted {deleted} audit entries older than {keep} days.")
