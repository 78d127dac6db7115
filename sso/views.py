"""Sign-in through the identity provider: start, callback, sign-out; and the login page around it."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from sso.client import oidc_client, provider_metadata, sso_enabled
from sso.failures import Failure, StateExpired, describe
from sso.services import sso_refusal_record, sso_sign_in

logger = logging.getLogger("sso")
NEXT_KEY = "sso_next"
ID_TOKEN_KEY = "sso_id_token"  # noqa: S105 - the session key the ID token is kept under
BACKEND = "sso.backends.OidcSessionBackend"


def _redirect_uri(request) -> str:
    return settings.OIDC_REDIRECT_URI or request.build_absolute_uri(reverse("sso:callback"))


def _safe_next(request, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}, require_https=request.is_secure()):
        return value
    return reverse(settings.LOGIN_REDIRECT_URL)


def _failure_page(request, failure: Failure):
    logger.warning("sso sign-in failed: %s %s", failure.code, failure.detail)
    sso_refusal_record(
        request=request, status=failure.status, code=failure.code, detail=failure.detail, user=failure.user
    )
    context = {"failure": failure, "provider": settings.OIDC_PROVIDER_NAME}
    return render(request, "sso/failed.html", context, status=failure.status)


class PortalLoginView(auth_views.LoginView):
    """Django's login page, with the provider's button, and without the password form when local login is off."""

    def post(self, request, *args, **kwargs):
        if not settings.PORTAL_LOCAL_LOGIN:
            context = self.get_context_data(local_login_refused=True)
            return self.render_to_response(context, status=403)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = sso_enabled()
        context["sso_provider"] = settings.OIDC_PROVIDER_NAME
        context["local_login"] = settings.PORTAL_LOCAL_LOGIN
        return context


@login_not_required
@require_GET
def start(request):
    if not sso_enabled():
        raise Http404("Single sign-on is not configured.")
    request.session[NEXT_KEY] = _safe_next(request, request.GET.get("next", ""))
    try:
        provider_metadata()
        return oidc_client().authorize_redirect(request, _redirect_uri(request))
    except Exception as exc:  # describe() re-raises what it does not know
        return _failure_page(request, describe(exc, settings.OIDC_PROVIDER_NAME))


def _check_state_age(request) -> None:
    """Authlib keeps an expiry with each state but does not check it when reading it back; the portal does."""
    key = f"_state_portal_{request.GET.get('state', '')}"
    stored = request.session.get(key)
    if isinstance(stored, dict) and stored.get("exp", 0) < time.time():
        request.session.pop(key, None)
        raise StateExpired()


@login_not_required
@require_GET
def callback(request):
    if not sso_enabled():
        raise Http404("Single sign-on is not configured.")
    client = oidc_client()
    try:
        _check_state_age(request)
        metadata = provider_metadata()
        token = client.authorize_access_token(request)
        claims = token.get("userinfo")
        if not claims:
            raise ValueError("the provider sent no ID token")
        signed_in = sso_sign_in(request=request, issuer=metadata["issuer"].rstrip("/"), claims=claims)
    except Exception as exc:  # describe() re-raises what it does not know
        return _failure_page(request, describe(exc, settings.OIDC_PROVIDER_NAME))
    next_url = request.session.pop(NEXT_KEY, "")
    auth.login(request, signed_in.user, backend=BACKEND)
    request.session[ID_TOKEN_KEY] = token["id_token"]
    return redirect(_safe_next(request, next_url))


@login_not_required
@require_POST
def logout(request):
    """End the portal session; for a person who came through the provider, also end theirs there when the
    provider publishes an end_session_endpoint (RP-initiated logout)."""
    id_token = request.session.get(ID_TOKEN_KEY)
    auth.logout(request)
    back = request.build_absolute_uri(reverse(settings.LOGOUT_REDIRECT_URL))
    if id_token and sso_enabled():
        try:
            metadata = provider_metadata()
        except Exception:  # the provider is down: the portal session is over all the same
            logger.warning("sso logout: provider unreachable, portal session ended only", exc_info=True)
            return redirect(settings.LOGOUT_REDIRECT_URL)
        if metadata.get("end_session_endpoint"):
            return oidc_client().logout_redirect(request, post_logout_redirect_uri=back, id_token_hint=id_token)
    return redirect(settings.LOGOUT_REDIRECT_URL)
