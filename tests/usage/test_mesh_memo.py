"""The mesh's value figures are kept per process for PORTAL_MESH_METRICS_MAX_AGE seconds, then recomputed after
the response of the request that found them old."""

from __future__ import annotations

import pytest

from catalog.models import DataProduct
from tests.catalog.test_tasks_dispatch import web_request
from usage import mesh

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(settings, monkeypatch):
    settings.PORTAL_MESH_METRICS_MAX_AGE = 300
    now = [1000.0]
    monkeypatch.setattr(mesh.clock, "monotonic", lambda: now[0])
    mesh.forget()
    yield now
    mesh.forget()


def publish(world, slug: str) -> None:
    DataProduct.objects.create(domain=world.domain, slug=slug, name=slug, owner_team=world.team, status="published")


def test_figures_are_kept_until_they_are_old_then_recomputed_after_the_response(world, kept):
    publish(world, "first")
    before = mesh.current_metrics()
    assert before.published_products == 1
    publish(world, "second")
    kept[0] += 299
    assert mesh.current_metrics() is before  # young enough: kept, although a product was published since
    kept[0] += 1
    with web_request():
        assert mesh.current_metrics() is before  # old: still answered, the next one is queued for after the response
        assert mesh.current_metrics() is before  # and queued once
    after = mesh.current_metrics()
    assert after is not before and after.published_products == 2
    assert after.computed_at > before.computed_at


def test_outside_a_request_old_figures_are_recomputed_at_once(world, kept):
    before = mesh.current_metrics()
    publish(world, "late")
    kept[0] += 300
    assert mesh.current_metrics().published_products == before.published_products + 1


def test_zero_computes_on_every_call(world, settings):
    settings.PORTAL_MESH_METRICS_MAX_AGE = 0
    assert mesh.current_metrics() is not mesh.current_metrics()


def test_page_and_api_say_when_the_figures_were_computed(world, kept, client):
    client.force_login(world.member)
    figures = mesh.current_metrics()
    page = client.get("/mesh/").content.decode()
    assert f"Computed {figures.computed_at:%Y-%m-%d %H:%M} UTC; recomputed at most every 5 minutes." in page
    body = client.get("/api/v1/mesh/metrics").json()
    assert body["computed_at"] == figures.computed_at.isoformat()
