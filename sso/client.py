"""The OpenID Connect client (Authlib), built from settings.

Authlib does the protocol: discovery from the issuer's /.well-known/openid-configuration, the authorization
request with state, nonce and a PKCE S256 challenge kept in the session, the code exchange, and the ID token's
checks (signature against the provider's JWKS, fetched again once when a token names an unknown key id; issuer,
audience, expiry, nonce). One client per configuration and process, so the discovery document and keys are
fetched once, not at every sign-in.
"""

from __future__ import annotations

from functools import lru_cache

from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings


def sso_enabled() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID)


@lru_cache(maxsize=8)
def _client(issuer: str, client_id: str, client_secret: str, scopes: str, timeout: int, max_age: int):
    oauth = OAuth()
    app = oauth.register(
        name="portal",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": scopes, "code_challenge_method": "S256", "default_timeout": timeout},
    )
    app.framework.expires_in = max_age  # how long a started sign-in may take before its state is refused
    return app


def oidc_client() -> DjangoOAuth2App:
    return _client(
        settings.OIDC_ISSUER,
        settings.OIDC_CLIENT_ID,
        settings.OIDC_CLIENT_SECRET,
        settings.OIDC_SCOPES,
        settings.OIDC_TIMEOUT_SECONDS,
        settings.OIDC_STATE_MAX_AGE_SECONDS,
    )


def provider_metadata() -> dict:
    """The discovery document; checks that it speaks for the configured issuer (OpenID Connect Discovery 4.3)."""
    metadata = oidc_client().load_server_metadata()
    if metadata.get("issuer", "").rstrip("/") != settings.OIDC_ISSUER:
        raise ValueError(f"the discovery document names issuer {metadata.get('issuer')!r}")
    return metadata
