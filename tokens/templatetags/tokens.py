"""Template helpers of the token pages."""

from __future__ import annotations

from django import template

from core.actors import Scope
from tokens.models import TOKEN_PREFIX

register = template.Library()


@register.filter
def scope_label(value: str) -> str:
    try:
        return str(Scope(value).label)
    except ValueError:
        return value


@register.filter
def token_hint(token) -> str:
    """The public part of a token as people see it in logs and headers; the secret part stays elided."""
    return f"{TOKEN_PREFIX}_{token.key_id}_…"
