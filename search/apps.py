from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Search keeps its own tables (the embedded index, the outbox) and migrations, under the label `search`."""

    name = "search"
    label = "search"
    verbose_name = "Search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: they import models, which Django loads only after every AppConfig.
        from catalog import signals
        from search import receivers

        signals.products_written.connect(receivers.on_products_written, dispatch_uid="search.products", weak=False)
        signals.products_removed.connect(receivers.on_products_removed, dispatch_uid="search.removed", weak=False)
        signals.domains_written.connect(receivers.on_domains_written, dispatch_uid="search.domains", weak=False)
        signals.teams_written.connect(receivers.on_teams_written, dispatch_uid="search.teams", weak=False)
