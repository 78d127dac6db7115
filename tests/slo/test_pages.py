"""SLO pages: the product page's section and badge, the history page, and the owners' forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from slo.evaluation import slo_evaluate
from slo.models import Measurement, ServiceLevelObjective, SloSource

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def breached(make_slo):
    slo = make_slo("nightly load", "freshness", threshold=3600)
    Measurement.objects.create(slo=slo, value=0, measured_at=NOW - timedelta(hours=3), key="a")
    slo_evaluate(slo_id=slo.pk)
    return slo


def test_the_product_page_shows_states_compliance_incidents_and_a_badge(client, world, product, breached, make_slo):
    ok = make_slo("row count", "volume", min_rows=10, max_rows=None)
    Measurement.objects.create(slo=ok, value=500, measured_at=NOW - timedelta(minutes=5), key="b")
    slo_evaluate(slo_id=ok.pk)
    client.force_login(world.member)
    page = client.get(product.get_tab_url("quality")).content.decode()
    assert 'data-tab="quality" aria-current="page">Quality and SLOs</a>' in page
    assert 'id="slos"' in page
    assert "nightly load" in page and "row count" in page
    assert "data at most 1 h old" in page
    assert "at least 10 rows" in page
    assert 'class="badge slo-state slo-breached"' in page  # the header badge and the row
    assert ">SLO breached<" in page
    assert "Open</strong> since" in page
    assert "2 objectives: 1 met, 0 at risk, 1 breached." in page
    assert "1 open incident." in page
    assert "Add an objective" not in page  # a member may not


def test_a_product_without_objectives_says_so(client, world, product):
    client.force_login(world.member)
    page = client.get(product.get_tab_url("quality")).content.decode()
    assert "states no service level objectives yet" in page
    assert "slo-state" not in page


def test_history_and_detail_pages(client, world, product, breached):
    client.force_login(world.owner)
    page = client.get("/slo/products/sales/orders/").content.decode()
    assert "Service levels of Orders" in page
    assert ">SLO breached<" in page  # the header badge, from the section's own summary
    assert "Add an objective" in page
    assert "became" in page
    detail = client.get(f"/slo/{breached.pk}/").content.decode()
    assert "Never breached" not in detail
    assert "Edit" in detail and "Delete" in detail
    assert "3 h" in detail  # the data's age now


def test_owner_adds_an_objective_with_a_duration_in_hours(
    client, world, product, port, django_capture_on_commit_callbacks
):
    client.force_login(world.owner)
    form = {
        "name": "hourly",
        "kind": "freshness",
        "port": "orders_table",
        "threshold": "2",
        "unit": "3600",
        "risk_margin": "0.1",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/slo/products/sales/orders/new/", form)
    assert response.status_code == 302
    slo = ServiceLevelObjective.objects.get(name="hourly")
    assert (slo.threshold, slo.port, slo.source) == (7200, port, "manual")


def test_a_bad_threshold_is_shown_next_to_the_field(client, world, product):
    client.force_login(world.steward)
    response = client.post(
        "/slo/products/sales/orders/new/",
        {"name": "c", "kind": "completeness", "threshold": "5", "risk_margin": "0.1", "unit": "1"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_threshold_error"' in page
    assert "A ratio between 0 and 1" in page
    assert not ServiceLevelObjective.objects.exists()


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_it_rejects_member_and_outsider(client, world, product, breached, who):
    client.force_login(getattr(world, who))
    assert client.get("/slo/products/sales/orders/new/").status_code == 403
    assert client.post(f"/slo/{breached.pk}/delete/").status_code == 403
    assert ServiceLevelObjective.objects.filter(pk=breached.pk).exists()


def test_owner_edits_and_deletes(client, world, breached, django_capture_on_commit_callbacks):
    client.force_login(world.owner)
    page = client.get(f"/slo/{breached.pk}/edit/").content.decode()
    assert 'value="1"' in page  # 3600 s shown as 1 hour
    form = {"name": "nightly load", "kind": "freshness", "threshold": "4", "unit": "3600", "risk_margin": "0.1"}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/slo/{breached.pk}/edit/", form).status_code == 302
    breached.refresh_from_db()
    assert (breached.threshold, breached.state) == (14400, "met")
    assert breached.incidents.get().closed_at is not None
    assert client.post(f"/slo/{breached.pk}/delete/").status_code == 302
    assert not ServiceLevelObjective.objects.filter(pk=breached.pk).exists()


def test_contract_objectives_cannot_be_edited_in_the_ui(client, world, make_slo):
    slo = make_slo(source=SloSource.CONTRACT, contract_id="c-9", source_key="k")
    client.force_login(world.owner)
    response = client.get(f"/slo/{slo.pk}/edit/", follow=True)
    assert "comes from data contract c-9" in response.content.decode()
    client.post(f"/slo/{slo.pk}/delete/")
    assert ServiceLevelObjective.objects.filter(pk=slo.pk).exists()


def test_search_documents_carry_the_slo_health(product, breached):
    from slo.receivers import product_enricher

    assert product_enricher([product.pk])[product.pk].slo_health == "breached"


def test_the_section_costs_the_same_queries_for_one_or_many_objectives(
    product, port, make_slo, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from slo.selectors import product_slos

    make_slo("one", port=port)
    product_slos(product)  # the process's lineage graph is built on first use
    with CaptureQueriesContext(connection) as one:
        product_slos(product)
    for n in range(8):
        slo = make_slo(f"more {n}", "volume")
        Measurement.objects.create(slo=slo, value=5, measured_at=NOW, key="x")
    with django_assert_num_queries(len(one)):
        data = product_slos(product)
    assert len(data.rows) == 9
