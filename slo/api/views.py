"""SLO API: measurements in (`POST /api/v1/sli`), objectives managed (`/api/v1/slos`). Thin views over services."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import DataProduct
from core.actors import Actor
from core.errors import FieldError, NotFound, ValidationFailed
from slo.api.input import MeasurementBody, SloBody, parse_measurements, parse_slo
from slo.models import EVALUATION_FIELDS, Measurement, ServiceLevelObjective
from slo.services import measurements_record, parse_product_ref, slo_create, slo_delete, slo_update

PROBLEM = OpenApiResponse(description="RFC 7807 problem+json naming each bad field by JSON Pointer.")


class SloOut(serializers.ModelSerializer):
    product = serializers.SerializerMethodField()
    product_urn = serializers.SerializerMethodField()
    port = serializers.SerializerMethodField()

    class Meta:
        model = ServiceLevelObjective
        fields = [
            "id",
            "product",
            "product_urn",
            "port",
            "name",
            "kind",
            "description",
            "threshold",
            "min_rows",
            "max_rows",
            "comparator",
            "metric",
            "element",
            "risk_margin",
            "source",
            "contract_id",
            "source_property",
            *EVALUATION_FIELDS,
        ]

    def get_product(self, slo: ServiceLevelObjective) -> str:
        return slo.product.identifier

    def get_product_urn(self, slo: ServiceLevelObjective) -> str:
        return slo.product.urn

    def get_port(self, slo: ServiceLevelObjective) -> str:
        return slo.port.name if slo.port is not None else ""


class MeasurementOut(serializers.ModelSerializer):
    class Meta:
        model = Measurement
        fields = ["id", "slo", "value", "measured_at", "source", "key", "note", "received_at"]


def _measurement_bodies(results) -> list[dict]:
    # One list serializer for the batch: a ModelSerializer per row builds its fields anew each time, which made
    # serialising a bulk answer cost more than storing it (bench/slo.py).
    rows = MeasurementOut([r.measurement for r in results], many=True).data
    return [{**row, "action": "created" if r.created else "duplicate"} for row, r in zip(rows, results, strict=True)]


MEASUREMENT_RESPONSE = inline_serializer(
    "MeasurementRecorded",
    {
        "id": serializers.IntegerField(),
        "slo": serializers.IntegerField(),
        "value": serializers.FloatField(),
        "measured_at": serializers.DateTimeField(),
        "source": serializers.CharField(),
        "key": serializers.CharField(),
        "action": serializers.ChoiceField(["created", "duplicate"]),
    },
)


class SliIngest(APIView):
    @extend_schema(
        request={"application/json": MeasurementBody},
        responses={
            200: MEASUREMENT_RESPONSE,
            201: MEASUREMENT_RESPONSE,
            400: PROBLEM,
            403: PROBLEM,
            404: PROBLEM,
            409: PROBLEM,
        },
        description=(
            'Record SLI measurements. Send one measurement, or `{"measurements": [...]}` (up to 1000; all are '
            "stored or none). Identify the objective by `slo` (id) or by `product` (URN or domain/slug) + `slo` "
            "(name). Needs a token of the product's team (or of a team owning its domain) with the `write:sli` "
            "scope, or a session of a member of such a team, or staff. A resend "
            "with the same `key` (or, without one, the same objective, time and value) answers the stored "
            'measurement with 200 and stores nothing. A bulk request answers `{"results": [...]}` in order.'
        ),
        examples=[
            OpenApiExample(
                "By name",
                value={
                    "product": "urn:dataproduct:sales:orders",
                    "slo": "completeness",
                    "value": 0.997,
                    "measured_at": "2025-01-31T09:30:00Z",
                    "key": "orders-2025-01-31",
                },
            ),
            OpenApiExample("Bulk", value={"measurements": [{"slo": 12, "value": 120345}]}),
        ],
    )
    def post(self, request: Request) -> Response:
        items, bulk = parse_measurements(request.data)
        results = measurements_record(actor=Actor.from_request(request), items=items)
        created = any(r.created for r in results)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        bodies = _measurement_bodies(results)
        return Response({"results": bodies} if bulk else bodies[0], status=code)


def _product(ref: str, path: str) -> DataProduct:
    parsed = parse_product_ref(ref)
    if parsed is None:
        raise ValidationFailed([FieldError(path, "A product URN (urn:dataproduct:domain:slug) or 'domain/slug'.")])
    product = (
        DataProduct.objects.select_related("domain__parent", "owner_team")
        .filter(domain__slug=parsed[0], slug=parsed[1])
        .first()
    )
    if product is None:
        raise NotFound(f"No product '{parsed[0]}/{parsed[1]}'.", path=path)
    return product


def _slo(pk: int) -> ServiceLevelObjective:
    slo = (
        ServiceLevelObjective.objects.select_related("product__domain__parent", "product__owner_team", "port")
        .filter(pk=pk)
        .first()
    )
    if slo is None:
        raise NotFound(f"No service level objective with id {pk}.")
    return slo


class SloList(generics.GenericAPIView):
    """Paginated like every list of the API (`page`, `page_size`; core.api.pagination.PagePagination)."""

    serializer_class = SloOut
    queryset = ServiceLevelObjective.objects.none()

    @extend_schema(
        parameters=[OpenApiParameter("product", str, description="URN or domain/slug", required=False)],
        responses={200: SloOut(many=True), 400: PROBLEM, 404: PROBLEM},
    )
    def get(self, request: Request) -> Response:
        query = ServiceLevelObjective.objects.select_related("product__domain", "port").order_by("product_id", "name")
        ref = request.query_params.get("product")
        if ref:
            query = query.for_product(_product(ref, "/product"))
        page = self.paginate_queryset(query)
        return self.get_paginated_response(SloOut(page, many=True).data)

    @extend_schema(
        request=SloBody,
        responses={201: SloOut, 400: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM},
        description="Define an objective by hand (owners and stewards, or a token with write:products).",
    )
    def post(self, request: Request) -> Response:
        ref, spec = parse_slo(request.data, require_product=True)
        # The service's answer carries the product (with its domain) and the port: no second read to serialise it.
        slo = slo_create(actor=Actor.from_request(request), product=_product(ref, "/product"), spec=spec)
        return Response(SloOut(slo).data, status=status.HTTP_201_CREATED)


class SloDetail(APIView):
    @extend_schema(responses={200: SloOut, 404: PROBLEM})
    def get(self, request: Request, pk: int) -> Response:
        return Response(SloOut(_slo(pk)).data)

    @extend_schema(
        request=SloBody,
        responses={200: SloOut, 400: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM},
        description="Replace a hand-made objective. Objectives from contracts answer 409: change the contract.",
    )
    def put(self, request: Request, pk: int) -> Response:
        slo = _slo(pk)
        _, spec = parse_slo(request.data, require_product=False)
        return Response(SloOut(slo_update(actor=Actor.from_request(request), slo=slo, spec=spec)).data)

    @extend_schema(responses={204: None, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM})
    def delete(self, request: Request, pk: int) -> Response:
        slo_delete(actor=Actor.from_request(request), slo=_slo(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SloMeasurements(generics.GenericAPIView):
    """The objective's raw measurements, newest first, paginated. Raw measurements are kept for
    PORTAL_SLO_MEASUREMENT_RETENTION_DAYS (plus the latest older one); see docs/slo.md."""

    serializer_class = MeasurementOut
    queryset = Measurement.objects.none()

    @extend_schema(responses={200: MeasurementOut(many=True), 400: PROBLEM, 404: PROBLEM})
    def get(self, request: Request, pk: int) -> Response:
        slo = _slo(pk)
        page = self.paginate_queryset(Measurement.objects.filter(slo=slo).order_by("-measured_at", "-pk"))
        return self.get_paginated_response(MeasurementOut(page, many=True).data)
