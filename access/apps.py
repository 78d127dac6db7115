from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: they import models, which Django loads only after every AppConfig.
        # Products are ranked by their consumers: the search documents take the active grant count from here.
        from access import search
        from search.extensions import register_product_enricher

        register_product_enricher(search.product_enricher)
