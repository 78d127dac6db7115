from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Products are ranked by their consumers: the search documents take the active grant count from here.
        from access import search
        from catalog.search.documents import register_product_enricher

        register_product_enricher(search.product_enricher)
