"""What beat runs for access in the production profile, for the embedded one (no worker, no beat): run it from
cron or a systemd timer, e.g. every 10 minutes."""

from django.core.management.base import BaseCommand

from access.tasks import expire_grants, remind_expiring_grants, sweep_webhook_deliveries


class Command(BaseCommand):
    help = "Expire grants past their expiry, remind holders of grants about to end, and resend due webhook deliveries."

    def handle(self, *args, **options):
        # The tasks' bodies, run here and now; in the embedded profile each resent delivery gets one attempt
        # in-process, and a failure waits for the next run (or for "Send again" on the domain's settings page).
        expired = expire_grants()
        reminded = remind_expiring_grants()
        resent = sweep_webhook_deliveries()
        self.stdout.write(f"{expired} grants expired, {reminded} holders reminded, {resent} deliveries sent again.")
