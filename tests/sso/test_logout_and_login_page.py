"""Sign-out (with RP-initiated logout at the provider) and the login page's two ways in."""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client

from tests.sso.test_sign_in import sso_sign_in

pytestmark = pytest.mark.django_db


def test_sign_out_ends_the_portal_session_and_the_providers(world, provider, sso_settings):
    provider.add_user("alice", groups=["sales-owners"])
    client = Client(enforce_csrf_checks=True)
    sso_sign_in(client, provider, "alice")
    page = client.get("/")
    token = page.context["csrf_token"]

    answer = client.post("/accounts/logout/", {"csrfmiddlewaretoken": str(token)})

    assert answer.status_code == 302
    target = urlsplit(answer["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.url}/logout"
    query = parse_qs(target.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert query["id_token_hint"][0].count(".") == 2
    assert client.get("/access/approvals/").status_code == 302  # the portal session is over
    back = requests.get(answer["Location"], allow_redirects=False, timeout=10)
    assert back.headers["Location"] == "http://testserver/accounts/login/"


def test_a_local_account_signs_out_without_the_provider(world, provider, sso_settings):
    client = Client()
    client.force_login(world.owner)
    answer = client.post("/accounts/logout/")
    assert answer["Location"] == "/accounts/login/"


def test_the_login_page_offers_the_provider_and_passwords(world, sso_settings):
    page = Client().get("/accounts/login/?next=/access/approvals/").content.decode()
    assert 'href="/sso/login/?next=/access/approvals/"' in page
    assert "Sign in with Test IdP" in page
    assert 'name="password"' in page


def test_local_login_can_be_turned_off(world, sso_settings):
    sso_settings.PORTAL_LOCAL_LOGIN = False
    page = Client().get("/accounts/login/").content.decode()
    assert "Sign in with Test IdP" in page
    assert 'name="password"' not in page
    world.owner.set_password("pass-word-123")
    world.owner.save()
    client = Client()
    answer = client.post("/accounts/login/", {"username": "olivia", "password": "pass-word-123"})
    assert answer.status_code == 403
    assert "Password sign-in is turned off here: sign in with Test IdP." in answer.content.decode()
    assert "_auth_user_id" not in client.session
    sso_settings.PORTAL_LOCAL_LOGIN = True
    assert client.post("/accounts/login/", {"username": "olivia", "password": "pass-word-123"}).status_code == 302
    assert client.session["_auth_user_id"] == str(world.owner.pk)


def settings_from_env(name: str, **env: str) -> str:
    """A setting as config/settings.py computes it from these environment variables, in a fresh interpreter."""
    script = f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    out = subprocess.run(  # noqa: S603 - the running interpreter on a fixed script
        [sys.executable, "-c", script],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_without_local_login_no_backend_checks_passwords_not_even_the_admins():
    backends = settings_from_env("AUTHENTICATION_BACKENDS", PORTAL_LOCAL_LOGIN="false")
    assert backends == "['sso.backends.OidcSessionBackend']"


def test_pages_may_send_the_sign_out_form_on_to_the_provider():
    directives = settings_from_env(
        "CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']", OIDC_ISSUER="https://login.example.com/realms/x"
    )
    assert directives == "[\"'self'\", 'https://login.example.com']"
