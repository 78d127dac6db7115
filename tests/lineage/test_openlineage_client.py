"""The real openlineage-python client, sending to a live portal as a pipeline would."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from core.actors import Scope
from lineage.models import ColumnEdge, Dataset, DatasetSchemaVersion, JobDataset, LineageEvent, Run
from tokens.services import token_create

ol = pytest.importorskip("openlineage.client", reason="the client tests need openlineage-python (dev extra)")
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, RunEvent, RunState  # noqa: E402
from openlineage.client.event_v2 import Run as OLRun  # noqa: E402
from openlineage.client.facet_v2 import column_lineage_dataset, schema_dataset  # noqa: E402
from openlineage.client.transport.http import (  # noqa: E402
    ApiKeyTokenProvider,
    HttpCompression,
    HttpConfig,
    HttpTransport,
)

pytestmark = [pytest.mark.django_db(transaction=True)]
PRODUCER = "https://github.com/acme/pipelines/orders-load"


def client_for(url: str, secret: str, *, gzip: bool = False):
    config = HttpConfig(
        url=url,
        auth=ApiKeyTokenProvider({"api_key": secret}),
        compression=HttpCompression.GZIP if gzip else None,
        # One attempt: a refused event must show up here as an error, not as three.
        retry={"total": 0},
    )
    return ol.OpenLineageClient(transport=HttpTransport(config))


def orders_events(run_id: str) -> list[RunEvent]:
    start = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
    job = Job(namespace="airflow://acme", name="orders_daily.load")
    raw = InputDataset(
        namespace="postgres://shop:5432",
        name="shop.public.orders",
        facets={
            "schema": schema_dataset.SchemaDatasetFacet(
                fields=[
                    schema_dataset.SchemaDatasetFacetFields(name="id", type="bigint"),
                    schema_dataset.SchemaDatasetFacetFields(name="amount", type="numeric"),
                ]
            )
        },
    )
    lineage = column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            "total": column_lineage_dataset.Fields(
                inputFields=[
                    column_lineage_dataset.InputField(
                        namespace="postgres://shop:5432",
                        name="shop.public.orders",
                        field="amount",
                        transformations=[column_lineage_dataset.Transformation(type="INDIRECT", subtype="AGGREGATION")],
                    )
                ]
            )
        }
    )
    mart = OutputDataset(namespace="snowflake://acme", name="SALES.DAILY_ORDERS", facets={"columnLineage": lineage})
    return [
        RunEvent(
            eventType=RunState.START,
            eventTime=start.isoformat(),
            run=OLRun(runId=run_id),
            job=job,
            producer=PRODUCER,
            inputs=[raw],
            outputs=[mart],
        ),
        RunEvent(
            eventType=RunState.COMPLETE,
            eventTime=(start + timedelta(minutes=12)).isoformat(),
            run=OLRun(runId=run_id),
            job=job,
            producer=PRODUCER,
            inputs=[raw],
            outputs=[mart],
        ),
    ]


@pytest.fixture
def secret(world) -> str:
    return token_create(actor=None, team=world.team, name="airflow", scopes=[Scope.READ, Scope.WRITE_LINEAGE]).secret


@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
def test_the_clients_events_land_as_a_graph(live_server, secret, gzip):
    client = client_for(live_server.url, secret, gzip=gzip)
    run_id = str(uuid.uuid4())
    for event in orders_events(run_id):
        client.emit(event)

    run = Run.objects.get(run_uuid=uuid.UUID(run_id))
    assert (run.state, run.duration) == ("COMPLETE", timedelta(minutes=12))
    assert LineageEvent.objects.count() == 2
    assert sorted(JobDataset.objects.values_list("dataset__name", "direction")) == [
        ("SALES.DAILY_ORDERS", "out"),
        ("shop.public.orders", "in"),
    ]
    amount = Dataset.objects.get(name="shop.public.orders").fields[1]
    assert (amount["name"], amount["type"]) == ("amount", "numeric")
    assert DatasetSchemaVersion.objects.count() == 1
    edge = ColumnEdge.objects.select_related("source", "target").get()
    assert (edge.source.name, edge.target.name) == ("amount", "total")

    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    graph = reader.get(
        f"{live_server.url}/api/v1/lineage", {"nodeId": "dataset:snowflake://acme:SALES.DAILY_ORDERS", "depth": "1"}
    ).json()["graph"]
    assert {n["id"] for n in graph} == {
        "dataset:snowflake://acme:SALES.DAILY_ORDERS",
        "job:airflow://acme:orders_daily.load",
        "dataset:postgres://shop:5432:shop.public.orders",
    }


def test_sending_the_same_events_again_changes_nothing(live_server, secret):
    client = client_for(live_server.url, secret)
    events = orders_events(str(uuid.uuid4()))
    for event in events + events:
        client.emit(event)
    assert LineageEvent.objects.count() == 2
    assert JobDataset.objects.count() == 2


def test_the_client_raises_when_the_token_may_not_send_lineage(live_server, world):
    secret = token_create(actor=None, team=world.team, name="ci", scopes=[Scope.WRITE_PRODUCTS]).secret
    client = client_for(live_server.url, secret)
    with pytest.raises(Exception, match="403"):
        client.emit(orders_events(str(uuid.uuid4()))[0])
    assert not LineageEvent.objects.exists()
