"""Usage API: records in (`POST /api/v1/usage`), show-back out (`GET /api/v1/usage/products/...`,
`/api/v1/usage/teams/...`), and the mesh's value figures (`GET /api/v1/mesh/metrics`). Thin views."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import DataProduct, Team
from core.actors import Actor
from usage import mesh, selectors
from usage.api.input import MAX_BULK, parse_usage
from usage.permissions import cost_viewer
from usage.selectors import Showback, Totals
from usage.services import usage_record

PROBLEM = OpenApiResponse(description="RFC 7807 problem+json naming each bad field by JSON Pointer.")

INGESTED = inline_serializer(
    "UsageIngested",
    {
        "received": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
    },
)


class UsageIngest(APIView):
    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: INGESTED, 201: INGESTED, 400: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM},
        description=(
            'Record daily usage of output ports per consumer. Send one record, or `{"records": [...]}` (up to '
            f"{MAX_BULK:,}; all are stored or none). A record is identified by its day, port and consumer: sent "
            "again with the same figures it changes nothing (`unchanged`), with other figures it replaces the stored "
            "one (`updated`). Needs a token of the product's team (or of a team owning its domain) with the "
            "`write:usage` scope, a session of a member of such a team, or staff. Answers 201 when anything was "
            "stored, else 200. See docs/usage.md."
        ),
        examples=[
            OpenApiExample(
                "One record",
                value={
                    "day": "2025-01-31",
                    "product": "urn:dataproduct:sales:orders",
                    "port": "orders_table",
                    "team": "finance-team",
                    "queries": 42,
                    "rows_read": 1200000,
                    "bytes_read": 5400000000,
                    "compute_seconds": 310.5,
                    "cost": "3.75",
                    "currency": "EUR",
                },
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        items, _ = parse_usage(request.data)
        result = usage_record(actor=Actor.from_request(request), items=items)
        code = status.HTTP_201_CREATED if result.created or result.updated else status.HTTP_200_OK
        return Response(
            {
                "received": result.received,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
            status=code,
        )


def _totals(t: Totals) -> dict:
    return {
        "queries": t.queries,
        "rows_read": t.rows_read,
        "bytes_read": t.bytes_read,
        "compute_seconds": round(t.compute_seconds, 3),
        # null, not 0, when the caller may not see it
        "cost": {c: str(a.quantize(a.__class__("0.01"))) for c, a in sorted(t.cost.items())}
        if t.cost_visible
        else None,
    }


def _board(board: Showback) -> dict:
    return {
        "cost_visible": board.cost_visible,
        "months": [
            {"month": m.strftime("%Y-%m"), **_totals(t)} for m, t in zip(board.months, board.by_month, strict=True)
        ],
        "total": _totals(board.total),
    }


class ProductUsage(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: PROBLEM})
    def get(self, request: Request, domain: str, slug: str) -> Response:
        """A product's usage by month over 12 months and its consumers. `cost` is null where the caller may not
        see it: owners, the consumer billed and staff see cost."""
        product = get_object_or_404(
            DataProduct.objects.select_related("domain", "owner_team"), domain__slug=domain, slug=slug
        )
        board = selectors.product_showback(product, cost_viewer(Actor.from_request(request)))
        return Response(
            {
                "product": product.identifier,
                "active_consumers_30d": board.active_consumers,
                "last_used": board.last_used.isoformat() if board.last_used else None,
                **_board(board),
                "consumers": [{"consumer": c.label, "kind": c.kind, **_totals(c.totals)} for c in board.lines],
            }
        )


class TeamUsage(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: PROBLEM})
    def get(self, request: Request, slug: str) -> Response:
        """A team's consumption by month over 12 months and per product it read (its show-back). The team's
        members and staff see its cost; a product's owners see the cost on their product."""
        team = get_object_or_404(Team, slug=slug)
        board = selectors.team_showback(team, cost_viewer(Actor.from_request(request)))
        return Response(
            {
                "team": team.slug,
                **_board(board),
                "products": [
                    {"product": p.identifier, "domain": p.domain, "owner_team": p.team, **_totals(p.totals)}
                    for p in board.lines
                ],
            }
        )


class MeshMetrics(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        """Time to market per domain and per month, products per domain over time, the cross-domain consumption
        matrix and the share of products consumed outside their domain; each figure says how it is computed.
        `computed_at`: when; each server process recomputes them at most every PORTAL_MESH_METRICS_MAX_AGE
        seconds (default 300)."""
        return Response(mesh.as_dict(mesh.current_metrics()))
