"""Every address under /api/ that serves nothing, and every method a route does not take, answers problem+json,
DEBUG on (the embedded profile's default) or off; never Django's HTML page or an APPEND_SLASH redirect."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from rest_framework.test import APIClient

from core.actors import Scope
from core.http_errors import api_not_found
from tests.conftest import bearer_client

METHODS = ("get", "post", "put", "patch", "delete")


def _api_routes(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _api_routes(entry, prefix + str(entry.pattern))
        elif (
            isinstance(entry, URLPattern)
            and (prefix + str(entry.pattern)).startswith("api/")
            and entry.callback is not api_not_found
        ):
            yield prefix + str(entry.pattern), entry.callback


def _sample_path(route: str) -> str:
    """A concrete address for a route: each placeholder filled with a value its converter takes."""
    path = re.sub(r"<int:[^>]+>", "999999", route)
    path = re.sub(r"<uuid:[^>]+>", "00000000-0000-4000-8000-000000000000", path)
    path = re.sub(r"<[^>]+>", "nothing-here", path)
    return "/" + path.lstrip("^").rstrip("$")


def _prefixes() -> list[str]:
    """Each app's prefix under /api/ (api/v1/glossary/, api/v1/access/, ...), from the routes themselves."""
    found = set()
    for route, _ in _api_routes():
        parts = _sample_path(route).strip("/").split("/")
        found.add("/" + "/".join(parts[:3]) + "/")
        found.add("/" + "/".join(parts[:2]) + "/")
    return sorted(found)


def _assert_problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert body["status"] == status
    return body


@pytest.fixture(params=[True, False], ids=["debug", "no-debug"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_the_routes_are_found():
    # The walk below must see the API of every app, or the matrix tests nothing.
    prefixes = _prefixes()
    for expected in ("/api/v1/glossary/", "/api/v1/access/", "/api/v1/tokens/", "/api/v1/governance/"):
        assert expected in prefixes
    assert len(list(_api_routes())) > 40


def _owned_by_a_path_route(prefix: str) -> bool:
    """Marquez's namespaces and events take any name, slashes included (`<path:...>`): every address under them is
    that route's, which answers its own 404 for a name that does not exist."""
    return any(route.startswith(prefix.lstrip("/")) and "<path:" in route for route, _ in _api_routes())


@pytest.mark.parametrize("method", METHODS)
def test_an_unknown_address_under_every_api_prefix_is_a_problem_404(debug, team_client, method):
    for prefix in _prefixes():
        candidates = (prefix + "no-such-thing", prefix + "no-such-thing/", prefix + "a/b/c/d/e/")
        if _owned_by_a_path_route(prefix):
            if method == "get":
                for path in candidates:
                    _assert_problem(team_client.get(path), 404)
            continue
        unknown = [path for path in candidates if resolve(path).func is api_not_found]
        assert unknown, prefix
        for path in unknown:
            response = getattr(team_client, method)(path)
            body = _assert_problem(response, 404)
            assert body["instance"] == path


def test_an_address_a_converter_refuses_is_a_problem_404(debug, team_client):
    # <int:pk> given a word: the resolver matches nothing.
    response = team_client.get("/api/v1/access/requests/not-a-number")
    _assert_problem(response, 404)


def test_a_missing_trailing_slash_is_a_problem_404_naming_the_right_address(debug, team_client):
    # /api/schema/ exists; without its slash it must not be an HTML redirect (a POST would lose its body) but a
    # 404 that says where to go.
    slashed = "/api/schema/"
    assert resolve(slashed).func is not api_not_found
    for method in ("get", "post"):
        response = getattr(team_client, method)(slashed.rstrip("/"))
        body = _assert_problem(response, 404)
        assert slashed in body["detail"]


def test_pages_keep_their_html_404(settings, client, world):
    settings.DEBUG = False
    client.force_login(world.owner)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("debug_on", [True, False])
def test_every_route_refuses_a_method_it_does_not_take_with_a_problem_405(settings, world, debug_on):
    # Permissions are checked before the method: a superuser's session passes the people's permission classes,
    # a token with every scope the pipelines' ones.
    token_client = bearer_client(world.team, [scope.value for scope in Scope])
    settings.DEBUG = debug_on
    world.staff.is_superuser = True
    world.staff.save()
    client = APIClient()
    client.force_login(world.staff)
    checked = 0
    for route, callback in _api_routes():
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if view_class is None:
            continue
        allowed = {m for m in METHODS if hasattr(view_class, m)}
        refused = [m for m in METHODS if m not in allowed]
        if not refused:
            continue
        response = getattr(client, refused[0])(_sample_path(route))
        if response.status_code == 401:
            response = getattr(token_client, refused[0])(_sample_path(route))
        _assert_problem(response, 405)
        checked += 1
    assert checked > 20


def test_a_post_without_csrf_cookie_to_an_unknown_address_is_a_problem_404(debug, world):
    # A signed-in session without the CSRF cookie: the answer is still the API's 404, not Django's HTML 403.
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.member)
    response = client.post("/api/v1/access/deliveries/not-a-number/redeliver")
    _assert_problem(response, 404)
