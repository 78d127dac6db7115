from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GovernanceConfig(AppConfig):
    name = "governance"

    def ready(self) -> None:
        # Imported here, not at the top: they import models, which Django loads only after every AppConfig.
        # The catalog announces product writes; governance listens and re-evaluates in a task, so the write path
        # pays for no policy check. Search documents carry the stored health (governance/search.py).
        from catalog.signals import products_changed
        from governance import counts, search
        from governance.receivers import on_products_changed
        from search.extensions import register_product_enricher

        products_changed.connect(on_products_changed, dispatch_uid="governance.evaluate_on_change", weak=False)
        register_product_enricher(search.product_enricher)
        # After every migrate: a rebuilt findings table (SQLite) has lost its triggers (core/triggers.py).
        post_migrate.connect(counts._post_migrate, sender=self, dispatch_uid="governance.counts.install")
