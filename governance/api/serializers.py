"""What the governance and health API answers."""

from __future__ import annotations

from rest_framework import serializers

from governance.models import Finding
from governance.policies import BY_ID


class PolicySerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    severity = serializers.CharField()
    rationale = serializers.CharField()
    how_to_fix = serializers.CharField()
    applies_to = serializers.ListField(child=serializers.CharField())


class PolicyRateSerializer(serializers.Serializer):
    policy = PolicySerializer()
    applicable = serializers.IntegerField(help_text="Products the policy applies to.")
    passing = serializers.IntegerField()
    failing = serializers.IntegerField()
    pass_rate = serializers.FloatField(allow_null=True, help_text="0-1; null when it applies to no product.")


class FindingSerializer(serializers.ModelSerializer):
    product = serializers.SerializerMethodField()
    policy = serializers.CharField(source="policy_id")
    title = serializers.SerializerMethodField()
    how_to_fix = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = [
            "id",
            "product",
            "policy",
            "title",
            "severity",
            "message",
            "how_to_fix",
            "status",
            "opened_at",
            "last_seen_at",
            "resolved_at",
        ]

    def get_product(self, obj: Finding) -> str:
        return f"{obj.product.domain.slug}/{obj.product.slug}"

    def get_title(self, obj: Finding) -> str:
        policy = BY_ID.get(obj.policy_id)
        return policy.title if policy else obj.policy_id

    def get_how_to_fix(self, obj: Finding) -> str:
        policy = BY_ID.get(obj.policy_id)
        return policy.how_to_fix if policy else ""


class ProductGovernanceSerializer(serializers.Serializer):
    product = serializers.CharField()
    in_scope = serializers.BooleanField(help_text="Whether the policies apply to it (published products).")
    score = serializers.FloatField(allow_null=True)
    checked = serializers.IntegerField()
    passed = serializers.IntegerField()
    evaluated_at = serializers.DateTimeField(allow_null=True)
    findings = FindingSerializer(many=True)


class DomainFiguresSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    products = serializers.IntegerField(help_text="Published products evaluated.")
    health = serializers.FloatField(allow_null=True)
    health_band = serializers.CharField()
    governance = serializers.FloatField(allow_null=True)
    # The stubs see Serializer.errors here; the serializer's metaclass takes declared fields off the class.
    errors = serializers.IntegerField()  # type: ignore[assignment]
    warnings = serializers.IntegerField()
    slo_compliance = serializers.FloatField(allow_null=True, help_text="0-1 over 30 days.")
    slo_products = serializers.IntegerField()
    rating = serializers.FloatField(allow_null=True, help_text="Mean Bayesian average of the rated products.")
    rated_products = serializers.IntegerField()
    consumers = serializers.IntegerField(allow_null=True)
    access_hours = serializers.FloatField(allow_null=True, help_text="Median hours from request to decision.")
    evaluated_at = serializers.DateTimeField(allow_null=True)


class HealthSerializer(serializers.Serializer):
    product = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    band = serializers.CharField()
    parts = serializers.DictField(child=serializers.FloatField(allow_null=True))
    weights = serializers.DictField(child=serializers.FloatField())
    inputs = serializers.DictField()


class DashboardSerializer(serializers.Serializer):
    domains = DomainFiguresSerializer(many=True)
    mesh = DomainFiguresSerializer()
    weights = serializers.DictField(child=serializers.FloatField())
