"""The database going away mid-request (simulated): clients get a retryable 503, and nothing is half-written.

A real restart of a private PostgreSQL during ingestion is scripted in bench/faults.py; here the connection
"drops" at a chosen statement through a database execute wrapper, which raises the error a lost connection
raises (OperationalError), in both the SQLite and the PostgreSQL pass.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client

from catalog.models import DataProduct, OutputPort, SchemaField
from core.http_errors import RETRY_AFTER_SECONDS

pytestmark = pytest.mark.django_db

PRODUCT: dict[str, Any] = {
    "name": "Invoices",
    "summary": "Every invoice sent.",
    "status": "published",
    "tags": ["billing"],
    "output_ports": [
        {"name": "invoices", "fields": [{"name": "invoice_id", "type": "string", "nullable": False}]},
        {"name": "lines", "fields": [{"name": "line_id", "type": "string"}, {"name": "amount", "type": "decimal"}]},
    ],
}


@contextmanager
def connection_lost_at(table: str):
    """Every statement that writes `table` fails as if the server had gone away; the ones before it ran."""

    def wrapper(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE")) and f'"{table}"' in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


@contextmanager
def database_down():
    def wrapper(execute, sql, params, many, context):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    with connection.execute_wrapper(wrapper):
        yield


def test_a_write_cut_off_mid_way_answers_503_and_leaves_nothing(team_client):
    # The product row and its first port are written before the schema fields, where the connection drops.
    with connection_lost_at("catalog_schemafield"):
        response = team_client.put("/api/v1/products/sales/invoices", PRODUCT, format="json")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = response.json()
    assert body["status"] == 503
    assert body["type"] == "/problems/service-unavailable"
    assert "retry" in body["detail"].lower()
    assert not DataProduct.objects.filter(slug="invoices").exists()
    assert not OutputPort.objects.filter(product__slug="invoices").exists()

    # The client retries the same request once the database is back, and gets the whole product.
    retried = team_client.put("/api/v1/products/sales/invoices", PRODUCT, format="json")
    assert retried.status_code == 201, retried.content
    product = DataProduct.objects.get(slug="invoices")
    assert sorted(product.output_ports.values_list("name", flat=True)) == ["invoices", "lines"]
    assert SchemaField.objects.filter(port__product=product).count() == 3


def test_an_update_cut_off_mid_way_keeps_the_previous_version_whole(team_client):
    assert team_client.put("/api/v1/products/sales/invoices", PRODUCT, format="json").status_code == 201
    changed = copy.deepcopy(PRODUCT)
    changed["summary"] = "Every invoice sent, corrected."
    changed["output_ports"][1]["fields"].append({"name": "currency", "type": "string"})

    with connection_lost_at("catalog_schemafield"):
        response = team_client.put("/api/v1/products/sales/invoices", changed, format="json")

    assert response.status_code == 503
    product = DataProduct.objects.get(slug="invoices")
    assert product.summary == "Every invoice sent."
    assert SchemaField.objects.filter(port__product=product).count() == 3


def test_api_reads_answer_503_problem_when_the_database_is_down(team_client):
    with database_down():
        response = team_client.get("/api/v1/products")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json()["instance"] == "/api/v1/products"


def test_pages_answer_a_503_page_when_the_database_is_down(world):
    browser = Client(raise_request_exception=False)
    browser.force_login(world.member)
    with database_down():
        response = browser.get("/products/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert b"Temporarily unavailable" in response.content
    assert b"try again" in response.content


def test_other_server_errors_stay_500(world):
    """Only the database's connection errors are retryable: a bug is still a 500, without Retry-After."""

    def wrapper(execute, sql, params, many, context):
        if "catalog_dataproduct" in sql or "catalog_productcount" in sql:  # the products, or their counts
            raise ValueError("a bug")
        return execute(sql, params, many, context)

    browser = Client(raise_request_exception=False)
    browser.force_login(world.member)
    with connection.execute_wrapper(wrapper):
        response = browser.get("/products/")
    assert response.status_code == 500
    assert "Retry-After" not in response
