"""The version history of a product: `GET /api/v1/products/{domain}/{slug}/versions` and one version by number."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import ProductVersion
from catalog.selectors import product_versions
from catalog.services.products import product_get
from core.errors import NotFound

PROBLEM = OpenApiResponse(description="RFC 7807 problem+json.")


class VersionChangeSerializer(serializers.Serializer):
    path = serializers.CharField(help_text="Where, as a pointer built from names: /outputPorts/orders/fields/id")
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)
    breaking = serializers.BooleanField()
    reason = serializers.CharField()


class ProductVersionSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author_label")
    changes = VersionChangeSerializer(many=True)

    class Meta:
        model = ProductVersion
        fields = [
            "number",
            "subject",
            "contract_id",
            "version",
            "created_at",
            "author",
            "channel",
            "breaking",
            "warned",
            "changes",
        ]


class ProductVersionDetailSerializer(ProductVersionSerializer):
    class Meta(ProductVersionSerializer.Meta):
        fields = [*ProductVersionSerializer.Meta.fields, "snapshot"]


class ProductVersionList(generics.ListAPIView):
    """Every accepted change of the product's ports, fields and contract, newest first, with its diff."""

    serializer_class = ProductVersionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reads the model, with no URL arguments
            return ProductVersion.objects.none()
        product = product_get(self.kwargs["domain"], self.kwargs["slug"])
        return product_versions(product)


class ProductVersionDetail(APIView):
    @extend_schema(responses={200: ProductVersionDetailSerializer, 404: PROBLEM})
    def get(self, request: Request, domain: str, slug: str, number: int) -> Response:
        version = product_versions(product_get(domain, slug)).filter(number=number).first()
        if version is None:
            raise NotFound(f"Product '{domain}/{slug}' has no version {number}.")
        return Response(ProductVersionDetailSerializer(version).data)
