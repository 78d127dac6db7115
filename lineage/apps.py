from django.apps import AppConfig
from django.db.models.signals import post_delete


class LineageConfig(AppConfig):
    name = "lineage"

    def ready(self) -> None:
        # Imported here, not at the top: they import models, which Django loads only after every AppConfig.
        # Deletes of the catalog rows the graph keeps facts about bump LineageState.catalog_deletions, so that
        # the freshness check needs no COUNT(*) of those tables (lineage.graph).
        from catalog.models import DataProduct, InputPort, OutputPort, Team
        from lineage.receivers import on_catalog_row_deleted

        for model in (DataProduct, OutputPort, InputPort, Team):
            post_delete.connect(
                on_catalog_row_deleted, sender=model, dispatch_uid=f"lineage.deleted.{model.__name__}", weak=False
            )
