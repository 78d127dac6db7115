"""A bug under /api/ answers problem+json 500 with an error id that the log names too; pages keep the HTML page.

Faults are injected: a query that raises (as a bug in a view would) and a middleware that raises (outside any
view, where only handler500 sees it).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

import core.middleware

pytestmark = pytest.mark.django_db


@contextmanager
def bug_in_product_queries():
    def wrapper(execute, sql, params, many, context):
        if "catalog_dataproduct" in sql or "catalog_productcount" in sql:  # the products, or their counts
            raise ValueError("a bug")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


def assert_server_error_problem(response, caplog, path: str) -> None:
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/server-error"
    assert body["status"] == 500
    assert body["instance"] == path
    error_id = body["error_id"]
    assert len(error_id) == 16 and error_id in body["detail"]
    assert "Traceback" not in body["detail"] and "a bug" not in response.content.decode()
    # The id leads to the traceback: the log line that names it carries the exception.
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert len(logged) == 1 and logged[0].levelno == logging.ERROR
    assert logged[0].exc_info is not None and str(logged[0].exc_info[1]) == "a bug"


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_a_bug_in_an_api_view_answers_problem_json_with_an_error_id(team_client, settings, caplog, debug):
    settings.DEBUG = debug  # the embedded profile's default is on, production's off
    with bug_in_product_queries():
        response = team_client.get("/api/v1/products")
    assert_server_error_problem(response, caplog, "/api/v1/products")


def test_a_bug_in_a_person_s_api_call_answers_problem_json(world, caplog):
    browser = Client(raise_request_exception=False)
    browser.force_login(world.member)
    with bug_in_product_queries():
        response = browser.get("/api/v1/products", HTTP_ACCEPT="text/html")
    assert_server_error_problem(response, caplog, "/api/v1/products")


def test_each_error_gets_its_own_id(team_client):
    with bug_in_product_queries():
        ids = {team_client.get("/api/v1/products").json()["error_id"] for _ in range(2)}
    assert len(ids) == 2


def test_a_bug_in_a_middleware_on_an_api_path_answers_problem_json(team_client, monkeypatch, caplog):
    """Outside any view: Django's handler500 answers (with DEBUG off, as in production)."""

    def broken() -> int:
        raise ValueError("a bug")

    monkeypatch.setattr(core.middleware, "max_body_bytes", broken)
    team_client.raise_request_exception = False
    response = team_client.get("/api/v1/products")
    assert_server_error_problem(response, caplog, "/api/v1/products")


@pytest.mark.parametrize("where", ["view", "middleware"])
def test_pages_keep_the_html_error_page(world, monkeypatch, where):
    browser = Client(raise_request_exception=False)
    browser.force_login(world.member)
    if where == "middleware":
        monkeypatch.setattr(core.middleware, "max_body_bytes", lambda: 1 / 0)
        response = browser.get("/products/")
    else:
        with bug_in_product_queries():
            response = browser.get("/products/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert b"Something went wrong" in response.content


def test_the_schema_documents_the_500_problem(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    answer = schema["paths"]["/api/v1/access/grants"]["get"]["responses"]["500"]
    assert answer["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "error_id" in schema["components"]["schemas"]["Problem"]["properties"]
