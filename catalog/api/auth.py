from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from catalog.actors import TokenPrincipal
from catalog.models import ApiToken
from catalog.models.tokens import TOKEN_PREFIX

# Recording every use would turn each read into a write; once a few minutes is enough to see stale tokens.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def split_token(raw: str) -> tuple[str, str] | None:
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer mp_<key id>_<secret>`; the secret is compared against its stored hash."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        parts = split_token(raw.strip())
        if parts is None:
            raise exceptions.AuthenticationFailed("Malformed token: expected mp_<key id>_<secret>.")
        key_id, secret = parts
        token = ApiToken.objects.select_related("team").filter(key_id=key_id).order_by().first()
        if token is None or not token.matches(secret):
            raise exceptions.AuthenticationFailed("Unknown token.")
        if not token.is_active:
            raise exceptions.AuthenticationFailed("This token is revoked or expired.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return TokenPrincipal(token=token), token

    def authenticate_header(self, request) -> str:
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Tells the OpenAPI schema (and Swagger UI's Authorize button) how pipelines authenticate."""

    target_class = "catalog.api.auth.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "mp_<key id>_<secret>"}
