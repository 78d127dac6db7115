"""Shapes of the lineage API, for answers and for the OpenAPI schema."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from lineage.selectors.impact import Consumer, Impact

NODE_ID = OpenApiParameter(
    "nodeId", str, required=True, description="dataset:<namespace>:<name> or job:<namespace>:<name>"
)
FIELD_NODE_ID = OpenApiParameter(
    "nodeId", str, required=True, description="datasetField:<namespace>:<name>:<field>, or dataset:<namespace>:<name>"
)
ANY_NODE_ID = OpenApiParameter(
    "nodeId", str, required=True, description="dataset:..., job:... or datasetField:<namespace>:<name>:<field>"
)
DEPTH = OpenApiParameter("depth", int, description="How far to go (0-20).")
PRODUCT_DEPTH = OpenApiParameter("depth", int, description="Product hops (0-20, default 1).")
DIRECTION = OpenApiParameter("direction", str, enum=["both", "upstream", "downstream"], description="Default both.")
MAX_NODES = OpenApiParameter("maxNodes", int, description="At most this many nodes (1-5000, default 1000).")
PRODUCT_MAX_NODES = OpenApiParameter("maxNodes", int, description="At most this many products (1-10000).")
KIND = OpenApiParameter(
    "kind", str, enum=["all", "declared", "observed"], description="Which product edges: default all."
)
DOMAIN = OpenApiParameter("domain", str, description="A domain's slug: its products and their neighbours.")
MINE = OpenApiParameter("mine", bool, description="The products of the caller's teams and their neighbours.")
WITH_DOWNSTREAM = OpenApiParameter("withDownstream", bool, description="Also follow the columns downstream.")
SAMPLE = OpenApiParameter("sample", int, description="How many affected datasets to list, nearest first (default 50).")

INGEST_RESULT = inline_serializer(
    "LineageIngestResult",
    {
        "received": serializers.IntegerField(),
        "stored": serializers.IntegerField(),
        "duplicates": serializers.IntegerField(help_text="Replays of events already stored; they change nothing."),
    },
)


class LineageEdgeSerializer(serializers.Serializer):
    origin = serializers.CharField()
    destination = serializers.CharField()


GRAPH = inline_serializer(
    "LineageGraph",
    {
        "graph": inline_serializer(
            "LineageNode",
            {
                "id": serializers.CharField(help_text="dataset:<ns>:<name>, job:<ns>:<name> or datasetField:..."),
                "type": serializers.ChoiceField(["DATASET", "JOB", "DATASET_FIELD"]),
                "data": serializers.DictField(help_text="Marquez's dataset, job or field data; see docs/lineage.md."),
                "inEdges": LineageEdgeSerializer(many=True),
                "outEdges": LineageEdgeSerializer(many=True),
            },
            many=True,
        ),
        "truncated": serializers.BooleanField(required=False),
    },
)

PATH = inline_serializer(
    "LineagePath",
    {
        "from": serializers.CharField(),
        "to": serializers.CharField(),
        "direction": serializers.ChoiceField(["downstream", "upstream"], allow_null=True),
        "path": serializers.ListField(child=serializers.CharField()),
    },
)

_PRODUCT = {
    "id": serializers.CharField(help_text="domain/slug"),
    "name": serializers.CharField(),
    "url": serializers.CharField(),
}
_EDGE: dict[str, serializers.Field] = {
    "from": serializers.CharField(),
    "to": serializers.CharField(),
    "kind": serializers.CharField(help_text="declared, observed or both"),
    "declared": serializers.BooleanField(),
    "observed": serializers.BooleanField(),
    "ports": serializers.ListField(child=serializers.DictField(), help_text="Declared: input and output port."),
}
PRODUCT_GRAPH = inline_serializer(
    "ProductLineage",
    {
        "product": serializers.CharField(),
        "nodes": inline_serializer(
            "ProductLineageNode",
            {
                **_PRODUCT,
                "domain": serializers.CharField(),
                "owner_team": serializers.CharField(),
                "status": serializers.CharField(),
                "domain_name": serializers.CharField(),
                "kind": serializers.CharField(),
                "distance": serializers.IntegerField(),
            },
            many=True,
        ),
        "kind": serializers.CharField(help_text="The edges asked for: all, declared or observed."),
        "truncated": serializers.BooleanField(),
        "edges": inline_serializer(
            "ProductLineageEdge",
            {
                **_EDGE,
                "observed_ports": serializers.DictField(allow_null=True, help_text="Output port names, from / to."),
                "via": serializers.ListField(child=serializers.DictField(), help_text="Example dataset pairs."),
            },
            many=True,
        ),
    },
)

MESH_GRAPH = inline_serializer(
    "MeshLineage",
    {
        "kind": serializers.CharField(help_text="The edges asked for: all, declared or observed."),
        "truncated": serializers.BooleanField(),
        "domains": serializers.ListField(child=serializers.DictField(), help_text="id, name, x, y (box origin)."),
        "nodes": inline_serializer(
            "MeshLineageNode",
            {
                **_PRODUCT,
                "domain": serializers.CharField(),
                "domain_name": serializers.CharField(),
                "owner_team": serializers.CharField(),
                "status": serializers.CharField(),
                "kind": serializers.CharField(),
                "x": serializers.IntegerField(),
                "y": serializers.IntegerField(),
            },
            many=True,
        ),
        "edges": inline_serializer("MeshLineageEdge", _EDGE, many=True),
    },
)


class ConsumerSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # DRF's metaclass takes declared fields off the class
    url = serializers.CharField()
    via = serializers.CharField()


def consumer_dict(consumer: Consumer) -> dict:
    return {"kind": consumer.kind, "label": consumer.label, "url": consumer.url, "via": consumer.via}


PRODUCT_IMPACT = inline_serializer(
    "ProductImpact",
    {
        "product": serializers.CharField(),
        "products": inline_serializer(
            "ProductImpactItem", {**_PRODUCT, "owner_team": serializers.CharField()}, many=True
        ),
        "teams": serializers.ListField(child=serializers.CharField()),
        "consumers": ConsumerSerializer(many=True),
    },
)

SEARCH = inline_serializer(
    "LineageSearch",
    {
        "results": inline_serializer(
            "LineageSearchHit",
            {"id": serializers.CharField(), "type": serializers.CharField(), "label": serializers.CharField()},
            many=True,
        )
    },
)


class ImpactSerializer(serializers.Serializer):
    """The shape of an impact answer, for the schema (answers are built by `impact_dict`)."""

    node = serializers.CharField()
    dataset_count = serializers.IntegerField(help_text="Every dataset downstream.")
    product_count = serializers.IntegerField(help_text="Every affected product.")
    datasets = serializers.ListField(child=serializers.DictField(), help_text="The nearest ones, at most `sample`.")
    fields = serializers.ListField(  # type: ignore[assignment]  # DRF's metaclass takes declared fields off the class
        child=serializers.DictField(), help_text="Affected columns (column impact)."
    )
    source_products = serializers.ListField(child=serializers.DictField(), help_text="Ports the node itself is.")
    products = serializers.ListField(child=serializers.DictField(), help_text="The 200 most affected, most first.")
    teams = serializers.ListField(child=serializers.DictField(), help_text="Every owning team.")
    consumers = ConsumerSerializer(many=True)


def impact_dict(impact: Impact) -> dict:
    """What ImpactSerializer describes, built directly: a hub's impact lists hundreds of entries, and DRF's field
    machinery would cost more than working them out."""
    return {
        "node": impact.node.node_id,
        "dataset_count": impact.dataset_count,
        "product_count": impact.product_count,
        "datasets": impact.datasets,
        "fields": impact.fields,
        "source_products": impact.source_products,
        "products": [
            {
                "id": a.product.identifier,
                "name": a.product.name,
                "url": a.product.url,
                "owner_team": a.product.team.slug,
                "datasets": a.dataset_count,
            }
            for a in impact.products
        ],
        "teams": [{"slug": t.slug, "name": t.name, "url": t.url} for t in impact.teams],
        "consumers": [consumer_dict(c) for c in impact.consumers],
    }
