"""Huge bodies and deeply nested JSON are refused early, with problem+json saying what is wrong; never a 500."""

import gzip
import io
import json

import pytest
from rest_framework.test import APIClient

from core.actors import Scope
from core.parsers import json_depth
from lineage.models import LineageEvent
from tests.conftest import bearer_client
from tests.lineage.conftest import run_event

pytestmark = pytest.mark.django_db


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


@pytest.fixture
def lineage_client(world):
    return bearer_client(world.team, [Scope.READ, Scope.WRITE_LINEAGE, Scope.WRITE_PRODUCTS, Scope.WRITE_GLOSSARY])


def assert_problem(response, status: int, words: str):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert words in json.dumps(body)


def test_a_declared_length_over_the_limit_is_refused_unread(lineage_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = lineage_client.generic(
        "POST",
        "/api/v1/lineage",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH="50000",
        **{"wsgi.input": Unreadable()},
    )
    assert_problem(response, 413, "over the limit of 1000 bytes")


def test_a_page_form_over_the_limit_is_refused_too(world, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/accounts/login/", {"username": "x" * 5000, "password": "y"})
    assert_problem(response, 413, "over the limit")


def test_a_malformed_length_is_refused(lineage_client):
    response = lineage_client.generic(
        "POST", "/api/v1/lineage", b"{}", content_type="application/json", CONTENT_LENGTH="12abc"
    )
    assert_problem(response, 400, "Content-Length")


def post_chunked(client, body: bytes):
    """POST `body` to the lineage API as a chunked request: no Content-Length, the body only in wsgi.input."""
    return client.generic(
        "POST",
        "/api/v1/lineage",
        b"",
        content_type="application/json",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(body)},
    )


def test_a_chunked_body_over_the_limit_is_refused(lineage_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post_chunked(lineage_client, b"[" * 5000)
    assert_problem(response, 413, "over the limit of 1000 bytes")


def test_a_chunked_body_within_the_limit_is_read_whole(lineage_client):
    response = post_chunked(lineage_client, json.dumps(run_event("chunked")).encode())
    assert response.status_code == 201, response.content
    assert LineageEvent.objects.count() == 1


def nested(depth: int) -> str:
    return '{"name": "deep", "extra": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("depth", [65, 100_000])
def test_deep_json_is_refused_by_the_catalog_api(lineage_client, depth):
    response = lineage_client.generic(
        "PUT", "/api/v1/products/sales/deep", nested(depth), content_type="application/json"
    )
    assert_problem(response, 400, "nested deeper than 64 levels")


@pytest.mark.parametrize("depth", [65, 100_000])
def test_deep_json_is_refused_by_the_lineage_api(lineage_client, depth):
    response = lineage_client.generic("POST", "/api/v1/lineage", nested(depth), content_type="application/json")
    assert_problem(response, 400, "nested deeper than 64 levels")
    assert not LineageEvent.objects.exists()


def test_deep_json_inside_gzip_is_refused_by_the_lineage_api(lineage_client):
    body = gzip.compress(nested(100_000).encode())
    response = lineage_client.generic(
        "POST", "/api/v1/lineage", body, content_type="application/json", HTTP_CONTENT_ENCODING="gzip"
    )
    assert_problem(response, 400, "nested deeper than 64 levels")


def test_a_gzip_bomb_is_refused_before_it_is_inflated_whole(lineage_client, settings):
    settings.LINEAGE_MAX_DECOMPRESSED_BYTES = 100_000
    body = gzip.compress(b" " * 50_000_000)  # 50 MB of spaces in ~50 KB
    assert len(body) < 100_000
    response = lineage_client.generic(
        "POST", "/api/v1/lineage", body, content_type="application/json", HTTP_CONTENT_ENCODING="gzip"
    )
    assert_problem(response, 413, "decompressed body is over 100000 bytes")


def test_deep_json_is_refused_by_the_glossary_api(lineage_client):
    response = lineage_client.generic(
        "POST", "/api/v1/glossary/proposals", nested(500), content_type="application/json"
    )
    assert_problem(response, 400, "nested deeper than 64 levels")


def test_deep_documents_are_refused_by_the_descriptor_import(lineage_client):
    response = lineage_client.generic("POST", "/api/v1/descriptors", nested(100_000), content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper" in response.content.decode()


def test_the_limit_is_a_setting(lineage_client, settings):
    settings.PORTAL_MAX_JSON_DEPTH = 200
    response = lineage_client.generic("POST", "/api/v1/lineage", nested(150), content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper" not in response.content.decode()  # parsed; refused as a bad event instead


def test_nan_is_still_refused(lineage_client):
    response = lineage_client.generic(
        "PUT", "/api/v1/products/sales/x", '{"name": NaN}', content_type="application/json"
    )
    assert_problem(response, 400, "NaN")


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("{}", 1),
        ('{"a": "[[[[{{{{", "b": [1, {"c": []}]}', 4),
        ('["\\"[[[", [[]]]', 3),
        ('"just a string"', 0),
    ],
)
def test_depth_is_counted_outside_strings(text, depth):
    assert json_depth(json.loads(text)) == depth


def test_anonymous_huge_bodies_are_refused_before_authentication(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = APIClient().generic(
        "PUT", "/api/v1/products/sales/x", "{}", content_type="application/json", CONTENT_LENGTH="10000000"
    )
    assert response.status_code == 413
