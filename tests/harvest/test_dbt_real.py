"""A real dbt run: `dbt build` of tests/harvest/dbt_project/ against the local PostgreSQL (a schema of its own in the
test database), its target/ files harvested over the API; then the live tables harvested over a SQL connection, a
column dropped (drift on the product page) and put back (drift resolved).

Needs PostgreSQL (the PostgreSQL pass of `make test`) and the dbt tool venv that `make dbt-venv` builds under
.tools/dbt (make test builds it first).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from catalog.models import DataProduct, OutputPort, QualityRule, SchemaField
from core.actors import Actor, Scope
from harvest.models import Drift, RunStatus
from harvest.services.sql import connection_create, harvest_connection
from lineage.models import Dataset, Run
from slo.models import Measurement
from tests.conftest import bearer_client

ROOT = Path(__file__).resolve().parents[2]
PROJECT = Path(__file__).parent / "dbt_project"
DBT = ROOT / ".tools" / "dbt" / "bin" / "dbt"

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def built(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("dbt builds against PostgreSQL: run with DATABASE_URL (the PostgreSQL pass of make test)")
    if not DBT.exists():
        pytest.skip(f"the dbt tool venv is missing ({DBT}); `make dbt-venv` builds it")
    settings = connection.settings_dict
    schema = f"dbt_{uuid.uuid4().hex[:10]}"
    dsn = dict(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
    )
    with psycopg.connect(**dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(
            f"CREATE TABLE {schema}.app_orders (id int PRIMARY KEY, customer_id int, amount_cents int, status text)"
        )
        rows = "(1, 1, 1250, 'placed'), (2, 2, 990, 'shipped'), (3, 1, 500, 'cancelled')"
        conn.execute(f"INSERT INTO {schema}.app_orders VALUES {rows}")  # noqa: S608 - our own schema name
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs"))
    env = {
        **os.environ,
        "DBT_PG_HOST": str(dsn["host"]),
        "DBT_PG_PORT": str(dsn["port"]),
        "DBT_PG_USER": str(dsn["user"]),
        "DBT_PG_DATABASE": str(dsn["dbname"]),
        "DBT_PG_SCHEMA": schema,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }

    def dbt(*args: str) -> subprocess.CompletedProcess:
        # The tool venv's own dbt, with arguments of our own: nothing untrusted reaches the command line.
        return subprocess.run(  # noqa: S603
            [str(DBT), *args, "--profiles-dir", str(project), "--project-dir", str(project)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    build = dbt("build", "--target-path", str(tmp_path / "build"))
    # One test fails on purpose (a 'cancelled' order): dbt exits 1, the artifacts are all written.
    assert (tmp_path / "build" / "run_results.json").exists(), build.stdout + build.stderr
    docs = dbt("docs", "generate", "--target-path", str(tmp_path / "docs"))
    assert docs.returncode == 0, docs.stdout + docs.stderr
    yield {"schema": schema, "dsn": dsn, "build": tmp_path / "build", "docs": tmp_path / "docs"}
    with psycopg.connect(**dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/json")


def _post(client, built) -> dict:
    answer = client.post(
        "/api/v1/harvest/dbt?domain=sales&connection=warehouse",
        {
            "manifest": _upload(built["build"] / "manifest.json"),
            "catalog": _upload(built["docs"] / "catalog.json"),
            "run_results": _upload(built["build"] / "run_results.json"),
        },
        format="multipart",
    )
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_a_real_dbt_build_harvests_and_its_tables_drift(world, built):
    dsn, schema = built["dsn"], built["schema"]
    warehouse = connection_create(
        actor=Actor(user=world.owner),
        domain=world.domain,
        name="warehouse",
        url=f"postgresql://{dsn['user']}@{dsn['host']}:{dsn['port']}/{dsn['dbname']}",
    )
    client = bearer_client(world.team, [Scope.READ, Scope.WRITE_PRODUCTS, Scope.WRITE_LINEAGE])
    first = _post(client, built)
    assert first["namespace"] == f"postgres://{dsn['host']}:{dsn['port']}"

    orders = DataProduct.objects.get(domain=world.domain, slug="orders")
    port = OutputPort.objects.get(product=orders, name="orders_table")
    assert port.location == f"postgres://{dsn['host']}:{dsn['port']}/{dsn['dbname']}.{schema}.orders"
    fields = {f.name: f for f in SchemaField.objects.filter(port=port)}
    assert list(fields) == ["order_id", "customer_id", "first_name", "amount", "status"]
    assert fields["order_id"].data_type == "integer"  # from catalog.json: the type as built
    assert fields["amount"].classification == "internal"
    customers = DataProduct.objects.get(domain=world.domain, slug="customers")
    assert SchemaField.objects.get(port__product=customers, name="email").classification == "pii"
    assert customers.owner_team == world.team
    rules = QualityRule.objects.filter(contract__contract_id=port.contract_ref)
    assert sorted(rules.values_list("element", flat=True)) == [
        "orders_table.customer_id",
        "orders_table.order_id",
        "orders_table.order_id",
        "orders_table.status",
    ]
    # Lineage: stg_orders reads the source, orders reads stg_orders and customers; each model ran once.
    assert Dataset.objects.filter(name=f"{dsn['dbname']}.{schema}.app_orders").exists()
    assert Run.objects.filter(job__name="model.shop.orders", state="COMPLETE").count() == 1
    # 3 of the 4 tests on orders pass (the accepted_values test finds the cancelled order).
    assert Measurement.objects.get(slo__product=orders, slo__name="dbt tests").value == pytest.approx(0.75)

    second = _post(client, built)
    assert second["counts"]["created"] == 0 and second["counts"]["changed"] == 0, second

    run = harvest_connection(actor=Actor(user=world.owner), connection=warehouse)
    assert run.status == RunStatus.OK, run.error
    assert not Drift.objects.open().filter(port=port).exists()

    with psycopg.connect(**dsn, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE {schema}.orders DROP COLUMN status")
    harvest_connection(actor=Actor(user=world.owner), connection=warehouse)
    drift = Drift.objects.open().get(port=port)
    assert (drift.kind, drift.column, drift.breaking) == ("missing_column", "status", True)
    page = _page(world, orders)
    assert "status" in page and "breaks its contract" in page
    assert SchemaField.objects.filter(port=port, name="status").exists()  # the declared field is kept

    with psycopg.connect(**dsn, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE {schema}.orders ADD COLUMN status text")
    harvest_connection(actor=Actor(user=world.owner), connection=warehouse)
    assert not Drift.objects.open().filter(port=port).exists()
    assert "breaks its contract" not in _page(world, orders)


def _page(world, product) -> str:
    client = Client()
    client.force_login(world.member)
    answer = client.get(product.get_tab_url("schema"))  # drift shows in the Schema tab
    assert answer.status_code == 200
    return answer.content.decode()
