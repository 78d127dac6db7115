"""Who is acting: a signed-in person or a team's API token. Services decide what an actor may do.

The kernel knows tokens only by the few attributes it reads (`Token` below); the `tokens` app's `ApiToken` is
the one implementation. A person's teams come from their memberships (the `memberships` relation the catalog's
`TeamMembership` gives every user), so nothing here imports an app above the kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from django.db import models

from core import per_request
from core.errors import PermissionDenied


class TeamRole(models.TextChoices):
    """A person's role in a team; ownership is always by team, with named people in these roles."""

    OWNER = "owner", "Owner"
    STEWARD = "steward", "Data steward"
    MEMBER = "member", "Member"


class Scope(models.TextChoices):
    """What a pipeline token may do; people are not narrowed by scopes, only by their roles."""

    READ = "read", "Read the catalog"
    WRITE_PRODUCTS = "write:products", "Publish products, ports and contracts"
    WRITE_LINEAGE = "write:lineage", "Send OpenLineage events"
    WRITE_GLOSSARY = "write:glossary", "Propose glossary changes"
    WRITE_SLI = "write:sli", "Send SLI measurements"
    WRITE_USAGE = "write:usage", "Send usage and cost records"


class Token(Protocol):
    """What the kernel reads of an API token (tokens.models.ApiToken)."""

    pk: Any
    key_id: str
    name: str
    team_id: int

    @property
    def team(self) -> Any: ...

    def has_scope(self, scope: str) -> bool: ...


@dataclass(frozen=True)
class TokenPrincipal:
    """Stands in for request.user when a pipeline calls with a token: authenticated, but nobody in person."""

    token: Token
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_staff: bool = False
    is_superuser: bool = False
    is_active: bool = True
    pk: None = None

    @property
    def username(self) -> str:
        return f"token:{self.token.key_id}"

    def __str__(self) -> str:
        return self.username


class Actor:
    def __init__(self, *, user=None, token: Token | None = None):
        self.user = (
            user if user is not None and user.is_authenticated and not isinstance(user, TokenPrincipal) else None
        )
        self.token = token

    @classmethod
    def from_request(cls, request) -> Actor:
        user = getattr(request, "user", None)
        if isinstance(user, TokenPrincipal):
            return cls(token=user.token)
        return cls(user=user)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None or self.token is not None

    @property
    def is_staff(self) -> bool:
        return bool(self.user is not None and self.user.is_staff)

    @property
    def label(self) -> str:
        if self.token is not None:
            return f"token '{self.token.name}' of team '{self.token.team.slug}'"
        if self.user is not None:
            return f"user '{self.user.get_username()}'"
        return "anonymous"

    @cached_property
    def roles_by_team(self) -> dict[int, str]:
        if self.token is not None:
            return {self.token.team_id: TeamRole.MEMBER}
        if self.user is None:
            return {}
        return {m.team_id: m.role for m in memberships(self.user)}

    @property
    def team_ids(self) -> set[int]:
        return set(self.roles_by_team)

    def person(self, doing: str, *, why: str = ""):
        """The signed-in person behind this actor; pipeline tokens and anonymous callers are refused, for work that
        only a person may do (`doing`: "request access", "rate products"; `why`: said to tokens)."""
        if self.user is None:
            if self.token is not None:
                raise PermissionDenied(f"API tokens cannot {doing}{': ' + why if why else ''}; sign in as a person.")
            raise PermissionDenied(f"Sign in to {doing}.")
        return self.user

    def has_scope(self, scope: str) -> bool:
        # People act through the pages and the API with their roles; only tokens are narrowed by scopes.
        return self.token is None or self.token.has_scope(scope)

    def is_team_owner(self, team_id: int) -> bool:
        return self.is_staff or (self.token is None and self.roles_by_team.get(team_id) == TeamRole.OWNER)


def memberships(user) -> list[Any]:
    """The person's team memberships with their teams, by team name: one query per request, shared by the roles
    of every `Actor` and by the navigation's list of the person's teams."""
    if user is None or not user.is_authenticated:
        return []
    return per_request.remember(
        ("roles", "memberships", user.pk),
        lambda: list(user.memberships.select_related("team").order_by("team__name", "team_id")),
    )
