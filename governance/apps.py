from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"

    def ready(self) -> None:
        # Imported here, not at the top: they import models, which Django loads only after every AppConfig.
        # The catalog announces product writes; governance listens and re-evaluates in a task, so the write path
        # pays for no policy check. Search documents carry the stored health (governance/search.py).
        from catalog.signals import products_changed
        from governance import search
        from governance.receivers import on_products_changed
        from search.extensions import register_product_enricher

        products_changed.connect(on_products_changed, dispatch_uid="governance.evaluate_on_change", weak=False)
        register_product_enricher(search.product_enricher)
