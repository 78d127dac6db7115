"""The portal's own JSON: what pipelines PUT, and what the read API answers."""

from __future__ import annotations

from rest_framework import serializers

from catalog.models import (
    AccessMode,
    ApiToken,
    DataContract,
    DataProduct,
    Domain,
    InputPort,
    LifecycleStatus,
    OutputPort,
    PortType,
    ProductKind,
    QualityRule,
    SchemaField,
    SlaProperty,
    Team,
)
from catalog.specs import FieldSpec, InputPortSpec, OutputPortSpec, ProductSpec

# ---- writes ---------------------------------------------------------------------------------------------


class FieldInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    type = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    nullable = serializers.BooleanField(required=False, default=True)
    primary_key = serializers.BooleanField(required=False, default=False)
    classification = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    object = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class OutputPortInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    version = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    type = serializers.ChoiceField(choices=PortType.choices, required=False, default=PortType.TABLE)
    location = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    format = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    access_mode = serializers.ChoiceField(
        choices=AccessMode.choices, required=False, default=AccessMode.ON_REQUEST
    )
    contract_id = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    fields = FieldInSerializer(many=True, required=False, default=list, max_length=2000)

    def validate_fields(self, value: list[dict]) -> list[dict]:
        seen: set[tuple[str, str]] = set()
        for item in value:
            key = (item["object"], item["name"])
            if key in seen:
                raise serializers.ValidationError(f"Field '{item['name']}' appears twice.")
            seen.add(key)
        return value


class InputPortInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    version = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    product = serializers.RegexField(
        r"^[-a-zA-Z0-9_]+/[-a-zA-Z0-9_]+$",
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        error_messages={"invalid": "Name the producing product as 'domain/slug'."},
    )
    port = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    external = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    contract_id = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict) -> dict:
        if not (attrs["product"] or attrs["external"] or attrs["contract_id"]):
            raise serializers.ValidationError(
                {
                    "product": "Say where the input comes from: 'product' (+ 'port'), 'external' or 'contract_id'."
                }
            )
        return attrs


class ProductInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=100_000)
    kind = serializers.ChoiceField(
        choices=ProductKind.choices, required=False, default=ProductKind.SOURCE_ALIGNED
    )
    status = serializers.ChoiceField(
        choices=LifecycleStatus.choices, required=False, default=LifecycleStatus.DRAFT
    )
    version = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list, max_length=50
    )
    owner_team = serializers.SlugField(max_length=80, required=False, allow_blank=True, default="")
    output_ports = OutputPortInSerializer(many=True, required=False, default=list, max_length=200)
    input_ports = InputPortInSerializer(many=True, required=False, default=list, max_length=200)

    def _check_unique(self, ports: list[dict], what: str) -> None:
        seen: set[tuple[str, str]] = set()
        for index, port in enumerate(ports):
            key = (port["name"], port["version"])
            if key in seen:
                errors: list[dict] = [{} for _ in ports]
                errors[index] = {
                    "name": [f"Two {what} ports are named '{port['name']}' (version '{key[1]}')."]
                }
                raise serializers.ValidationError({f"{what}_ports": errors})
            seen.add(key)

    def validate(self, attrs: dict) -> dict:
        self._check_unique(attrs["output_ports"], "output")
        self._check_unique(attrs["input_ports"], "input")
        return attrs


def product_spec_from(data: dict) -> ProductSpec:
    """Validated portal JSON -> ProductSpec."""
    return ProductSpec(
        name=data["name"].strip(),
        summary=data["summary"].strip(),
        description=data["description"],
        kind=data["kind"],
        status=data["status"],
        version=data["version"].strip(),
        tags=sorted({t.strip().lower() for t in data["tags"] if t.strip()}),
        owner_team=data["owner_team"],
        output_ports=[
            OutputPortSpec(
                name=p["name"].strip(),
                version=p["version"].strip(),
                description=p["description"],
                port_type=p["type"],
                location=p["location"].strip(),
                format=p["format"].strip(),
                access_mode=p["access_mode"],
                contract_ref=p["contract_id"].strip(),
                fields=[
                    FieldSpec(
                        name=f["name"].strip(),
                        data_type=f["type"].strip(),
                        description=f["description"],
                        nullable=f["nullable"],
                        primary_key=f["primary_key"],
                        classification=f["classification"].strip().lower(),
                        object_name=f["object"].strip(),
                    )
                    for f in p["fields"]
                ],
            )
            for p in data["output_ports"]
        ],
        input_ports=[
            InputPortSpec(
                name=p["name"].strip(),
                version=p["version"].strip(),
                description=p["description"],
                source_product=p["product"],
                source_port=p["port"].strip(),
                external_source=p["external"].strip(),
                contract_ref=p["contract_id"].strip(),
            )
            for p in data["input_ports"]
        ],
    )


class BulkItemSerializer(ProductInSerializer):
    domain = serializers.SlugField(max_length=80)
    slug = serializers.SlugField(max_length=100)


class BulkSerializer(serializers.Serializer):
    products = BulkItemSerializer(many=True, allow_empty=False, max_length=500)


# ---- reads ----------------------------------------------------------------------------------------------


class TeamRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["slug", "name"]


class DomainSerializer(serializers.ModelSerializer):
    owner_team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Domain
        fields = ["slug", "name", "description", "parent", "owner_team", "url", "created_at", "updated_at"]

    def get_url(self, obj: Domain) -> str:
        return obj.get_absolute_url()


class TeamSerializer(serializers.ModelSerializer):
    members = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["slug", "name", "description", "contact_email", "members"]

    def get_members(self, obj: Team) -> list[dict]:
        return [{"username": m.user.get_username(), "role": m.role} for m in obj.memberships.all()]


class FieldOutSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="data_type")
    object = serializers.CharField(source="object_name")

    class Meta:
        model = SchemaField
        fields = ["name", "type", "description", "nullable", "primary_key", "classification", "object"]


class OutputPortOutSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="port_type")
    contract_id = serializers.CharField(source="contract_ref")
    fields = FieldOutSerializer(many=True)

    class Meta:
        model = OutputPort
        fields = [
            "name",
            "version",
            "description",
            "type",
            "location",
            "format",
            "access_mode",
            "contract_id",
            "schema_source",
            "fields",
        ]


class InputPortOutSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="source_product_ref")
    port = serializers.CharField(source="source_port_ref")
    external = serializers.CharField(source="external_source")
    contract_id = serializers.CharField(source="contract_ref")
    resolved = serializers.BooleanField(source="is_resolved")

    class Meta:
        model = InputPort
        fields = ["name", "version", "description", "product", "port", "external", "contract_id", "resolved"]


class ProductListSerializer(serializers.ModelSerializer):
    domain = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    owner_team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    urn = serializers.CharField(read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = DataProduct
        fields = [
            "domain",
            "slug",
            "urn",
            "name",
            "summary",
            "kind",
            "status",
            "version",
            "tags",
            "owner_team",
            "url",
            "updated_at",
        ]


class ProductDetailSerializer(ProductListSerializer):
    output_ports = OutputPortOutSerializer(many=True)
    input_ports = InputPortOutSerializer(many=True)

    class Meta(ProductListSerializer.Meta):
        fields = [
            *ProductListSerializer.Meta.fields,
            "description",
            "external_id",
            "source_format",
            "output_ports",
            "input_ports",
            "created_at",
        ]


class SlaOutSerializer(serializers.ModelSerializer):
    property = serializers.CharField(source="name")

    class Meta:
        model = SlaProperty
        fields = ["property", "value", "value_ext", "unit", "element", "driver"]


class QualityOutSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="rule_type")

    class Meta:
        model = QualityRule
        fields = [
            "element",
            "name",
            "type",
            "metric",
            "dimension",
            "description",
            "severity",
            "operator",
            "threshold",
            "schedule",
        ]


class ContractSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="contract_id")
    domain = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    sla_properties = SlaOutSerializer(many=True)
    quality_rules = QualityOutSerializer(many=True)

    class Meta:
        model = DataContract
        fields = [
            "id",
            "name",
            "version",
            "status",
            "api_version",
            "source_format",
            "domain",
            "purpose",
            "sla_properties",
            "quality_rules",
            "document",
            "updated_at",
        ]


class TokenSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "key_id",
            "name",
            "team",
            "scopes",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ]
