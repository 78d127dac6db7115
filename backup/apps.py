from django.apps import AppConfig


class BackupConfig(AppConfig):
    """Backup and restore of the portal's database (no models; management commands only)."""

    name = "backup"
    verbose_name = "Backup and restore"
