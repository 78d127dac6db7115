from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "ratings"

    def ready(self) -> None:
        # Ratings move products in search: the product documents carry the visible ratings' sum and count.
        from catalog.search.documents import register_product_enricher
        from ratings import checks  # noqa: F401 -- registers the deployment checks
        from ratings.selectors import search_enricher

        register_product_enricher(search_enricher)
