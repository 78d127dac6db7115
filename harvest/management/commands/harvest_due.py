"""`manage.py harvest_due`: harvest every SQL connection whose schedule is due (for cron, in the embedded profile)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from harvest.actors import platform_actor
from harvest.services.sql import harvest_due


class Command(BaseCommand):
    help = "Harvest the SQL connections whose schedule is due."

    def handle(self, *args, **options):
        runs = harvest_due(actor=platform_actor())
        for run in runs:
            line = f"{run.connection}: {run.status}, " + ", ".join(f"{n} {a}" for a, n in run.counts.items() if n)
            self.stdout.write(line + (f" - {run.error}" if run.error else ""))
        if not runs:
            self.stdout.write("No connection is due.")
