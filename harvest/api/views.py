"""Harvest API: a dbt project's target files in, a summary of what was created, changed, unchanged and skipped out;
SQL connections' on-demand runs. Pipelines call it with a team's token."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.actors import Actor
from core.api.params import flag
from core.errors import FieldError, ValidationFailed
from core.parsers import JSONTooDeep, load_json
from harvest.models import Connection
from harvest.selectors import run_answer
from harvest.services.dbt import DbtFiles, harvest_dbt
from harvest.services.sql import harvest_connection
from tokens.auth import BearerTokenAuthentication

PROBLEM = OpenApiResponse(description="RFC 7807 problem+json naming each bad field by JSON Pointer.")
PARTS = ("manifest", "catalog", "run_results", "mapping")
DOMAIN = OpenApiParameter("domain", str, required=True, description="The domain the products are harvested into.")


def _json_part(value, name: str):
    if value is None:
        return None
    raw = value.read() if hasattr(value, "read") else value
    try:
        return load_json(raw)
    except JSONTooDeep as exc:
        raise ValidationFailed([FieldError(f"/{name}", str(exc))]) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed([FieldError(f"/{name}", f"Not valid JSON: {exc}.")]) from exc


def _files(request: Request) -> DbtFiles:
    content_type = (request.content_type or "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form: Any = request.data  # a QueryDict for multipart bodies
        parts = {name: request.FILES.get(name) or form.get(name) for name in PARTS}
        if parts["manifest"] is None:
            raise ValidationFailed([FieldError("/manifest", "Required: the manifest.json part.")])
        return DbtFiles(**{name: _json_part(value, name) for name, value in parts.items()})
    body = _json_part(request.body, "manifest")
    # The manifest itself, or {"manifest": ..., "catalog": ..., "run_results": ..., "mapping": ...}.
    if isinstance(body, dict) and "manifest" in body and "nodes" not in body:
        wrapped: dict = body
        return DbtFiles(**{name: wrapped.get(name) for name in PARTS})
    return DbtFiles(manifest=body)


class DbtHarvestView(APIView):
    authentication_classes = [BearerTokenAuthentication]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="harvest_dbt",
        parameters=[
            DOMAIN,
            OpenApiParameter("namespace", str, description="OpenLineage namespace of the datasets."),
            OpenApiParameter("connection", str, description="A connection of the domain whose host names them."),
            OpenApiParameter("retire_removed", bool, description="Retire products whose models are all gone."),
        ],
        request={"application/json": OpenApiTypes.OBJECT, "multipart/form-data": OpenApiTypes.OBJECT},
        responses={200: OpenApiTypes.OBJECT, 400: PROBLEM, 401: PROBLEM, 403: PROBLEM, 404: PROBLEM},
        description=(
            "Harvest a dbt project's target files (docs/harvest.md): the manifest as the JSON body, or multipart "
            "with `manifest`, `catalog`, `run_results` and `mapping` parts. Needs a token with the "
            "`write:products` and `write:lineage` scopes. Answers what was created, changed, unchanged and skipped."
        ),
    )
    def post(self, request: Request) -> Response:
        domain = request.query_params.get("domain", "")
        if not domain:
            raise ValidationFailed([FieldError("/domain", "Required: the domain to harvest into (?domain=).")])
        files = _files(request)
        result = harvest_dbt(
            actor=Actor.from_request(request),
            domain_slug=domain,
            files=files,
            namespace=request.query_params.get("namespace", ""),
            connection=request.query_params.get("connection", ""),
            retire_removed=flag(request.query_params, "retire_removed"),
        )
        return Response(
            {
                "run": result.run.pk,
                "project": result.project.name,
                "namespace": result.namespace,
                **result.summary.as_dict(),
            }
        )


class ConnectionRunView(APIView):
    authentication_classes = [BearerTokenAuthentication]

    @extend_schema(
        operation_id="harvest_connection_run",
        request=None,
        responses={200: OpenApiTypes.OBJECT, 401: PROBLEM, 403: PROBLEM, 404: PROBLEM},
        description="Harvest one SQL connection now; answers the run (its status, counts and errors).",
    )
    def post(self, request: Request, domain: str, name: str) -> Response:
        connection = get_object_or_404(Connection.objects.select_related("domain"), domain__slug=domain, name=name)
        run = harvest_connection(actor=Actor.from_request(request), connection=connection)
        return Response(run_answer(run), status=status.HTTP_200_OK)
