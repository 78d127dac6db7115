from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from catalog import counts  # imports models: loaded only once every AppConfig is
        from catalog.models import TeamMembership
        from core import per_request

        def roles_changed(**kwargs) -> None:
            per_request.forget("roles")  # a membership written in this request: read the roles again

        for signal in (post_save, post_delete):
            signal.connect(roles_changed, sender=TeamMembership, weak=False, dispatch_uid=f"catalog.roles.{signal}")

        # After every migrate: a rebuilt product table (SQLite) has lost its triggers (catalog/counts.py).
        post_migrate.connect(counts._post_migrate, sender=self, dispatch_uid="catalog.counts.install")
