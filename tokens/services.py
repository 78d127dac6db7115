"""Creating and revoking API tokens. The secret is returned once and only its hash is kept."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from catalog.models import Team
from catalog.permissions import ensure_can_manage_team
from core.actors import Actor, Scope
from core.errors import FieldError, ValidationFailed
from tokens.models import TOKEN_PREFIX, ApiToken, hash_secret


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the whole bearer value; shown once


def _validate(name: str, scopes: list[str], expires_at: datetime | None) -> list[str]:
    errors: list[FieldError] = []
    if not name.strip():
        errors.append(FieldError("/name", "A token needs a name."))
    if len(name) > 100:
        errors.append(FieldError("/name", "At most 100 characters."))
    if not scopes:
        errors.append(FieldError("/scopes", "Choose at least one scope."))
    for index, scope in enumerate(scopes):
        if scope not in Scope.values:
            errors.append(FieldError(f"/scopes/{index}", f"Unknown scope '{scope}'; known: {', '.join(Scope.values)}."))
    if expires_at is not None and expires_at <= timezone.now():
        errors.append(FieldError("/expires_at", "The expiry must be in the future."))
    if errors:
        raise ValidationFailed(errors)
    return sorted(set(scopes))


def token_create(
    *, actor: Actor | None, team: Team, name: str, scopes: list[str], expires_at: datetime | None = None
) -> IssuedToken:
    """Issue a token for `team`. `actor=None` is the command line, which runs with the operator's rights."""
    if actor is not None:
        ensure_can_manage_team(actor, team)
    clean_scopes = _validate(name, scopes, expires_at)
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            team=team,
            name=name.strip(),
            key_id=key_id,
            secret_hash=hash_secret(secret),
            scopes=clean_scopes,
            created_by=actor.user if actor is not None else None,
            expires_at=expires_at,
        )
    return IssuedToken(token=token, secret=f"{TOKEN_PREFIX}_{key_id}_{secret}")


def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    ensure_can_manage_team(actor, token.team)
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
    return locked
