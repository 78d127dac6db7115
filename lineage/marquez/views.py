"""Marquez's read endpoints. Thin: parameters checked here, rows read by `lineage.marquez.selectors`.

Refusals are the portal's problem+json, with Marquez's own error members (`code`, `message`) added, so clients
written for either shape read them.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import FieldError, NotFound, ValidationFailed
from lineage.api import views as lineage_views
from lineage.marquez import routing, selectors
from lineage.models import Dataset, Job

PROBLEM = lineage_views.PROBLEM
LIMIT = OpenApiParameter("limit", int, description="How many to answer (default 100, at most 1,000).")
OFFSET = OpenApiParameter("offset", int, description="How many to skip (default 0).")
PAGED: dict[str, Any] = {
    "parameters": [LIMIT, OFFSET],
    "responses": {200: OpenApiTypes.OBJECT, 400: PROBLEM, 404: PROBLEM},
}
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
SEARCH_LIMIT = 10


def _bad(name: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(name, message)], message="The query has invalid parameters.")


def _int(request: Request, name: str, default: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if not 0 <= value <= high:
        raise _bad(name, f"A whole number from 0 to {high}.")
    return value


def _paging(request: Request, default: int = DEFAULT_LIMIT) -> dict[str, int]:
    return {"limit": _int(request, "limit", default, MAX_LIMIT), "offset": _int(request, "offset", 0, 10**9)}


def _when(request: Request, name: str, *, date_only: bool = False) -> datetime | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    value: datetime | None = None
    try:  # the parsers raise ValueError for a well-formed but impossible date (2025-02-30)
        if not date_only:
            value = parse_datetime(raw)
        if value is None:
            day = parse_date(raw)
            value = datetime.combine(day, time.min) if day else None
    except ValueError:
        value = None
    if value is None:
        raise _bad(name, "An ISO 8601 date (YYYY-MM-DD) or date-time." if not date_only else "A date, YYYY-MM-DD.")
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


class MarquezView(APIView):
    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(response.data, dict) and "status" in response.data:
            response.data.setdefault("code", response.status_code)
            response.data.setdefault("message", response.data.get("detail", ""))
        return response


def _listing(key: str, page: selectors.Page) -> Response:
    return Response({key: page.items, "totalCount": page.total})


class Namespaces(MarquezView):
    @extend_schema(operation_id="marquez_namespaces", **PAGED)
    def get(self, request: Request) -> Response:
        """Every namespace that holds a dataset or a job, by name, with `limit`/`offset` paging."""
        return _listing("namespaces", selectors.namespaces(**_paging(request)))


def _named_exists(route: routing.Route) -> bool:
    model = Job if route.kind == "job" else Dataset
    if model.objects.filter(namespace=route.namespace, name=route.name).exists():
        return True
    return route.kind == "dataset" and selectors.find_dataset(route.namespace, route.name) is not None


class NamespacePaths(MarquezView):
    """/namespaces/{namespace}[/datasets[/{dataset}[/versions[/{version}]]] | /jobs[/{job}[/versions...|/runs]]]"""

    @extend_schema(operation_id="marquez_namespace_paths", **PAGED)
    def get(self, request: Request, rest: str) -> Response:
        route = routing.resolve(rest, namespace_exists=selectors.namespace_exists, named_exists=_named_exists)
        ns, name, version = route.namespace, route.name, route.version
        match route.what:
            case "namespace":
                return Response(selectors.namespace_detail(ns))
            case "datasets":
                return _listing("datasets", selectors.datasets(ns, **_paging(request)))
            case "dataset":
                return Response(selectors.dataset_detail(ns, name))
            case "dataset-versions":
                return _listing("versions", selectors.dataset_versions(ns, name, **_paging(request)))
            case "dataset-version":
                return Response(selectors.dataset_version(ns, name, version))
            case "jobs":
                return _listing("jobs", selectors.jobs(ns, **_paging(request)))
            case "job":
                return Response(selectors.job_detail(ns, name))
            case "job-versions":
                return _listing("versions", selectors.job_versions(ns, name, **_paging(request)))
            case "job-version":
                return Response(selectors.job_version(ns, name, version))
            case _:  # job-runs
                return _listing("runs", selectors.job_runs(ns, name, **_paging(request)))


class RunDetail(MarquezView):
    @extend_schema(operation_id="marquez_run", responses={200: OpenApiTypes.OBJECT, 404: PROBLEM})
    def get(self, request: Request, run_id) -> Response:
        return Response(selectors.run_detail(str(run_id)))


class RunFacets(MarquezView):
    @extend_schema(
        operation_id="marquez_run_facets",
        parameters=[OpenApiParameter("type", str, enum=["run", "job"], required=True)],
        responses={200: OpenApiTypes.OBJECT, 400: PROBLEM, 404: PROBLEM},
    )
    def get(self, request: Request, run_id) -> Response:
        kind = request.query_params.get("type", "")
        if kind not in ("run", "job"):
            raise _bad("type", "One of run, job.")
        return Response(selectors.run_facets(str(run_id), kind))


class Sources(MarquezView):
    @extend_schema(operation_id="marquez_sources", **PAGED)
    def get(self, request: Request) -> Response:
        """The data sources datasets named in their dataSource facet."""
        return _listing("sources", selectors.sources(**_paging(request)))


class SourceDetail(MarquezView):
    @extend_schema(operation_id="marquez_source", responses={200: OpenApiTypes.OBJECT, 404: PROBLEM})
    def get(self, request: Request, name: str) -> Response:
        return Response(selectors.source_detail(name))


class Tags(MarquezView):
    @extend_schema(operation_id="marquez_tags", **PAGED)
    def get(self, request: Request) -> Response:
        """The catalog's product tags."""
        return _listing("tags", selectors.tags(**_paging(request)))


class LineageEvents(MarquezView):
    @extend_schema(
        operation_id="marquez_lineage_events",
        parameters=[
            LIMIT,
            OFFSET,
            OpenApiParameter("sortDirection", str, enum=["asc", "desc"]),
            OpenApiParameter("before", OpenApiTypes.DATETIME),
            OpenApiParameter("after", OpenApiTypes.DATETIME),
            OpenApiParameter("namespace", str),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: PROBLEM},
    )
    def get(self, request: Request, namespace: str = "") -> Response:
        """The OpenLineage events received, as sent, newest first unless `sortDirection=asc`."""
        direction = request.query_params.get("sortDirection", "desc").lower()
        if direction not in ("asc", "desc"):
            raise _bad("sortDirection", "One of asc, desc.")
        page = selectors.events(
            ascending=direction == "asc",
            before=_when(request, "before"),
            after=_when(request, "after"),
            namespace=namespace or request.query_params.get("namespace", ""),
            **_paging(request),
        )
        return _listing("events", page)


class LineageEventsForClient(LineageEvents):
    """`/events` and `/events/{namespace}`, the paths marquez-python's list_events() asks for; left out of the
    schema, where `/events/lineage` describes them."""

    @extend_schema(exclude=True)
    def get(self, request: Request, namespace: str = "") -> Response:
        if namespace and not selectors.namespace_exists(namespace):
            raise NotFound(f"Namespace '{namespace}' not found.", path="namespace")
        return super().get(request, namespace)


class Search(MarquezView):
    @extend_schema(
        operation_id="marquez_search",
        parameters=[
            OpenApiParameter("q", str, required=True),
            OpenApiParameter("filter", str, enum=["dataset", "job"]),
            OpenApiParameter("sort", str, enum=["name", "updated_at"]),
            LIMIT,
            OpenApiParameter("namespace", str),
            OpenApiParameter("before", OpenApiTypes.DATE),
            OpenApiParameter("after", OpenApiTypes.DATE),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: PROBLEM},
    )
    def get(self, request: Request) -> Response:
        """Datasets and jobs whose name matches `q` (a LIKE pattern: `%` any run, `_` one character)."""
        q = request.query_params.get("q", "").strip()
        if not q:
            raise _bad("q", "Give a name or pattern to search for.")
        kind = request.query_params.get("filter", "").upper()
        if kind not in ("", "DATASET", "JOB"):
            raise _bad("filter", "One of dataset, job.")
        sort = request.query_params.get("sort", "name").lower()
        if sort not in ("name", "updated_at"):
            raise _bad("sort", "One of name, updated_at.")
        page = selectors.search(
            q=q,
            kind=kind,
            sort=sort,
            limit=_int(request, "limit", SEARCH_LIMIT, MAX_LIMIT),
            namespace=request.query_params.get("namespace", ""),
            before=_when(request, "before", date_only=True),
            after=_when(request, "after", date_only=True),
        )
        return Response({"totalCount": page.total, "results": page.items})


def _without_nulls(value):
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


class Lineage(lineage_views.Lineage):
    """Marquez's `/lineage`: the same ingestion and graph, with Marquez's default depth (20) and, as everywhere
    under this prefix, unknown optional values left out rather than null."""

    default_depth = 20

    def get(self, request: Request) -> Response:
        response = super().get(request)
        response.data["graph"] = [_without_nulls(node) for node in response.data["graph"]]
        return response


class ColumnLineage(lineage_views.ColumnLineage):
    def get(self, request: Request) -> Response:
        response = super().get(request)
        response.data["graph"] = [_without_nulls(node) for node in response.data["graph"]]
        return response
