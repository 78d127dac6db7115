from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission

from audit.forms import AuditFilterForm
from audit.models import AuditEntry
from audit.selectors import audit_entries
from core.errors import FieldError, ValidationFailed


class StaffPersonOnly(BasePermission):
    """Staff people, signed in or through the API with their session. Tokens belong to teams and are never staff."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "is_staff", False))


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label", read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "username",
            "token_key_id",
            "team_slug",
            "channel",
            "method",
            "path",
            "route",
            "object_ref",
            "status_code",
            "client_ip",
        ]


FILTER_PARAMETERS = [
    OpenApiParameter("username", OpenApiTypes.STR, description="Entries of this person."),
    OpenApiParameter("team", OpenApiTypes.STR, description="Entries of this team's API tokens."),
    OpenApiParameter("method", OpenApiTypes.STR, enum=["POST", "PUT", "PATCH", "DELETE"]),
    OpenApiParameter("channel", OpenApiTypes.STR, enum=["api", "page"]),
    OpenApiParameter("path", OpenApiTypes.STR, description="Paths starting with this."),
    OpenApiParameter("refused", OpenApiTypes.BOOL, description="Only answers with status 400 and up."),
    OpenApiParameter("since", OpenApiTypes.DATE, description="From this day (inclusive)."),
    OpenApiParameter("until", OpenApiTypes.DATE, description="Until this day (inclusive)."),
]


@extend_schema(
    parameters=FILTER_PARAMETERS,
    description="The audit log, newest first: every POST/PUT/PATCH/DELETE through the pages and the API, "
    "with its status. Staff only.",
)
class AuditEntryList(generics.ListAPIView):
    serializer_class = AuditEntrySerializer
    permission_classes = [StaffPersonOnly]
    filter_backends: list = []

    def get_queryset(self):
        form = AuditFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationFailed(
                [FieldError(f"/{name}", " ".join(str(e) for e in errors)) for name, errors in form.errors.items()],
                message="The query has invalid parameters.",
            )
        return audit_entries(form.filters())
