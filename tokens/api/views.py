"""`GET /api/v1/tokens/me`: who the caller is, so a pipeline (and `meshportal whoami`) can check its token."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Domain, Team
from core.actors import Actor, Scope

ME = inline_serializer(
    "Me",
    {
        "kind": serializers.ChoiceField(["token", "user"]),
        "name": serializers.CharField(help_text="The token's name (mp_<key id>_…) or the person's user name."),
        "teams": serializers.ListField(child=serializers.CharField()),
        "scopes": serializers.ListField(child=serializers.CharField()),
        "domains": serializers.ListField(child=serializers.CharField(), help_text="Domains it may write."),
        "expires_at": serializers.DateTimeField(allow_null=True, required=False),
    },
)


class Me(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ME}, description="The caller: a token's team, scopes and writable domains.")
    def get(self, request: Request) -> Response:
        actor = Actor.from_request(request)
        teams = Team.objects.filter(pk__in=actor.team_ids).order_by("slug")
        domains = Domain.objects.all() if actor.is_staff else Domain.objects.filter(owner_team__in=teams)
        body: dict[str, Any] = {
            "kind": "token" if actor.token is not None else "user",
            "teams": [t.slug for t in teams],
            "domains": sorted(domains.values_list("slug", flat=True)),
        }
        if actor.token is not None:
            token = actor.token
            body |= {
                "name": f"{token.name} (mp_{token.key_id}_…)",
                "scopes": sorted(getattr(token, "scopes", [])),
                "expires_at": getattr(token, "expires_at", None),
            }
        else:
            assert actor.user is not None
            body |= {"name": actor.user.get_username(), "scopes": sorted(Scope.values)}
        return Response(body)
