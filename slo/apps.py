from django.apps import AppConfig


class SloConfig(AppConfig):
    """Service level objectives, their measurements, evaluation and breach incidents (issue #8).

    An app of its own: it has its own models, pages and API, and reaches into the catalog and lineage only
    through their signals, selectors and search hooks.
    """

    name = "slo"
    verbose_name = "Service levels"

    def ready(self) -> None:
        # Imported here, not at the top: they import models, which Django loads only after every AppConfig.
        from catalog.signals import products_changed
        from lineage.signals import events_stored
        from search.extensions import register_product_enricher
        from slo import receivers, retention  # noqa: F401 -- retention registers its system check

        register_product_enricher(receivers.product_enricher)
        products_changed.connect(receivers.on_products_changed, dispatch_uid="slo.products_changed", weak=False)
        events_stored.connect(receivers.on_events_stored, dispatch_uid="slo.events_stored", weak=False)
