"""Login throttling (django-axes) and API throttles (per address, person, token)."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from core.actors import Scope
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


def sign_in(client, username, password, ip="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail(client, username, times, ip="10.0.0.1"):
    for _ in range(times):
        response = sign_in(client, username, "wrong", ip)
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()


def test_after_the_limit_of_failures_even_the_right_password_is_refused_with_a_clear_message(world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    fail(client, "olivia", 2)

    third = sign_in(client, "olivia", "wrong")
    assert third.status_code == 429
    right = sign_in(client, "olivia", PASSWORD)
    assert right.status_code == 429
    html = right.content.decode()
    assert "Sign-in paused" in html
    assert "Too many failed sign-ins (3)" in html
    assert "paused for 15 minutes" in html
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_per_username_and_address(world, settings):
    settings.AXES_FAILURE_LIMIT = 2
    fail(Client(), "olivia", 1)
    sign_in(Client(), "olivia", "wrong")

    assert sign_in(Client(), "olivia", PASSWORD, ip="10.0.0.1").status_code == 429
    assert sign_in(Client(), "olivia", PASSWORD, ip="10.9.9.9").status_code == 302  # another address
    assert sign_in(Client(), "mia", PASSWORD, ip="10.0.0.1").status_code == 302  # another account


def test_the_lockout_ends_after_the_cool_off(world, settings):
    settings.AXES_FAILURE_LIMIT = 2
    fail(Client(), "olivia", 1)
    assert sign_in(Client(), "olivia", "wrong").status_code == 429

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert sign_in(Client(), "olivia", PASSWORD).status_code == 302


def test_a_successful_sign_in_resets_the_count(world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    fail(Client(), "olivia", 2)
    assert sign_in(Client(), "olivia", PASSWORD).status_code == 302
    fail(Client(), "olivia", 2)
    assert sign_in(Client(), "olivia", PASSWORD).status_code == 302


def test_force_login_and_tokens_are_not_affected(world, settings, client, team_client):
    settings.AXES_FAILURE_LIMIT = 1
    sign_in(Client(), "olivia", "wrong", ip="127.0.0.1")
    client.force_login(world.owner)
    assert client.get("/").status_code == 200
    assert team_client.get("/api/v1/products").status_code == 200


def test_a_login_without_a_request_is_left_to_the_model_backend(world):
    assert Client().login(username="olivia", password=PASSWORD)


# ---- API throttles -------------------------------------------------------------------------------------------


def assert_throttled(response):
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) > 0
    assert response.json()["type"] == "/problems/throttled"


def test_a_token_over_its_rate_is_throttled_and_another_token_is_not(world, settings):
    settings.PORTAL_THROTTLE_RATES = {"anon": "100/min", "user": "100/min", "token": "3/min"}
    first = bearer_client(world.team, [Scope.READ])
    second = bearer_client(world.team, [Scope.READ])
    for _ in range(3):
        assert first.get("/api/v1/products").status_code == 200

    assert_throttled(first.get("/api/v1/products"))
    assert second.get("/api/v1/products").status_code == 200

    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert first.get("/api/v1/products").status_code == 200


def test_a_person_over_their_rate_is_throttled(world, settings, user_client):
    settings.PORTAL_THROTTLE_RATES = {"anon": "100/min", "user": "2/min", "token": "100/min"}
    olivia, mia = user_client(world.owner), user_client(world.member)
    olivia.get("/api/v1/products")
    olivia.get("/api/v1/products")
    assert_throttled(olivia.get("/api/v1/products"))
    assert mia.get("/api/v1/products").status_code == 200


def test_anonymous_callers_are_throttled_by_address(world, settings):
    settings.PORTAL_THROTTLE_RATES = {"anon": "2/min", "user": "100/min", "token": "100/min"}
    settings.PORTAL_PUBLIC_READ = True
    client = APIClient()
    for _ in range(2):
        assert client.get("/api/v1/products", REMOTE_ADDR="10.0.0.7").status_code == 200
    assert_throttled(client.get("/api/v1/products", REMOTE_ADDR="10.0.0.7"))
    assert client.get("/api/v1/products", REMOTE_ADDR="10.0.0.8").status_code == 200


def test_behind_a_proxy_the_forwarded_address_counts(world, settings):
    settings.PORTAL_THROTTLE_RATES = {"anon": "1/min", "user": "100/min", "token": "100/min"}
    settings.PORTAL_PUBLIC_READ = True
    settings.PORTAL_PROXY_COUNT = 1
    client = APIClient()
    proxy: dict[str, Any] = {"REMOTE_ADDR": "192.168.0.1"}  # extra WSGI environ, as the test client takes it
    assert client.get("/api/v1/products", HTTP_X_FORWARDED_FOR="1.1.1.1", **proxy).status_code == 200
    assert client.get("/api/v1/products", HTTP_X_FORWARDED_FOR="2.2.2.2", **proxy).status_code == 200
    # A client cannot escape by prepending an address of its choice: only the proxy's entry is believed.
    assert_throttled(client.get("/api/v1/products", HTTP_X_FORWARDED_FOR="9.9.9.9, 1.1.1.1", **proxy))
