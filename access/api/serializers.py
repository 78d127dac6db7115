"""Shapes of the access API: input serializers check types only; services check the rules."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from access.models import AccessEvent, AccessRequest, DomainAccessSettings, Grant, WebhookDelivery


class AccessEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")

    class Meta:
        model = AccessEvent
        fields = ["subject", "actor", "from_state", "to_state", "reason", "at"]


class AccessGrantSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.identifier")
    port = serializers.CharField(source="port.name")
    version = serializers.CharField(source="port.version")
    user = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()
    active = serializers.BooleanField(source="is_active")
    request = serializers.IntegerField(source="request_id")

    class Meta:
        model = Grant
        fields = [
            "id",
            "product",
            "port",
            "version",
            "user",
            "team",
            "status",
            "active",
            "starts_at",
            "expires_at",
            "ended_at",
            "end_reason",
            "request",
        ]

    def get_user(self, grant: Grant) -> str | None:
        return grant.user.get_username() if grant.user is not None else None

    def get_team(self, grant: Grant) -> str | None:
        return grant.team.slug if grant.team is not None else None


class AccessRequestSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.identifier")
    port = serializers.CharField(source="port.name")
    version = serializers.CharField(source="port.version")
    requester = serializers.CharField(source="requester.username")
    team = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()
    grant = serializers.SerializerMethodField()

    class Meta:
        model = AccessRequest
        fields = [
            "id",
            "product",
            "port",
            "version",
            "requester",
            "team",
            "purpose",
            "duration_days",
            "status",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_reason",
            "grant",
        ]

    def get_team(self, req: AccessRequest) -> str | None:
        return req.team.slug if req.team is not None else None

    def get_decided_by(self, req: AccessRequest) -> str | None:
        return req.decided_by.get_username() if req.decided_by is not None else None

    @extend_schema_field(AccessGrantSerializer(allow_null=True))
    def get_grant(self, req: AccessRequest) -> dict | None:
        grant = getattr(req, "grant", None)
        return AccessGrantSerializer(grant).data if grant is not None else None


class AccessRequestDetailSerializer(AccessRequestSerializer):
    events = AccessEventSerializer(many=True)

    class Meta(AccessRequestSerializer.Meta):
        fields = [*AccessRequestSerializer.Meta.fields, "events"]


class AccessRequestInSerializer(serializers.Serializer):
    product = serializers.CharField(max_length=200, help_text="The product as 'domain/slug'.")
    port = serializers.CharField(max_length=120, help_text="The output port's name.")
    version = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    team = serializers.CharField(
        max_length=80, required=False, default="", allow_blank=True, help_text="A team's slug; empty for yourself."
    )
    purpose = serializers.CharField(max_length=2000)
    duration_days = serializers.IntegerField(min_value=1)


class AccessDecisionInSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject", "ask_info"])
    reason = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class AccessReasonInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class AccessSettingsSerializer(serializers.ModelSerializer):
    domain = serializers.CharField(source="domain.slug", read_only=True)
    signing_secret = serializers.SerializerMethodField(
        help_text="Signs the webhooks; given to the domain's owners only (null for staff)."
    )

    class Meta:
        model = DomainAccessSettings
        fields = ["domain", "stewards_may_decide", "provisioning_url", "signing_secret", "updated_at"]
        read_only_fields = ["updated_at"]

    def get_signing_secret(self, row: DomainAccessSettings) -> str | None:
        return row.signing_secret if self.context.get("show_secret") else None


class AccessSettingsInSerializer(serializers.Serializer):
    stewards_may_decide = serializers.BooleanField(default=False)
    provisioning_url = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
    rotate_secret = serializers.BooleanField(default=False)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    grant = serializers.IntegerField(source="grant_id")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event",
            "grant",
            "url",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "created_at",
        ]
