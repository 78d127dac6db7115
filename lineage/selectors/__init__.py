"""Reads for the lineage API and pages: resolve node ids, walk the in-memory graph, load the few rows shown."""

from lineage.selectors.columns import column_impact_fields, column_lineage
from lineage.selectors.impact import (
    Consumer,
    Impact,
    access_grant_consumers,
    consumers_of,
    impact_of,
    register_consumer_source,
)
from lineage.selectors.nodes import MAX_DEPTH, GraphAnswer, Node, check_depth, lineage_graph, resolve_node
from lineage.selectors.product_graph import KINDS, check_kind, mesh_graph
from lineage.selectors.products import (
    ProductLineageSummary,
    mesh_map,
    product_impact,
    product_lineage,
    product_lineage_summary,
)

__all__ = [
    "KINDS",
    "MAX_DEPTH",
    "Consumer",
    "GraphAnswer",
    "Impact",
    "Node",
    "ProductLineageSummary",
    "access_grant_consumers",
    "check_depth",
    "check_kind",
    "column_impact_fields",
    "column_lineage",
    "consumers_of",
    "impact_of",
    "lineage_graph",
    "mesh_graph",
    "mesh_map",
    "product_impact",
    "product_lineage",
    "product_lineage_summary",
    "register_consumer_source",
    "resolve_node",
]
