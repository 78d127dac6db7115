"""Reads of tokens for the pages."""

from __future__ import annotations

from catalog.models import Team
from tokens.models import ApiToken


def team_tokens(team: Team) -> list[ApiToken]:
    """Every token of the team, newest first, revoked ones included so the history stays visible."""
    return list(ApiToken.objects.filter(team=team).select_related("created_by").order_by("-created_at", "-pk"))
