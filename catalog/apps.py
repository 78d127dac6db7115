from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from catalog import counts  # imports models: loaded only once every AppConfig is

        # After every migrate: a rebuilt product table (SQLite) has lost its triggers (catalog/counts.py).
        post_migrate.connect(counts._post_migrate, sender=self, dispatch_uid="catalog.counts.install")
