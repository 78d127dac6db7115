"""What went wrong in a sign-in, in words the person can act on: each failure's page status, code and text."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from joserfc import errors as jose

from sso.services import SignInRefused


@dataclass(frozen=True)
class Failure:
    status: int
    code: str
    title: str
    message: str
    detail: str = ""  # for the audit log and the administrator, never a secret
    user: User | None = None  # the person refused, when the portal knows who it was


class StateExpired(Exception):
    """The sign-in was started longer ago than OIDC_STATE_MAX_AGE_SECONDS."""


START_AGAIN = "Start the sign-in again from the sign-in page."
ADMIN = "This is a configuration problem on the portal's side: tell a portal administrator."


def describe(exc: Exception, provider: str) -> Failure:
    if isinstance(exc, SignInRefused):
        return Failure(exc.status, exc.code, "Sign-in refused", exc.message, user=exc.user)
    if isinstance(exc, StateExpired):
        return Failure(400, "state-expired", "This sign-in took too long", f"It has expired. {START_AGAIN}")
    if isinstance(exc, MismatchingStateError):
        return Failure(
            400,
            "state-mismatch",
            "This sign-in link is not valid any more",
            f"It was already used, has expired, or was started in another browser. {START_AGAIN}",
        )
    if isinstance(exc, requests.RequestException):
        return Failure(
            503,
            "provider-unreachable",
            f"{provider} did not answer",
            f"The portal could not reach {provider}, so nobody can sign in with it right now. Try again in a few "
            "minutes; if it lasts, tell a portal administrator.",
            detail=type(exc).__name__,
        )
    if isinstance(exc, OAuthError) and exc.error == "invalid_client":
        return Failure(
            502,
            "client-refused",
            f"{provider} refused the portal",
            f"{provider} did not accept the portal's client id or secret. {ADMIN}",
            detail=exc.description or "",
        )
    if isinstance(exc, OAuthError) and exc.error in {"access_denied", "login_required", "consent_required"}:
        return Failure(
            403,
            "provider-denied",
            f"{provider} did not sign you in",
            f"{provider} said: {exc.description or exc.error}.",
            detail=exc.error or "",
        )
    if isinstance(exc, (jose.InvalidKeyIdError, jose.BadSignatureError, jose.MissingKeyError)):
        return Failure(
            502,
            "unknown-signing-key",
            "The sign-in token could not be trusted",
            f"It was signed with a key that {provider} does not publish, so the portal did not accept it. "
            f"{START_AGAIN} If it happens again, tell a portal administrator.",
            detail=type(exc).__name__,
        )
    if isinstance(exc, ImproperlyConfigured):
        return Failure(
            500, "portal-misconfigured", "The portal's sign-in settings are broken", ADMIN, detail=str(exc)[:200]
        )
    if isinstance(exc, (jose.JoseError, OAuthError, ValueError)):
        return Failure(
            502,
            "token-invalid",
            "The sign-in could not be completed",
            f"The answer from {provider} did not check out. {START_AGAIN}",
            detail=str(exc)[:200],
        )
    raise exc
