"""SQL harvests against live databases: PostgreSQL (127.0.0.1:5432, a schema of its own in database `postgres`, or
HARVEST_TEST_PG_DB), MariaDB (127.0.0.1:3306 root, a table of its own in database `harvest_test`, or
HARVEST_TEST_MARIADB_DB) and SQLite (a file). Each test removes what it made; skipped, saying so, where a server is
not there. Drift opens and resolves with the table, the owners are told, governance finds it, and a failing
connection loses nothing."""

from __future__ import annotations

import os
import sqlite3
import uuid
from typing import Any

import psycopg
import pymysql
import pytest
from django.core.management import call_command
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import LifecycleStatus, SchemaField
from catalog.services.products import product_upsert
from catalog.specs import FieldSpec, OutputPortSpec, ProductSpec
from core.actors import Actor, Scope
from core.errors import ValidationFailed
from core.models import Notification
from governance.models import Finding
from governance.services import governance_evaluate
from harvest.models import Connection, Drift, HarvestRun, ObservedSchema, RunStatus, SchemaChange
from harvest.services.sql import connection_create, harvest_connection
from slo.models import Measurement, SloKind
from slo.services import SloSpec, slo_create
from tests.conftest import bearer_client

PG: dict[str, Any] = {
    "host": "127.0.0.1",
    "port": 5432,
    "user": "root",
    "dbname": os.environ.get("HARVEST_TEST_PG_DB", "postgres"),
}
MARIA: dict[str, Any] = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}
MARIA_DB = os.environ.get("HARVEST_TEST_MARIADB_DB", "harvest_test")

FIELDS = [
    FieldSpec("id", "integer", nullable=False, primary_key=True, classification="internal", description="Id."),
    FieldSpec("email", "varchar(200)", classification="pii", description="Mail."),
    FieldSpec("amount", "numeric(10,2)", classification="internal", description="Amount."),
]


def _product(world, location: str, slug: str = "customers"):
    spec = ProductSpec(
        name="Customers",
        status=LifecycleStatus.PUBLISHED,
        description="Every customer of the shop, one row each, refreshed nightly from the app.",
        version="1.0.0",
        output_ports=[OutputPortSpec(name="table", location=location, fields=list(FIELDS))],
    )
    return product_upsert(actor=Actor(user=world.owner), domain_slug="sales", slug=slug, spec=spec).product


@pytest.fixture
def pg_schema():
    try:
        conn = psycopg.connect(**PG, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at 127.0.0.1:5432/{PG['dbname']}: {exc}")
    schema = f"h_{uuid.uuid4().hex[:10]}"
    conn.execute(f"CREATE SCHEMA {schema}")
    conn.execute(f"CREATE TABLE {schema}.customers (id integer PRIMARY KEY, email text, amount numeric(10,2))")
    conn.execute(f"COMMENT ON COLUMN {schema}.customers.email IS 'where to write'")
    conn.execute(f"INSERT INTO {schema}.customers VALUES (1, 'a@example.com', 3.5), (2, NULL, 1)")  # noqa: S608 - our own schema name
    yield conn, schema
    conn.execute(f"DROP SCHEMA {schema} CASCADE")
    conn.close()


def _pg_connection(world, **extra) -> Connection:
    return connection_create(
        actor=Actor(user=world.owner),
        domain=world.domain,
        name="warehouse",
        url=f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/{PG['dbname']}",
        **extra,
    )


def test_postgresql_columns_drift_opens_tells_the_owners_and_resolves(world, pg_schema):
    conn, schema = pg_schema
    product = _product(world, f"postgres://127.0.0.1:5432/{PG['dbname']}.{schema}.customers")
    warehouse = _pg_connection(world)
    run = harvest_connection(actor=Actor(user=world.owner), connection=warehouse)
    assert run.status == RunStatus.OK, run.error
    observed = ObservedSchema.objects.get(port__product=product)
    assert [c["name"] for c in observed.columns] == ["id", "email", "amount"]
    assert observed.columns[0]["primary_key"] is True and observed.columns[0]["nullable"] is False
    assert observed.columns[1]["comment"] == "where to write"
    assert not Drift.objects.exists()

    conn.execute(f"ALTER TABLE {schema}.customers DROP COLUMN amount")
    conn.execute(f"ALTER TABLE {schema}.customers ADD COLUMN country text")
    conn.execute(f"ALTER TABLE {schema}.customers ALTER COLUMN email TYPE integer USING NULL")
    harvest_connection(actor=Actor(user=world.owner), connection=warehouse)
    found = {(d.kind, d.column, d.breaking) for d in Drift.objects.open()}
    assert found == {
        ("missing_column", "amount", True),
        ("new_column", "country", False),
        ("type_changed", "email", True),
    }
    assert SchemaChange.objects.filter(change="opened").count() == 3
    told = Notification.objects.filter(kind="harvest.drift")
    assert {n.recipient for n in told} == {world.owner, world.steward, world.member}
    assert "breaks its contract" in told.first().title
    # What the governance task does once the harvest's write commits (on-commit hooks do not run in these tests).
    governance_evaluate(product_ids=[product.pk])
    policies = dict(Finding.objects.open().filter(product=product).values_list("policy_id", "message"))
    assert "amount" in policies["schema-drift-breaking"] and "country" in policies["schema-drift"]
    # Declared fields are never touched by a harvest.
    assert list(SchemaField.objects.filter(port__product=product).values_list("name", flat=True)) == [
        "id",
        "email",
        "amount",
    ]

    # The same state again: nothing new opens, nobody is told twice.
    harvest_connection(actor=Actor(user=world.owner), connection=warehouse)
    assert Drift.objects.open().count() == 3 and told.count() == 3

    conn.execute(f"ALTER TABLE {schema}.customers DROP COLUMN country")
    conn.execute(f"ALTER TABLE {schema}.customers ALTER COLUMN email TYPE text")
    conn.execute(f"ALTER TABLE {schema}.customers ADD COLUMN amount numeric(10,2)")
    harvest_connection(actor=Actor(user=world.owner), connection=warehouse)
    assert not Drift.objects.open().exists()
    assert SchemaChange.objects.filter(change="resolved").count() == 3
    governance_evaluate(product_ids=[product.pk])
    assert not Finding.objects.open().filter(product=product, policy_id__startswith="schema-drift").exists()


def test_a_dropped_table_is_breaking_drift_and_an_error_and_loses_nothing(world, pg_schema):
    conn, schema = pg_schema
    product = _product(world, f"{PG['dbname']}.{schema}.customers")
    warehouse = _pg_connection(world)
    harvest_connection(actor=Actor(user=world.owner), connection=warehouse)
    conn.execute(f"DROP TABLE {schema}.customers")
    run = harvest_connection(actor=Actor(user=world.owner), connection=warehouse)
    assert run.status == RunStatus.PARTIAL
    assert f"{schema}.customers not found" in run.error
    assert Drift.objects.open().get().kind == "table_missing"
    assert SchemaField.objects.filter(port__product=product).count() == 3
    assert ObservedSchema.objects.filter(port__product=product).exists()


def test_wrong_password_and_a_host_that_is_down_fail_the_run_with_the_reason(world, monkeypatch, tmp_path):
    product = _product(world, "shop.customers")
    monkeypatch.delenv("NO_SUCH_SECRET", raising=False)
    missing = connection_create(
        actor=Actor(user=world.owner),
        domain=world.domain,
        name="nosecret",
        url="mysql://root@127.0.0.1:3306/shop",
        secret_env="NO_SUCH_SECRET",
    )
    run = harvest_connection(actor=Actor(user=world.owner), connection=missing)
    assert run.status == RunStatus.FAILED and "NO_SUCH_SECRET" in run.error
    secret = tmp_path / "secret"
    secret.write_text("definitely-wrong\n")
    wrong = connection_create(
        actor=Actor(user=world.owner),
        domain=world.domain,
        name="wrong",
        url="mysql://root@127.0.0.1:3306/mysql",
        secret_file=str(secret),
    )
    run = harvest_connection(actor=Actor(user=world.owner), connection=wrong)
    assert run.status == RunStatus.FAILED and "Access denied" in run.error, run.error
    assert "definitely-wrong" not in run.error
    down = connection_create(
        actor=Actor(user=world.owner), domain=world.domain, name="down", url="postgresql://root@127.0.0.1:1/none"
    )
    run = harvest_connection(actor=Actor(user=world.owner), connection=down)
    assert run.status == RunStatus.FAILED and "Cannot connect" in run.error
    assert SchemaField.objects.filter(port__product=product).count() == 3
    assert not Drift.objects.exists()


def test_mariadb_tables_and_row_counts(world):
    try:
        admin = pymysql.connect(**MARIA, autocommit=True, connect_timeout=3)
    except pymysql.MySQLError as exc:
        pytest.skip(f"no MariaDB at 127.0.0.1:3306: {exc}")
    table = f"customers_{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE IF NOT EXISTS {MARIA_DB}")
        cur.execute(
            f"CREATE TABLE {MARIA_DB}.{table} (id int PRIMARY KEY, email varchar(200) COMMENT 'mail', "
            "amount decimal(10,2), created datetime NOT NULL)"
        )
        cur.execute(f"INSERT INTO {MARIA_DB}.{table} VALUES (1, 'a@x', 1.0, NOW()), (2, 'b@x', 2.0, NOW())")  # noqa: S608 - our own table name
    try:
        product = _product(world, f"mysql://127.0.0.1:3306/{MARIA_DB}.{table}")
        volume = slo_create(
            actor=Actor(user=world.owner), product=product, spec=SloSpec(name="rows", kind=SloKind.VOLUME, min_rows=1)
        )
        maria = connection_create(
            actor=Actor(user=world.owner),
            domain=world.domain,
            name="shopdb",
            url=f"mysql://root@127.0.0.1:3306/{MARIA_DB}",
            measure=True,
        )
        run = harvest_connection(actor=Actor(user=world.owner), connection=maria)
        assert run.status == RunStatus.OK, run.error
        columns = ObservedSchema.objects.get(port__product=product).columns
        assert [c["name"] for c in columns] == ["id", "email", "amount", "created"]
        assert columns[1]["comment"] == "mail"
        assert {(d.kind, d.column) for d in Drift.objects.open()} == {("new_column", "created")}
        assert Measurement.objects.get(slo=volume).value == 2
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {MARIA_DB}.{table}")
        admin.close()


def test_sqlite_bare_locations_and_the_due_command(world, tmp_path):
    path = tmp_path / "app.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, amount NUMERIC)")
    product = _product(world, "customers")
    lite = connection_create(
        actor=Actor(user=world.owner), domain=world.domain, name="app", url=f"sqlite:///{path}", schedule_minutes=60
    )
    call_command("harvest_due")
    run = HarvestRun.objects.get(connection=lite)
    assert run.status == RunStatus.OK, run.error
    assert not Drift.objects.open().filter(product=product).exists()
    call_command("harvest_due")  # not due again for an hour
    assert HarvestRun.objects.filter(connection=lite).count() == 1


def test_a_url_with_a_password_is_refused_and_urls_show_masked(world):
    with pytest.raises(ValidationFailed) as refused:
        connection_create(
            actor=Actor(user=world.owner), domain=world.domain, name="x", url="postgresql://u:secret@db/x"
        )
    assert refused.value.errors[0].path == "/url"
    assert not Connection.objects.exists()


def test_the_connections_page_lists_runs_and_lets_owners_add_and_harvest(world, client, tmp_path):
    path = tmp_path / "app.sqlite3"
    sqlite3.connect(path).close()
    client.force_login(world.owner)
    url = reverse("harvest_connections", args=["sales"])
    answer = client.post(
        url, {"name": "app", "url": f"sqlite:///{path}", "secret_env": "", "secret_file": "", "schedule_minutes": 0}
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    answer = client.post(reverse("harvest_connection_run", args=["sales", "app"]))
    assert answer.status_code == 302
    page = client.get(url).content.decode()
    assert "Harvest now" in page and "Succeeded" in page
    bad = client.post(url, {"name": "b", "url": "postgresql://u:pw@h/x", "schedule_minutes": 0})
    assert bad.status_code == 400 and "Leave the password out" in bad.content.decode()
    client.force_login(world.outsider)
    assert "Harvest now" not in client.get(url).content.decode()
    assert client.post(reverse("harvest_connection_run", args=["sales", "app"])).status_code == 403


def test_the_run_api_needs_the_domains_token(world, tmp_path):
    path = tmp_path / "app.sqlite3"
    sqlite3.connect(path).close()
    connection_create(actor=Actor(user=world.owner), domain=world.domain, name="app", url=f"sqlite:///{path}")
    mine = bearer_client(world.team, [Scope.WRITE_PRODUCTS])
    answer = mine.post("/api/v1/harvest/connections/sales/app/run")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"
    theirs = bearer_client(world.other_team, [Scope.WRITE_PRODUCTS])
    assert theirs.post("/api/v1/harvest/connections/sales/app/run").status_code == 403


def test_the_connections_page_reads_a_fixed_number_of_queries(world, client, tmp_path):
    client.force_login(world.owner)
    url = reverse("harvest_connections", args=["sales"])

    def add(n: int) -> None:
        path = tmp_path / f"db{n}.sqlite3"
        sqlite3.connect(path).close()
        made = connection_create(
            actor=Actor(user=world.owner), domain=world.domain, name=f"c{n}", url=f"sqlite:///{path}"
        )
        harvest_connection(actor=Actor(user=world.owner), connection=made)

    def queries() -> int:
        with CaptureQueriesContext(db) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    add(0)
    add(1)
    few = queries()
    for n in range(2, 7):
        add(n)
    assert queries() == few
