"""REST API v1: thin views over selectors (reads) and services (writes)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import django_filters
import yaml
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api import serializers as s
from catalog.api.product_input import BulkIn, ProductIn, parse_bulk, parse_product
from catalog.descriptors.export import to_dcs, to_odcs
from catalog.models import DataContract, DataProduct, Domain, OutputPort, SchemaField, Team
from catalog.selectors import contract_spec_exported
from catalog.services.descriptors import (
    Target,
    descriptor_import,
    descriptor_preview,
    descriptors_bulk_import,
    descriptors_preview,
    product_preview,
    products_preview,
)
from catalog.services.products import (
    UpsertResult,
    product_delete,
    product_get,
    product_retire,
    product_upsert,
    products_bulk_upsert,
)
from core.actors import Actor
from core.api.params import flag
from core.errors import FieldError, NotFound, ValidationFailed

PROBLEM = OpenApiResponse(description="RFC 7807 problem+json naming each bad field by JSON Pointer.")
DRY_RUN = OpenApiParameter(
    "dry_run",
    bool,
    description="Store nothing; answer what would be created, changed (field by field, each change marked "
    "breaking or not) or left alone.",
)
TARGET = [
    OpenApiParameter("domain", str, description="The domain the documents go to, over what they say."),
    OpenApiParameter("product", str, description="The data product a contract attaches to (with domain)."),
    OpenApiParameter(
        "create_domain",
        bool,
        description="A DPDS descriptor's unknown info.domain is created under `parent` (staff or a platform team's "
        "token); without it the answer is a 404 naming the domain.",
    ),
    OpenApiParameter("parent", str, description="The parent domain of a domain created by create_domain."),
    OpenApiParameter(
        "descriptor", str, description="In a zip: the path of the descriptor, when several are at its top."
    ),
]


def _dry_run(request: Request) -> bool:
    value = request.query_params.get("dry_run", "").lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise ValidationFailed([FieldError("/dry_run", f"must be true or false, not {value!r}")])


def _target(request: Request) -> Target:
    params = request.query_params
    return Target(
        domain=params.get("domain", ""),
        product=params.get("product", ""),
        create_domain=flag(params, "create_domain"),
        parent=params.get("parent", ""),
        descriptor=params.get("descriptor", ""),
    )


def _uploaded(request: Request) -> tuple[bytes, str, dict[str, bytes]]:
    """The descriptor and the files sent with it: the body itself, or the parts of a multipart upload (the
    descriptor in part `descriptor`, every other file under the path its references use)."""
    if not (request.content_type or "").startswith("multipart/form-data"):
        return request.body, request.content_type or "", {}
    # Django parses the parts itself; DRF's parsers are off for this view.
    parts = request._request.FILES
    if "descriptor" not in parts:
        raise ValidationFailed([FieldError("/descriptor", "send the descriptor as the multipart part `descriptor`")])
    files: dict[str, bytes] = {}
    for name in parts:
        upload = parts.get(name)
        if upload is not None and name != "descriptor":
            files[name] = upload.read()
    main = parts.get("descriptor")
    assert main is not None
    return main.read(), main.content_type or "", files


def _outcomes_response(outcomes, *, dry_run: bool) -> Response:
    body = {"dry_run": dry_run, "results": [o.as_dict(dry_run=dry_run) for o in outcomes]}
    created = not dry_run and any(o.action == "created" for o in outcomes)
    return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class DomainFilter(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent__slug")
    owner_team = django_filters.CharFilter(field_name="owner_team__slug")

    class Meta:
        model = Domain
        fields = ["parent", "owner_team"]


class DomainList(generics.ListAPIView):
    serializer_class = s.DomainSerializer
    queryset = Domain.objects.select_related("owner_team", "parent").order_by("slug")
    filterset_class = DomainFilter


class DomainDetail(generics.RetrieveAPIView):
    serializer_class = s.DomainSerializer
    queryset = Domain.objects.select_related("owner_team", "parent")
    lookup_field = "slug"


class TeamList(generics.ListAPIView):
    serializer_class = s.TeamSerializer
    queryset = Team.objects.prefetch_related("memberships__user").order_by("slug")


class TeamDetail(generics.RetrieveAPIView):
    serializer_class = s.TeamSerializer
    queryset = Team.objects.prefetch_related("memberships__user")
    lookup_field = "slug"


class ProductFilter(django_filters.FilterSet):
    domain = django_filters.CharFilter(field_name="domain__slug")
    owner_team = django_filters.CharFilter(field_name="owner_team__slug")
    tag = django_filters.CharFilter(field_name="tags__name")
    status = django_filters.MultipleChoiceFilter(choices=DataProduct._meta.get_field("status").choices)
    kind = django_filters.MultipleChoiceFilter(choices=DataProduct._meta.get_field("kind").choices)
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = DataProduct
        fields = ["domain", "owner_team", "tag", "status", "kind", "updated_since"]


class ProductList(generics.ListAPIView):
    """Products, newest change first. Retired products are listed only when asked for by `status=retired`."""

    serializer_class = s.ProductListSerializer
    filterset_class = ProductFilter

    def get_queryset(self):
        query = DataProduct.objects.with_listing_relations().order_by("-updated_at", "pk")
        if "status" not in self.request.query_params:
            query = query.visible()
        return query


def product_detail_queryset():
    return DataProduct.objects.with_listing_relations().prefetch_related(
        Prefetch(
            "output_ports",
            queryset=OutputPort.objects.prefetch_related(
                Prefetch("fields", queryset=SchemaField.objects.order_by("object_name", "position"))
            ),
        ),
        "input_ports",
    )


def _upsert_response(result: UpsertResult) -> Response:
    # Kept small on purpose: pipelines send thousands of these; the full product is one GET away.
    product = result.product
    body = {
        "action": result.action,
        "id": product.identifier,
        "urn": product.urn,
        "url": product.get_absolute_url(),
        "status": product.status,
        "updated_at": product.updated_at,
    }
    if result.verdict is not None and result.verdict.status == "warning":
        body["warnings"] = [
            {"path": c.path, "detail": f"Breaking: {c.reason}, accepted without a major version bump."}
            for c in result.verdict.breaking
        ]
    return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


UPSERT_RESPONSE = inline_serializer(
    "ProductUpsertResponse",
    {
        "action": serializers.ChoiceField(["created", "updated", "unchanged"]),
        "id": serializers.CharField(help_text="domain/slug"),
        "urn": serializers.CharField(),
        "url": serializers.CharField(help_text="The product's page."),
        "status": serializers.CharField(),
        "updated_at": serializers.DateTimeField(),
    },
)


class ProductDetail(APIView):
    @extend_schema(responses={200: s.ProductDetailSerializer, 404: PROBLEM})
    def get(self, request: Request, domain: str, slug: str) -> Response:
        product = product_detail_queryset().filter(domain__slug=domain, slug=slug).first()
        if product is None:
            raise NotFound(f"No product '{domain}/{slug}'.")
        return Response(s.ProductDetailSerializer(product, context={"request": request}).data)

    @extend_schema(
        request=ProductIn,
        responses={200: UPSERT_RESPONSE, 201: UPSERT_RESPONSE, 400: PROBLEM, 403: PROBLEM, 404: PROBLEM},
        parameters=[DRY_RUN],
        description="Create or replace the product. Sending the same body again changes nothing. A breaking "
        "change without a major version bump is refused (409, each breaking field named) unless the domain "
        "only warns; `?dry_run=true` answers the same verdict without storing.",
    )
    def put(self, request: Request, domain: str, slug: str) -> Response:
        spec = parse_product(request.data)
        if _dry_run(request):
            outcome = product_preview(actor=Actor.from_request(request), domain_slug=domain, slug=slug, spec=spec)
            return _outcomes_response([outcome], dry_run=True)
        result = product_upsert(
            actor=Actor.from_request(request),
            domain_slug=domain,
            slug=slug,
            spec=spec,
        )
        return _upsert_response(result)

    @extend_schema(responses={204: None, 403: PROBLEM, 404: PROBLEM})
    def delete(self, request: Request, domain: str, slug: str) -> Response:
        product_delete(actor=Actor.from_request(request), product=product_get(domain, slug))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductRetire(APIView):
    @extend_schema(request=None, responses={200: s.ProductListSerializer, 403: PROBLEM, 404: PROBLEM})
    def post(self, request: Request, domain: str, slug: str) -> Response:
        product = product_retire(actor=Actor.from_request(request), product=product_get(domain, slug))
        return Response(s.ProductListSerializer(product, context={"request": request}).data)


OUTCOMES = inline_serializer(
    "ImportOutcomes",
    {
        "results": inline_serializer(
            "ImportOutcome",
            {
                "kind": serializers.CharField(),
                "id": serializers.CharField(),
                "action": serializers.ChoiceField(["created", "updated", "unchanged"]),
                "url": serializers.CharField(),
                "attached": serializers.BooleanField(
                    required=False, help_text="Contracts: False when stored unattached in a team's registry."
                ),
                "registry": serializers.CharField(required=False, help_text="The team of a standalone contract."),
                "detail": serializers.CharField(required=False),
                "breaking": serializers.BooleanField(required=False, help_text="Dry runs: a change breaks consumers."),
                "changes": inline_serializer(
                    "Change",
                    {
                        "path": serializers.CharField(),
                        "before": serializers.JSONField(),
                        "after": serializers.JSONField(),
                        "breaking": serializers.BooleanField(),
                        "reason": serializers.CharField(),
                    },
                    many=True,
                    required=False,
                ),
            },
            many=True,
        ),
        "dry_run": serializers.BooleanField(required=False),
    },
)


class ProductBulk(APIView):
    @extend_schema(
        request=BulkIn,
        responses={200: OUTCOMES, 201: OUTCOMES, 400: PROBLEM, 403: PROBLEM},
        description="Upsert up to 500 products in one transaction: all are stored, or none.",
        parameters=[DRY_RUN],
    )
    def post(self, request: Request) -> Response:
        items = parse_bulk(request.data)
        if _dry_run(request):
            outcomes = products_preview(actor=Actor.from_request(request), items=items)
            return _outcomes_response(outcomes, dry_run=True)
        results = products_bulk_upsert(actor=Actor.from_request(request), items=items)
        body = {
            "results": [
                {
                    "kind": "DataProduct",
                    "id": r.product.identifier,
                    "action": r.action,
                    "url": r.product.get_absolute_url(),
                }
                for r in results
            ]
        }
        created = any(r.created for r in results)
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class Descriptors(APIView):
    # The body is read raw: YAML or JSON, told apart by content type and content.
    parser_classes: list = []

    @extend_schema(
        request={
            "application/yaml": OpenApiTypes.STR,
            "application/json": OpenApiTypes.OBJECT,
            "application/zip": OpenApiTypes.BINARY,
            "multipart/form-data": OpenApiTypes.OBJECT,
        },
        responses={200: OUTCOMES, 201: OUTCOMES, 400: PROBLEM, 403: PROBLEM, 404: PROBLEM, 413: PROBLEM},
        description="Import an ODPS data product, an ODCS v3 or Data Contract Specification contract, or a DPDS "
        "descriptor (YAML or JSON); a zip, or a multipart upload (part `descriptor` plus one part per referenced "
        "file, named by its path), carries the files its $refs name. A contract that names no domain, sent with "
        "a token, is kept unattached in the token team's registry.",
        parameters=[DRY_RUN, *TARGET],
        examples=[
            OpenApiExample(
                "ODCS", value="apiVersion: v3.1.0\nkind: DataContract\nid: ...", media_type="application/yaml"
            )
        ],
    )
    def post(self, request: Request) -> Response:
        actor, target, dry_run = Actor.from_request(request), _target(request), _dry_run(request)
        raw, content_type, files = _uploaded(request)
        write = descriptor_preview if dry_run else descriptor_import
        outcomes = write(actor=actor, raw=raw, content_type=content_type, target=target, files=files)
        return _outcomes_response(outcomes, dry_run=dry_run)


class DescriptorsBulk(APIView):
    @extend_schema(
        request=inline_serializer(
            "DescriptorsBulkIn", {"documents": serializers.ListField(child=serializers.DictField())}
        ),
        responses={200: OUTCOMES, 201: OUTCOMES, 400: PROBLEM, 403: PROBLEM, 404: PROBLEM, 413: PROBLEM},
        parameters=[DRY_RUN, *TARGET],
        description="Import up to 500 descriptor documents (ODPS, ODCS, DPDS, as JSON) in one transaction: all are "
        "stored, or none. Refusals point into the document: /documents/{index}/...",
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise ValidationFailed([FieldError("", "The body must be an object with a `documents` list.")])
        actor, target, dry_run = Actor.from_request(request), _target(request), _dry_run(request)
        documents: Any = request.data.get("documents")
        write = descriptors_preview if dry_run else descriptors_bulk_import
        return _outcomes_response(write(actor=actor, documents=documents, target=target), dry_run=dry_run)


def contract_queryset():
    return DataContract.objects.select_related("domain", "team").prefetch_related("sla_properties", "quality_rules")


class ContractList(generics.ListAPIView):
    serializer_class = s.ContractSerializer
    filterset_fields = {"status": ["exact"], "domain__slug": ["exact"]}

    def get_queryset(self):
        return contract_queryset().order_by("contract_id")


class _FormatIsNotARenderer(DefaultContentNegotiation):
    """`?format=odcs|dcs` names the standard to write the contract in, not a DRF renderer."""

    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)  # type: ignore[assignment]

    def select_renderer(self, request, renderers, format_suffix=None):
        # An export asked for in YAML is written by the view itself, which no renderer here offers.
        if request.query_params.get("format") in EXPORTS and "yaml" in request.headers.get("Accept", ""):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)


EXPORTS = {"odcs": to_odcs, "dcs": to_dcs}


class ContractDetail(generics.RetrieveAPIView):
    serializer_class = s.ContractSerializer
    lookup_field = "contract_id"
    lookup_url_kwarg = "contract_id"
    content_negotiation_class = _FormatIsNotARenderer

    def get_queryset(self):
        return contract_queryset()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                str,
                enum=list(EXPORTS),
                description="Write the contract out as an ODCS v3.1.0 or a Data Contract Specification 1.2.1 "
                "document (YAML when the Accept header asks for application/yaml), from what the portal parsed.",
            )
        ],
        responses={200: s.ContractSerializer, 400: PROBLEM, 404: PROBLEM},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        wanted = request.query_params.get("format", "")
        if not wanted:
            return super().get(request, *args, **kwargs)
        if wanted not in EXPORTS:
            raise ValidationFailed([FieldError("/format", f"must be one of {', '.join(EXPORTS)}, not {wanted!r}")])
        document = EXPORTS[wanted](contract_spec_exported(self.get_object()))
        if "yaml" in request.headers.get("Accept", ""):
            text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
            return HttpResponse(text, content_type="application/yaml; charset=utf-8")
        return Response(document)
