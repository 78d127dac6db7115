from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "ratings"

    def ready(self) -> None:
        # Imported here, not at the top: they import models, which Django loads only after every AppConfig.
        # Ratings move products in search: the product documents carry the visible ratings' sum and count.
        from ratings import checks  # noqa: F401 -- registers the deployment checks
        from ratings.selectors import search_enricher
        from search.extensions import register_product_enricher

        register_product_enricher(search_enricher)
