"""The home page for people: their tasks, what they own and use, what is new, popular and highly rated."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access import services as access_services
from core.actors import Actor
from ratings.services import rating_upsert
from tests.factories import OutputPortFactory, ProductFactory


def section(page: str, heading_id: str) -> str:
    start = page.index(f'id="{heading_id}"')
    end = page.find("</section>", start)
    return page[start:end]


@pytest.fixture
def requested(world, mesh):
    """Oscar (finance) asked for the orders table; the sales team decides."""
    return access_services.access_request_create(
        actor=Actor(user=world.outsider), port=mesh.orders_port, purpose="Churn model", duration_days=5
    )


def test_an_owner_sees_requests_to_decide_and_reviews_to_answer(client, world, mesh, requested, settings):
    settings.RATINGS_WRITES_PER_MINUTE = 0
    rating_upsert(actor=Actor(user=world.outsider), product=mesh.orders, data={"stars": 2, "comment": "Late again"})
    client.force_login(world.owner)
    page = client.get("/").content.decode()
    assert "Welcome back, olivia" in page
    tasks = section(page, "tasks-heading")
    assert f'<a href="/access/requests/{requested.pk}/">#{requested.pk} orders_table</a>' in tasks
    assert "Late again" in tasks and 'href="/products/sales/orders/?tab=reviews#review-' in tasks
    assert "Open incidents on your products" in tasks and "none: every objective is met" in tasks
    owned = section(page, "own-heading")
    assert 'href="/products/sales/orders/">Orders</a>' in owned and "Customers" not in owned  # finance's


def test_a_consumer_sees_what_they_use_and_an_outsider_no_tasks(client, world, mesh, requested):
    access_services.access_request_approve(actor=Actor(user=world.owner), request_id=requested.pk)
    client.force_login(world.outsider)
    page = client.get("/").content.decode()
    used = section(page, "use-heading")
    assert 'href="/products/sales/orders/">Orders</a>' in used and "orders_table" in used
    popular = section(page, "popular-heading")
    assert 'href="/products/sales/orders/">Orders</a>' in popular and "1 consumer" in popular
    # Oscar decides finance's requests, and none waits; sales' requests are not his to decide.
    tasks = section(page, "tasks-heading")
    assert "Access requests to decide" in tasks and "none waiting." in tasks

    client.force_login(world.staff)  # in no team
    page = client.get("/").content.decode()
    assert "you are in no team yet" in section(page, "tasks-heading")
    assert "You use no product yet." in section(page, "use-heading")


def test_highly_rated_lists_products_by_bayesian_average(client, world, mesh, settings):
    settings.RATINGS_WRITES_PER_MINUTE = 0
    rating_upsert(actor=Actor(user=world.outsider), product=mesh.orders, data={"stars": 5})
    rating_upsert(actor=Actor(user=world.member), product=mesh.customers, data={"stars": 2})
    client.force_login(world.member)
    rated = section(client.get("/").content.decode(), "rated-heading")
    assert rated.index("Orders") < rated.index("Customers")


def test_new_in_the_mesh_lists_published_products_newest_first(client, world, mesh):
    ProductFactory(domain=world.domain, slug="draft-one", name="Draft One", status="draft")
    newest = ProductFactory(domain=world.domain, slug="newest", name="Newest")
    client.force_login(world.member)
    new = section(client.get("/").content.decode(), "new-heading")
    assert new.index(newest.name) < new.index("Orders")
    assert "Draft One" not in new


def test_the_home_page_reads_as_many_queries_for_many_products(client, world, mesh, django_assert_max_num_queries):
    client.force_login(world.owner)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for n in range(15):
        product = ProductFactory(domain=world.domain, slug=f"more-{n}", name=f"More {n}")
        OutputPortFactory(product=product, name="t")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/")
