"""Lineage API: OpenLineage ingestion (as Marquez takes it) and graph reads (as Marquez answers them)."""

from __future__ import annotations

import zlib

from django.conf import settings
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import audit_record_in_transaction
from catalog.models import DataProduct, Domain
from core.actors import Actor
from core.api.params import flag
from core.errors import ApplicationError, FieldError, ValidationFailed
from core.parsers import JSONTooDeep, load_json
from lineage import selectors
from lineage.api import serializers as s
from lineage.graph import get_graph
from lineage.models import Dataset, Job
from lineage.naming import dataset_node_id, job_node_id
from lineage.openlineage import parse_batch, parse_event
from lineage.selectors import products as product_selectors
from lineage.selectors.catalog_info import catalog_info
from lineage.services.ingest import lineage_events_ingest
from tokens.auth import BearerTokenAuthentication

PROBLEM = OpenApiResponse(description="RFC 7807 problem+json naming each bad field by JSON Pointer.")
BATCH_MAX = getattr(settings, "LINEAGE_BATCH_MAX_EVENTS", 1000)
JSON_TYPES = ("application/json", "application/openlineage+json", "text/json")


def _query_error(name: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(name, message)], message="The query has invalid parameters.")


def read_json_body(request: Request) -> object:
    """The body as JSON: gzip undone (never past the size cap), content type checked, errors as problem+json."""
    content_type = (request.content_type or "").split(";")[0].strip().lower()
    if content_type and content_type not in JSON_TYPES and not content_type.endswith("+json"):
        raise ApplicationError(
            "Send OpenLineage events as application/json.", status=415, code="unsupported-media-type"
        )
    body = request.body
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding == "gzip":
        # The cap on the decompressed size is the same as on a plain body, so gzip is no way around it.
        cap = getattr(settings, "LINEAGE_MAX_DECOMPRESSED_BYTES", settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(body, cap + 1)
        except zlib.error as exc:
            raise ValidationFailed([FieldError("", f"The gzip body cannot be read: {exc}.")]) from exc
        if len(body) > cap or inflater.unconsumed_tail:
            raise ApplicationError(f"The decompressed body is over {cap} bytes.", status=413, code="payload-too-large")
        if not inflater.eof:
            raise ValidationFailed([FieldError("", "The gzip body is cut short.")])
    elif encoding not in ("", "identity"):
        raise ApplicationError(
            f"Content-Encoding '{encoding}' is not supported; send gzip or nothing.",
            status=415,
            code="unsupported-media-type",
        )
    try:
        return load_json(body)
    except JSONTooDeep as exc:
        raise ValidationFailed([FieldError("", str(exc))]) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed([FieldError("", f"The body is not valid JSON: {exc}.")]) from exc


class _TokenWritesSessionReads(APIView):
    """Writes come from pipelines with a bearer token only (so no CSRF); reads also from a signed-in browser."""

    def get_authenticators(self):
        if self.request is not None and self.request.method not in ("GET", "HEAD", "OPTIONS"):
            return [BearerTokenAuthentication()]
        return [BearerTokenAuthentication(), SessionAuthentication()]


def _answer_status(stored: int) -> int:
    return status.HTTP_201_CREATED if stored else status.HTTP_200_OK


def _ingest(request: Request, events: list) -> Response:
    """Store the events and answer; the audit entry is written in the same transaction (one commit, one turn
    of the database's writer lock per request)."""
    result = lineage_events_ingest(
        actor=Actor.from_request(request),
        events=events,
        in_transaction=lambda stored: audit_record_in_transaction(request, status_code=_answer_status(stored)),
    )
    body = {"received": result.received, "stored": result.stored, "duplicates": result.duplicates}
    return Response(body, status=_answer_status(result.stored))


class Lineage(_TokenWritesSessionReads):
    parser_classes: list = []
    default_depth = 2

    @extend_schema(
        operation_id="lineage_ingest",
        request={"application/json": OpenApiTypes.OBJECT},
        responses={201: s.INGEST_RESULT, 200: s.INGEST_RESULT, 400: PROBLEM, 401: PROBLEM, 403: PROBLEM, 413: PROBLEM},
        description=(
            "Store one OpenLineage RunEvent, DatasetEvent or JobEvent, as the openlineage-python HttpTransport "
            "sends it (optionally `Content-Encoding: gzip`). Needs a token with the `write:lineage` scope. "
            "201 when stored; 200 when it was a replay of an event already stored (nothing changes)."
        ),
    )
    def post(self, request: Request) -> Response:
        return _ingest(request, [parse_event(read_json_body(request))])

    @extend_schema(
        operation_id="lineage_graph",
        parameters=[s.NODE_ID, s.DEPTH, s.DIRECTION, s.MAX_NODES],
        responses={200: s.GRAPH, 400: PROBLEM, 404: PROBLEM},
        description=(
            "The lineage graph around a dataset or job in Marquez's shape. `depth` counts jobs away from the node "
            "(default 2, at most 20); `direction` narrows it to upstream or downstream; at most `maxNodes` nodes, "
            "nearest first (`truncated` tells when some were left out)."
        ),
    )
    def get(self, request: Request) -> Response:
        node = selectors.resolve_node(request.query_params.get("nodeId", ""))
        depth = selectors.check_depth(request.query_params.get("depth"), self.default_depth)
        direction = request.query_params.get("direction", "both")
        if direction not in ("both", "upstream", "downstream"):
            raise _query_error("direction", "One of both, upstream, downstream.")
        max_nodes = _bounded_int(request, "maxNodes", 1000, 1, 5000)
        answer = selectors.lineage_graph(
            node, depth=depth, up=direction != "downstream", down=direction != "upstream", max_nodes=max_nodes
        )
        return Response({"graph": answer.graph, "truncated": answer.truncated})


def _bounded_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise _query_error(name, f"A whole number from {low} to {high}.")
    return value


class LineageBatch(APIView):
    authentication_classes = [BearerTokenAuthentication]
    parser_classes: list = []

    @extend_schema(
        operation_id="lineage_ingest_batch",
        request={"application/json": OpenApiTypes.OBJECT},
        responses={201: s.INGEST_RESULT, 200: s.INGEST_RESULT, 400: PROBLEM, 401: PROBLEM, 403: PROBLEM, 413: PROBLEM},
        description=(
            f"A JSON array of up to {BATCH_MAX} OpenLineage events, stored all or none: every event is checked "
            "first and any error (named `/<index>/<field>`) refuses the whole batch. Replays inside are skipped."
        ),
    )
    def post(self, request: Request) -> Response:
        return _ingest(request, parse_batch(read_json_body(request), max_items=BATCH_MAX))


class ColumnLineage(APIView):
    @extend_schema(
        parameters=[s.FIELD_NODE_ID, s.DEPTH, s.WITH_DOWNSTREAM],
        responses={200: s.GRAPH, 400: PROBLEM, 404: PROBLEM},
        description="Column lineage in Marquez's shape, from a field (or every field of a dataset). "
        "Upstream always; downstream too with `withDownstream=true`. `depth` counts column hops (default 10).",
    )
    def get(self, request: Request) -> Response:
        node = selectors.resolve_node(request.query_params.get("nodeId", ""), kinds=("dataset", "datasetField"))
        depth = selectors.check_depth(request.query_params.get("depth"), 10)
        downstream = request.query_params.get("withDownstream", "false").lower() in ("1", "true", "yes")
        return Response({"graph": selectors.column_lineage(node, depth=depth, with_downstream=downstream)})


class LineageImpact(APIView):
    @extend_schema(
        parameters=[s.ANY_NODE_ID, s.SAMPLE],
        responses={200: s.ImpactSerializer, 400: PROBLEM, 404: PROBLEM},
        description="What is downstream of a dataset, job or column: datasets (count, nearest first), "
        "products, their owning teams, and the consumers known to use those products.",
    )
    def get(self, request: Request) -> Response:
        node = selectors.resolve_node(request.query_params.get("nodeId", ""), kinds=("dataset", "job", "datasetField"))
        impact = selectors.impact_of(node, sample=_bounded_int(request, "sample", 50, 0, 1000))
        return Response(s.impact_dict(impact))


class LineagePath(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, required=True, description="dataset:<ns>:<name> or job:<ns>:<name>"),
            OpenApiParameter("to", str, required=True, description="dataset:<ns>:<name> or job:<ns>:<name>"),
        ],
        responses={200: s.PATH, 400: PROBLEM, 404: PROBLEM},
        description="The shortest path between two nodes following the data: from `from` down to `to`, or, when "
        "data flows the other way, from `to` down to `from` (`direction` says which). Empty when unconnected.",
    )
    def get(self, request: Request) -> Response:
        source = selectors.resolve_node(request.query_params.get("from", ""))
        target = selectors.resolve_node(request.query_params.get("to", ""))
        graph = get_graph()
        with graph.lock:
            path, direction = graph.path(source.graph_id, target.graph_id), "downstream"
            if path is None:
                path, direction = graph.path(target.graph_id, source.graph_id), "upstream"
        ids = path or []
        datasets = {d.pk: d for d in Dataset.objects.filter(id__in=[n for n in ids if n > 0])}
        jobs = {j.pk: j for j in Job.objects.filter(id__in=[-n for n in ids if n < 0])}
        names = [
            job_node_id(jobs[-n].namespace, jobs[-n].name)
            if n < 0
            else dataset_node_id(datasets[n].namespace, datasets[n].name)
            for n in ids
        ]
        return Response(
            {"from": source.node_id, "to": target.node_id, "direction": direction if path else None, "path": names}
        )


def _product(domain: str, slug: str) -> DataProduct:
    return get_object_or_404(DataProduct.objects.select_related("domain", "owner_team"), domain__slug=domain, slug=slug)


class ProductLineage(APIView):
    @extend_schema(
        parameters=[s.PRODUCT_DEPTH, s.KIND, s.DIRECTION, s.PRODUCT_MAX_NODES],
        responses={200: s.PRODUCT_GRAPH, 400: PROBLEM, 404: PROBLEM},
        description="Product-level lineage: which products feed this one and which it feeds, up to `depth` hops "
        "(default 1), across domains. Each edge is `declared` (an input port on one of the producer's output "
        "ports), `observed` (OpenLineage shows data flowing between datasets mapped to their ports) or `both`; "
        "`kind` keeps only declared or observed edges. Edges carry their input and output ports and, when "
        "observed, example dataset pairs. At most `maxNodes` products, nearest first (`truncated` says so).",
    )
    def get(self, request: Request, domain: str, slug: str) -> Response:
        depth = selectors.check_depth(request.query_params.get("depth"), 1)
        kind = selectors.check_kind(request.query_params.get("kind"))
        direction = _direction(request)
        limit = _bounded_int(request, "maxNodes", product_selectors.NEIGHBOURHOOD_LIMIT, 1, 10_000)
        product = _product(domain, slug)
        return Response(selectors.product_lineage(product, depth=depth, kind=kind, direction=direction, limit=limit))


class MeshLineage(APIView):
    @extend_schema(
        operation_id="lineage_mesh",
        parameters=[s.KIND, s.DOMAIN, s.MINE, s.PRODUCT_MAX_NODES],
        responses={200: s.MESH_GRAPH, 400: PROBLEM, 404: PROBLEM},
        description="The product graph of the whole mesh (products with at least one edge of `kind`), or of one "
        "`domain`'s products, or (`mine=true`) of the products the signed-in person's teams own, each with their "
        "direct neighbours. Domains come as groups and every product with a position for drawing. At most "
        "`maxNodes` products (default and most 10,000), the most connected kept.",
    )
    def get(self, request: Request) -> Response:
        kind = selectors.check_kind(request.query_params.get("kind"))
        limit = _bounded_int(request, "maxNodes", product_selectors.MESH_LIMIT, 1, product_selectors.MESH_LIMIT)
        domain = None
        if request.query_params.get("domain"):
            domain = get_object_or_404(Domain, slug=request.query_params["domain"])
        team_ids = None
        if flag(request.query_params, "mine"):
            team_ids = Actor.from_request(request).team_ids
        return Response(selectors.mesh_map(kind=kind, domain=domain, team_ids=team_ids, limit=limit))


def _direction(request: Request) -> str:
    direction = request.query_params.get("direction", "both")
    if direction not in ("both", "upstream", "downstream"):
        raise _query_error("direction", "One of both, upstream, downstream.")
    return direction


class ProductImpact(APIView):
    @extend_schema(
        parameters=[s.KIND],
        responses={200: s.PRODUCT_IMPACT, 400: PROBLEM, 404: PROBLEM},
        description="Every product downstream of this one over declared and observed edges (or only one `kind`), "
        "with its owning team and known consumers.",
    )
    def get(self, request: Request, domain: str, slug: str) -> Response:
        kind = selectors.check_kind(request.query_params.get("kind"))
        product = _product(domain, slug)
        affected = selectors.product_impact(product, kind=kind)
        graph = get_graph()
        with graph.lock:
            consumers = selectors.consumers_of({p.pk for p in affected} | {product.pk}, catalog_info(graph))
        return Response(
            {
                "product": product.identifier,
                "products": [
                    {"id": p.identifier, "name": p.name, "url": p.get_absolute_url(), "owner_team": p.owner_team.slug}
                    for p in affected
                ],
                "teams": sorted({p.owner_team.slug for p in affected}),
                "consumers": [s.consumer_dict(c) for c in consumers],
            }
        )


class LineageSearch(APIView):
    @extend_schema(
        # Optional: under two characters the answer is no results, not an error (schemathesis found the mismatch).
        parameters=[OpenApiParameter("q", str, required=False)],
        responses={200: s.SEARCH},
        description="Datasets and jobs whose namespace or name contains `q` (at most 20 each), for the lineage page.",
    )
    def get(self, request: Request) -> Response:
        q = request.query_params.get("q", "").strip()
        if len(q) < 2:
            return Response({"results": []})
        match = Q(name__icontains=q) | Q(namespace__icontains=q)
        datasets = Dataset.objects.filter(match).order_by("name").values_list("namespace", "name")[:20]
        jobs = Job.objects.filter(match).order_by("name").values_list("namespace", "name")[:20]
        results = [{"id": dataset_node_id(ns, n), "type": "DATASET", "label": n} for ns, n in datasets]
        results += [{"id": job_node_id(ns, n), "type": "JOB", "label": n} for ns, n in jobs]
        return Response({"results": results})
