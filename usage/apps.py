from django.apps import AppConfig


class UsageConfig(AppConfig):
    """Usage and cost of output ports per consumer, show-back, and the mesh's value figures (issue #20).

    An app of its own: it has its own models, pages and API, and reads the catalog and access only through their
    models, selectors and signals.
    """

    name = "usage"
    verbose_name = "Usage and show-back"

    def ready(self) -> None:
        # Imported here, not at the top: they import models, which Django loads only after every AppConfig.
        from catalog.signals import products_changed
        from search.extensions import register_product_enricher
        from usage import receivers, retention  # noqa: F401 -- retention registers its system check

        register_product_enricher(receivers.product_enricher)
        products_changed.connect(receivers.on_products_changed, dispatch_uid="usage.products_changed", weak=False)
