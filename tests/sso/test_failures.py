"""Each way a sign-in fails: a page that says what happened, no user made or changed, an audit entry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from audit.models import AuditEntry
from catalog.models import TeamMembership
from sso.models import OidcIdentity
from tests.sso.provider import path_and_query
from tests.sso.test_sign_in import sso_sign_in

pytestmark = pytest.mark.django_db


def refusals() -> list[tuple[str, int]]:
    rows = AuditEntry.objects.filter(object_ref__startswith="sso: sign-in refused").order_by("pk")
    return [(ref.split("(")[1].split(")")[0], status) for ref, status in rows.values_list("object_ref", "status_code")]


def nobody_made(before: int) -> None:
    assert User.objects.count() == before
    assert not OidcIdentity.objects.exists()
    assert not TeamMembership.objects.filter(user__username="alice").exists()


def test_a_wrong_client_secret(world, provider, sso_settings):
    sso_settings.OIDC_CLIENT_SECRET = "not-the-secret"
    provider.add_user("alice", groups=["sales-owners"])
    before = User.objects.count()

    answer = sso_sign_in(Client(), provider, "alice")

    assert answer.status_code == 502
    assert "Test IdP did not accept the portal&#x27;s client id or secret" in answer.content.decode()
    nobody_made(before)
    assert refusals() == [("client-refused", 502)]


def test_a_replayed_callback(world, provider, sso_settings):
    provider.add_user("alice", groups=["sales-owners"])
    client = Client()
    started = client.get("/sso/login/")
    back = path_and_query(provider.log_in(started["Location"], "alice"))
    assert client.get(back).status_code == 302

    again = client.get(back)

    assert again.status_code == 400
    assert "It was already used, has expired, or was started in another browser" in again.content.decode()
    assert User.objects.filter(username="alice").count() == 1
    assert refusals() == [("state-mismatch", 400)]


def test_a_callback_in_another_browser_is_refused(world, provider, sso_settings):
    provider.add_user("alice", groups=["sales-owners"])
    before = User.objects.count()
    started = Client().get("/sso/login/")
    back = path_and_query(provider.log_in(started["Location"], "alice"))

    answer = Client().get(back)  # an attacker's browser, without the session that started the sign-in

    assert answer.status_code == 400
    nobody_made(before)


def test_an_expired_sign_in(world, provider, sso_settings):
    provider.add_user("alice", groups=["sales-owners"])
    before = User.objects.count()
    client = Client()
    started = client.get("/sso/login/")
    back = path_and_query(provider.log_in(started["Location"], "alice"))

    later = datetime.now(UTC) + timedelta(seconds=sso_settings.OIDC_STATE_MAX_AGE_SECONDS + 60)
    with time_machine.travel(later, tick=True):
        answer = client.get(back)

    assert answer.status_code == 400
    assert "This sign-in took too long" in answer.content.decode()
    nobody_made(before)
    assert refusals() == [("state-expired", 400)]


def test_the_provider_is_down_when_the_sign_in_starts(world, provider, sso_settings):
    provider.stop()
    answer = Client().get("/sso/login/")
    assert answer.status_code == 503
    assert "The portal could not reach Test IdP" in answer.content.decode()
    assert refusals() == [("provider-unreachable", 503)]


def test_the_provider_goes_down_during_the_sign_in(world, provider, sso_settings):
    provider.add_user("alice", groups=["sales-owners"])
    before = User.objects.count()
    client = Client()
    started = client.get("/sso/login/")
    back = path_and_query(provider.log_in(started["Location"], "alice"))
    provider.stop()

    answer = client.get(back)

    assert answer.status_code == 503
    assert "Try again in a few minutes" in answer.content.decode()
    nobody_made(before)


def test_a_token_signed_by_a_key_the_provider_does_not_publish(world, provider, sso_settings):
    provider.add_user("alice", groups=["sales-owners"])
    provider.sign_with_unpublished_key()
    before = User.objects.count()

    answer = sso_sign_in(Client(), provider, "alice")

    assert answer.status_code == 502
    assert "signed with a key that Test IdP does not publish" in answer.content.decode()
    nobody_made(before)
    assert refusals() == [("unknown-signing-key", 502)]
    assert provider.hits("/jwks") == 2  # the keys it had, then once more in case they had rotated


def test_a_rotated_key_is_fetched_once_and_accepted(world, provider, sso_settings):
    provider.add_user("alice", groups=["sales-owners"])
    assert sso_sign_in(Client(), provider, "alice").status_code == 302  # the portal now holds the first JWKS
    provider.rotate_keys()

    assert sso_sign_in(Client(), provider, "alice").status_code == 302
    assert refusals() == []
    assert provider.hits("/jwks") == 2  # once for the first key, once when a token named the new one
    assert sso_sign_in(Client(), provider, "alice").status_code == 302
    assert provider.hits("/jwks") == 2  # and kept since


def test_a_disabled_person(world, provider, sso_settings):
    provider.add_user("alice", groups=["sales-owners"])
    sso_sign_in(Client(), provider, "alice")
    User.objects.filter(username="alice").update(is_active=False)
    provider.set_groups("alice", ["finance-owners"])
    client = Client()

    answer = sso_sign_in(client, provider, "alice")

    assert answer.status_code == 403
    assert "Your portal account is disabled" in answer.content.decode()
    assert dict(TeamMembership.objects.filter(user__username="alice").values_list("team__slug", "role")) == {
        "sales-team": "owner"
    }
    assert client.get("/access/approvals/").status_code == 302  # not signed in
    assert refusals() == [("user-disabled", 403)]
    assert AuditEntry.objects.get(object_ref__startswith="sso: sign-in refused").username == "alice"


def test_a_broken_group_map_leaves_no_half_made_person(world, provider, sso_settings):
    # The map is read after the account is made: the whole sign-in rolls back.
    sso_settings.OIDC_TEAM_MAP = json.dumps({"sales-owners": {"team": "sales-team", "role": "boss"}})
    provider.add_user("alice", groups=["sales-owners"])
    before = User.objects.count()

    answer = sso_sign_in(Client(), provider, "alice")

    assert answer.status_code == 500
    assert "tell a portal administrator" in answer.content.decode()
    nobody_made(before)
    assert refusals()[0][1] == 500


def test_the_provider_denies_the_person(world, provider, sso_settings):
    client = Client()
    client.get("/sso/login/")
    keys = client.session.keys()
    state = next(key for key in keys if key.startswith("_state_portal_")).removeprefix("_state_portal_")
    answer = client.get("/sso/callback/", {"state": state, "error": "access_denied", "error_description": "No"})
    assert answer.status_code == 403
    assert "Test IdP said: No." in answer.content.decode()


def test_an_account_without_a_required_claim_is_not_admitted(world, provider, sso_settings):
    sso_settings.OIDC_REQUIRED_CLAIMS = '{"hd": "example.com"}'  # a Google Workspace domain; this token has no hd
    provider.add_user("alice", groups=["sales-owners"])
    before = User.objects.count()

    answer = sso_sign_in(Client(), provider, "alice")

    assert answer.status_code == 403
    assert "is not one this portal admits (hd)" in answer.content.decode()
    nobody_made(before)
    assert refusals() == [("claim-not-admitted", 403)]
