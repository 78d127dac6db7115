"""The lineage graph in a real browser: drawn by cytoscape.js, explored with the mouse or the keyboard."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from catalog.models import InputPort
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

    # The product view starts from the selected dataset's product, and follows the direction too.
    nodes.get_by_role("button", name="sales.orders dataset").click()
    page.get_by_label("View").select_option("product")
    expect(page.locator("#lineage-cy")).to_have_attribute("data-view", "product")
    wait_ready(page)
    assert nodes.get_by_role("button", name="Orders product").is_visible()
    assert nodes.get_by_role("button", name="Revenue product").count() == 0  # downstream of orders
    page.get_by_label("Direction").select_option("both")
    wait_ready(page)
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


@pytest.fixture
def declared(world, mesh):
    """A consumer that only declares its input on revenue: a declared-only link beside the observed one."""
    _orders, revenue = mesh
    board = ProductFactory(domain=world.other_domain, slug="board", name="Board pack")
    InputPort.objects.create(product=board, name="revenue-in", source_port=revenue.output_ports.get())
    return board


def edge_count(page) -> int:
    return int(page.locator("#lineage-cy").get_attribute("data-edge-count"))


def test_the_lineage_page_opens_on_the_mesh_map_and_recentres(page, sign_in, mesh, declared):
    sign_in("mia")
    page.goto("/lineage/")
    wait_ready(page)
    canvas = page.locator("#lineage-cy")
    assert canvas.get_attribute("data-view") == "mesh"
    assert page.locator("#lineage-cy canvas").count() > 0
    # Mia's team owns Orders: the map opens on her teams' products and what they read or feed.
    assert page.locator("#lineage-domain").input_value() == "mine"
    assert "Orders" in page.locator("#lineage-node-list").inner_text()
    page.locator("#lineage-domain").select_option("")
    wait_ready(page)
    # Three products in two domain boxes, one observed and one declared link.
    assert node_count(page) == 5 and edge_count(page) == 2
    nodes = page.locator("#lineage-node-list")
    for name in ("Orders", "Revenue", "Board Pack"):
        assert nodes.get_by_role("button", name=f"{name} product").is_visible()
    assert "3 products and 2 links shown." in page.locator("#lineage-status").inner_text()

    page.locator("#lineage-kind").select_option("declared")
    wait_ready(page)
    assert edge_count(page) == 1 and nodes.get_by_role("button", name="Orders product").count() == 0

    page.locator("#lineage-kind").select_option("all")
    wait_ready(page)
    page.locator("#lineage-domain").select_option("sales")
    wait_ready(page)
    assert {"Orders product", "Revenue product"} == {
        b.inner_text().replace("\n", " ").strip() for b in nodes.get_by_role("button").all()
    }

    # Re-centre on a product: the graph becomes its neighbourhood, centred on it.
    page.locator("#lineage-domain").select_option("")
    wait_ready(page)
    nodes.get_by_role("button", name="Revenue product").click()
    details = page.locator("#lineage-details")
    assert "1 declared and observed" not in details.inner_text()
    assert "0 declared and observed, 1 declared only, 1 observed only" in details.inner_text()
    details.get_by_role("button", name="Centre on Revenue").click()
    expect(canvas).to_have_attribute("data-center", "product:finance/revenue")
    wait_ready(page)
    assert canvas.get_attribute("data-view") == "product"
    assert node_count(page) == 3
    nodes.get_by_role("button", name="Board Pack product").click()
    details.get_by_role("button", name="Centre on Board Pack").click()
    expect(canvas).to_have_attribute("data-center", "product:finance/board")
    wait_ready(page)
    assert node_count(page) == 3  # depth 2 reaches orders through revenue, across domains
    details.get_by_role("button", name="Back to the mesh map").click()
    expect(canvas).to_have_attribute("data-view", "mesh")
    wait_ready(page)
    assert canvas.get_attribute("data-view") == "mesh" and node_count(page) == 5
