"""Measurements from the real OpenLineage events of the conformance corpus, and schema changes on the product page."""

from __future__ import annotations

import copy

import pytest
import time_machine

from core.actors import Scope
from lineage.openlineage import parse_event
from slo.lineage_feed import measurements_from_observations, observations_of
from slo.models import Measurement
from slo.receivers import on_events_stored
from tests.conftest import bearer_client
from tests.factories import OutputPortFactory
from tests.lineage.conftest import conformance, dataset, run_event

pytestmark = pytest.mark.django_db

MARQUEZ = "marquez_event_full_dq_facets.json"
SPARK = "spark_create_table_complete_symlinks_lifecycle.json"


@pytest.fixture
def send(world, django_capture_on_commit_callbacks):
    client = bearer_client(world.team, [Scope.READ, Scope.WRITE_LINEAGE])

    def send(event, *, at: str):
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/v1/lineage", event, format="json")
        assert response.status_code in (200, 201), response.content
        return response

    return send


@pytest.fixture
def table_port(product):
    """The port the Marquez example writes: located by the dataset's table name."""
    return OutputPortFactory(product=product, name="table", location="instance.schema.table")


def test_the_marquez_event_measures_freshness_volume_and_assertions(send, make_slo, table_port):
    fresh = make_slo("fresh", "freshness", port=table_port, threshold=3600)
    rows = make_slo("rows", "volume", port=table_port, min_rows=1000, max_rows=5000)
    checks = make_slo("checks", "custom", metric="assertions", comparator="gte", threshold=0.9)  # product-wide
    manual_only = make_slo("speed", "latency", threshold=2)  # nothing in a run event measures it

    send(conformance(MARQUEZ), at="2020-12-28T20:00:00Z")

    assert Measurement.objects.get(slo=fresh).value == 0.0
    assert Measurement.objects.get(slo=rows).value == 2000  # outputStatistics of the output
    assert Measurement.objects.get(slo=checks).value == 1.0  # both assertions succeeded
    assert not Measurement.objects.filter(slo=manual_only).exists()
    measured = Measurement.objects.get(slo=fresh)
    assert measured.source == "openlineage"
    assert measured.measured_at.isoformat().startswith("2020-12-28T19:51:01")
    assert "instance.schema.table" in measured.note
    for slo in (fresh, rows, checks):
        slo.refresh_from_db()
        assert slo.state == "met", slo.name


def test_failed_assertions_and_column_nulls_are_measured(send, make_slo, table_port):
    checks = make_slo("checks", "custom", port=table_port, metric="assertions", comparator="gte", threshold=0.9)
    complete = make_slo("complete", "completeness", port=table_port, threshold=0.95, element="tab.id")
    event = copy.deepcopy(conformance(MARQUEZ))
    facets = event["inputs"][0]["inputFacets"]
    facets["dataQualityAssertions"]["assertions"][1]["success"] = False
    facets["dataQualityMetrics"]["columnMetrics"] = {"id": {"nullCount": 100}, "name": {"nullCount": 0}}

    send(event, at="2020-12-28T20:00:00Z")

    assert Measurement.objects.get(slo=checks).value == 0.5
    assert Measurement.objects.get(slo=complete).value == pytest.approx(0.9)  # 100 nulls in 1000 rows of `id`
    checks.refresh_from_db()
    complete.refresh_from_db()
    assert (checks.state, complete.state) == ("breached", "breached")
    assert checks.incidents.get().is_open


def test_a_failed_run_does_not_make_the_data_fresh(send, make_slo, table_port):
    fresh = make_slo("fresh", "freshness", port=table_port)
    rows = make_slo("rows", "volume", port=table_port, min_rows=1)
    event = copy.deepcopy(conformance(MARQUEZ))
    event["eventType"] = "FAIL"
    send(event, at="2020-12-28T20:00:00Z")
    assert not Measurement.objects.filter(slo=fresh).exists()
    assert Measurement.objects.filter(slo=rows).exists()


def test_a_spark_output_is_matched_to_a_port_by_its_symlink(send, make_slo, product):
    port = OutputPortFactory(product=product, name="source1", location="default.cll_source1")
    fresh = make_slo("fresh", "freshness", port=port, threshold=86400)
    send(conformance(SPARK), at="2024-08-06T14:00:00Z")
    assert Measurement.objects.get(slo=fresh).value == 0.0


def test_datasets_of_other_ports_measure_nothing(send, make_slo, product, table_port):
    other = OutputPortFactory(product=product, name="other", location="warehouse.other")
    make_slo("fresh", "freshness", port=other)
    send(conformance(MARQUEZ), at="2020-12-28T20:00:00Z")
    assert not Measurement.objects.exists()


def test_processing_the_same_observations_twice_measures_once(make_slo, table_port):
    make_slo("fresh", "freshness", port=table_port)
    observations = observations_of([parse_event(conformance(MARQUEZ))])
    with time_machine.travel("2020-12-28T20:00:00Z", tick=False):
        assert measurements_from_observations(observations=observations) == 1
        assert measurements_from_observations(observations=observations) == 0
    assert Measurement.objects.count() == 1


def test_the_receiver_reads_in_memory_and_makes_at_most_one_query(
    make_slo, table_port, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    make_slo("fresh", "freshness", port=table_port)
    events = [parse_event(conformance(MARQUEZ)), parse_event(conformance(SPARK))]
    events += [parse_event(run_event(f"job{i}", event_type="START")) for i in range(50)]
    with django_assert_max_num_queries(1), django_capture_on_commit_callbacks() as queued:
        on_events_stored(None, events=events)
    assert len(queued) == 1  # the task, not run here


def test_events_without_outputs_or_of_other_types_are_not_looked_at(django_assert_num_queries):
    events = [parse_event(run_event("j", event_type=t, outputs=[dataset("ns", "t")])) for t in ("START", "RUNNING")]
    events.append(parse_event(run_event("k", inputs=[dataset("ns", "t")])))
    with django_assert_num_queries(0):
        on_events_stored(None, events=events)


def test_schema_changes_of_a_ports_dataset_show_on_the_product_page(send, product, client, world):
    OutputPortFactory(product=product, name="orders_table", location="postgres://db:5432/shop.orders")
    fields_v1 = [{"name": "id", "type": "int"}, {"name": "amount", "type": "int"}, {"name": "note", "type": "text"}]
    fields_v2 = [{"name": "id", "type": "int"}, {"name": "amount", "type": "decimal"}, {"name": "currency"}]
    for fields, when in ((fields_v1, "2025-01-01T10:00:00Z"), (fields_v2, "2025-01-02T10:00:00Z")):
        out = dataset("postgres://db:5432", "shop.orders", schema={"fields": fields})
        send(run_event("load_orders", outputs=[out], event_time=when), at="2025-01-03T00:00:00Z")
    client.force_login(world.member)
    page = client.get(product.get_tab_url("quality")).content.decode()
    assert "Schema changes" in page
    assert "added <code>currency</code>" in page
    assert "removed <code>note</code>" in page
    assert "<code>amount</code> (int → decimal)" in page
