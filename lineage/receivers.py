"""Signal receivers: the catalog's deletes, which the graph's freshness check cannot see by itself."""

from __future__ import annotations

from catalog.models import OutputPort
from lineage.state import note_catalog_deletion


def on_catalog_row_deleted(sender, **kwargs) -> None:
    note_catalog_deletion(port=sender is OutputPort)
