from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Search has its own tables and migrations, so it is an app of its own inside the catalog package: its
    models load with the app registry, and its migrations never interleave with the catalog's."""

    name = "catalog.search"
    label = "search"
    verbose_name = "Search"
    default_auto_field = "django.db.models.BigAutoField"
