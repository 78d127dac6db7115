"""The lineage graph in a real browser: drawn by cytoscape.js, explored with the mouse or the keyboard."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from lineage.openlineage import parse_event
from lineage.services.ingest import lineage_events_ingest
from tests.factories import OutputPortFactory, ProductFactory
from tests.lineage.conftest import dataset, run_event

sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path(tempfile.gettempdir()) / "meshportal-lineage.png"


@pytest.fixture
def mesh(world):
    orders = ProductFactory(domain=world.domain, slug="orders", name="Orders")
    OutputPortFactory(product=orders, name="orders", location="pg://wh/sales.orders")
    revenue = ProductFactory(domain=world.other_domain, slug="revenue", name="Revenue")
    OutputPortFactory(product=revenue, name="revenue", location="pg://wh/finance.revenue")
    events = [
        run_event("stage", [dataset("pg://wh", "sales.orders")], [dataset("pg://wh", "tmp.orders_clean")]),
        run_event(
            "aggregate",
            [dataset("pg://wh", "tmp.orders_clean")],
            [
                dataset(
                    "pg://wh",
                    "finance.revenue",
                    columnLineage={
                        "fields": {
                            "total": {
                                "inputFields": [{"namespace": "pg://wh", "name": "tmp.orders_clean", "field": "amount"}]
                            }
                        }
                    },
                )
            ],
        ),
        run_event("publish", [dataset("pg://wh", "finance.revenue")], [dataset("s3://reports", "board/revenue.csv")]),
    ]
    lineage_events_ingest(actor=None, events=[parse_event(e) for e in events])
    return orders, revenue


@pytest.fixture(autouse=True)
def no_script_errors(page):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield
    assert errors == []


def wait_ready(page) -> None:
    # Locator waits, not wait_for_function: the Content-Security-Policy forbids the eval it relies on.
    expect(page.locator("#lineage-cy")).not_to_have_attribute("data-state", "loading")
    assert page.locator("#lineage-cy").get_attribute("data-state") == "ready", page.locator(
        "#lineage-status"
    ).inner_text()


def node_count(page) -> int:
    return int(page.locator("#lineage-cy").get_attribute("data-node-count"))


def test_explore_expand_and_switch_to_products(page, sign_in, mesh):
    sign_in("mia")
    page.goto("/lineage/?q=orders")
    page.get_by_role("link", name="tmp.orders_clean").click()
    wait_ready(page)
    assert page.locator("#lineage-cy canvas").count() > 0  # cytoscape drew on its canvases
    nodes = page.locator("#lineage-node-list")
    assert nodes.get_by_role("button", name="finance.revenue dataset").is_visible()
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # Depth 1 from the staging table reaches the revenue table but not the CSV the publish job writes.
    page.get_by_label("Depth").select_option("1")
    wait_ready(page)
    assert nodes.get_by_role("button", name="board/revenue.csv dataset").count() == 0
    nodes.get_by_role("button", name="finance.revenue dataset").click()
    details = page.locator("#lineage-details")
    assert "Output port revenue of Revenue" in details.inner_text()
    before = node_count(page)
    details.get_by_role("button", name="Expand finance.revenue").click()
    expect(nodes.get_by_role("button", name="board/revenue.csv dataset")).to_be_visible()
    assert node_count(page) > before

    page.get_by_label("Direction").select_option("upstream")
    wait_ready(page)
    assert nodes.get_by_role("button", name="sales.orders dataset").is_visible()
    assert nodes.get_by_role("button", name="finance.revenue dataset").count() == 0

    page.get_by_label("Columns").check()
    expect(nodes.locator(".kind-field").first).to_be_attached()
    assert nodes.get_by_role("button", name="amount field").is_visible()

    # The product view starts from the selected dataset's product.
    nodes.get_by_role("button", name="sales.orders dataset").click()
    page.get_by_label("View").select_option("product")
    expect(page.locator("#lineage-cy")).to_have_attribute("data-view", "product")
    wait_ready(page)
    assert nodes.get_by_role("button", name="Orders product").is_visible()
    assert nodes.get_by_role("button", name="Revenue product").is_visible()


def test_the_product_view_and_zoom(page, sign_in, mesh):
    sign_in("mia")
    page.goto("/lineage/products/finance/revenue/")
    wait_ready(page)
    nodes = page.locator("#lineage-node-list")
    assert nodes.get_by_role("button", name="Orders product").is_visible()
    assert nodes.get_by_role("button", name="Revenue product").is_visible()
    assert node_count(page) == 2
    page.get_by_role("button", name="Zoom in").click()
    page.get_by_role("button", name="Fit").click()
    nodes.get_by_role("button", name="Orders product").click()
    page.locator("#lineage-details").get_by_role("link", name="Product page").click()
    page.wait_for_url("**/products/sales/orders/")


def test_the_impact_page(page, sign_in, mesh):
    sign_in("mia")
    page.goto("/lineage/impact/?nodeId=dataset:pg://wh:sales.orders")
    assert page.locator("#impact-dataset-count").inner_text() == "3"
    products = page.get_by_role("region", name="Affected data products")
    assert products.get_by_role("link", name="Revenue").is_visible()
    assert page.get_by_role("region", name="Teams to tell").get_by_role("link", name="Finance Team").is_visible()
