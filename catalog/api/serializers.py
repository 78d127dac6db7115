"""What the read API answers. (What pipelines send is validated in catalog/api/product_input.py.)"""

from __future__ import annotations

from rest_framework import serializers

from catalog.models import (
    DataContract,
    DataProduct,
    Domain,
    InputPort,
    OutputPort,
    QualityRule,
    SchemaField,
    SlaProperty,
    Tag,
    Team,
)

# ---- reads ----------------------------------------------------------------------------------------------


class DomainSerializer(serializers.ModelSerializer):
    owner_team: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    # A top-level domain has none: the schema must say null is possible (found by schemathesis).
    # The stubs see Field.parent here; the serializer's metaclass takes declared fields off the class, so no clash.
    parent: serializers.SlugRelatedField[Domain] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="slug", read_only=True, allow_null=True
    )
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
    # The stubs see Serializer.fields here; the serializer's metaclass takes declared fields off the class.
    fields = FieldOutSerializer(many=True)  # type: ignore[assignment]

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
    domain: serializers.SlugRelatedField[Domain] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    owner_team: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    tags: serializers.SlugRelatedField[Tag] = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
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


class RelationshipOutSerializer(serializers.Serializer):
    type = serializers.CharField()
    # `from` and `to` are `object.property`, or lists of them for a composite key.
    from_ = serializers.JSONField(source="from")
    to = serializers.JSONField()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["from"] = data.pop("from_")
        return data


class SchemaPropertyOutSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Dotted for nested properties: `address.city`.")
    type = serializers.CharField(help_text="The logical type as the contract writes it.")
    physical_type = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]  # the property's, not Field.required
    unique = serializers.BooleanField()
    primary_key = serializers.BooleanField()
    classification = serializers.CharField()
    description = serializers.CharField()


class SchemaObjectOutSerializer(serializers.Serializer):
    name = serializers.CharField()
    physical_name = serializers.CharField()
    type = serializers.CharField(help_text="table, view, topic, object... as written.")
    description = serializers.CharField()
    properties = SchemaPropertyOutSerializer(many=True)
    relationships = RelationshipOutSerializer(many=True)


class ContractSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="contract_id")
    status_as_written = serializers.CharField(
        help_text="The document's own status word; `status` is its place in the portal's lifecycle."
    )
    schema = SchemaObjectOutSerializer(many=True, help_text="The objects the contract describes.")
    servers = serializers.ListField(child=serializers.DictField(), help_text="The servers, as the contract names them.")
    domain: serializers.SlugRelatedField[Domain] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="None for a standalone contract."
    )
    registry: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(
        source="team",
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="The team whose contract registry holds a standalone contract.",
    )
    sla_properties = SlaOutSerializer(many=True)
    quality_rules = QualityOutSerializer(many=True)

    class Meta:
        model = DataContract
        fields = [
            "id",
            "name",
            "version",
            "status",
            "status_as_written",
            "api_version",
            "source_format",
            "domain",
            "registry",
            "purpose",
            "schema",
            "servers",
            "sla_properties",
            "quality_rules",
            "document",
            "updated_at",
        ]
