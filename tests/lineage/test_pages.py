"""The lineage pages, as the server renders them (the browser tests drive the graph itself)."""

from __future__ import annotations

import json
import re

import pytest

from catalog.models import InputPort
from tests.factories import OutputPortFactory, ProductFactory
from tests.lineage.conftest import dataset, run_event

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def reported(world, send):
    orders = ProductFactory(domain=world.domain, slug="orders", name="Orders")
    OutputPortFactory(product=orders, name="orders", location="pg://wh/sales.orders")
    revenue = ProductFactory(domain=world.other_domain, slug="revenue", name="Revenue")
    OutputPortFactory(product=revenue, name="revenue", location="pg://wh/finance.revenue")
    board = ProductFactory(domain=world.other_domain, slug="board", name="Board")
    InputPort.objects.create(product=board, name="rev", source_port=revenue.output_ports.get())
    send(run_event("aggregate", [dataset("pg://wh", "sales.orders")], [dataset("pg://wh", "finance.revenue")]))
    return orders, revenue


@pytest.fixture
def member(client, world):
    client.force_login(world.member)
    return client


def test_pages_need_a_signed_in_person(client, reported):
    response = client.get("/lineage/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_graph_page_hands_its_settings_to_the_script_without_inline_code(member, reported):
    response = member.get("/lineage/", {"nodeId": "dataset:pg://wh:sales.orders"})
    html = response.content.decode()
    assert response.status_code == 200
    island = re.search(r'<script id="lineage-config" type="application/json">(.*?)</script>', html, re.S)
    assert island is not None
    config = json.loads(island.group(1))
    assert config["nodeId"] == "dataset:pg://wh:sales.orders"
    assert config["api"]["graph"] == "/api/v1/lineage"
    scripts = re.findall(r"<script(?![^>]*application/json)[^>]*>(.*?)</script>", html, re.S)
    assert all(body.strip() == "" for body in scripts)  # every executable script is a file
    assert "vendor/cytoscape/cytoscape.min.js" in html and "js/lineage.js" in html
    assert "https://" not in "".join(re.findall(r'<script[^>]*src="([^"]+)"', html))


def test_searching_lists_datasets_and_jobs(member, reported):
    html = member.get("/lineage/", {"q": "revenue"}).content.decode()
    assert "2 matches for" in html  # the product, to centre on, and its dataset
    assert 'href="/lineage/products/finance/revenue/">Revenue</a>' in html
    assert "?nodeId=dataset%3Apg%3A//wh%3Afinance.revenue" in html


def test_an_unknown_node_says_so(member, reported):
    html = member.get("/lineage/", {"nodeId": "dataset:pg://wh:missing"}).content.decode()
    assert "No dataset &#x27;dataset:pg://wh:missing&#x27;." in html


def test_the_impact_page_lists_what_and_who_is_affected(member, reported):
    response = member.get("/lineage/impact/", {"nodeId": "dataset:pg://wh:sales.orders"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<dd id="impact-dataset-count">1</dd>' in html
    assert ">Revenue</a>" in html and "Finance Team" in html
    assert ">Board</a>" in html and "input port rev" in html
    assert "This dataset is published as" in html and ">Orders</a>" in html


def test_the_product_graph_page(member, reported):
    response = member.get("/lineage/products/finance/revenue/")
    assert response.status_code == 200
    assert '"view": "product"' in response.content.decode()
    assert member.get("/lineage/products/finance/nothing/").status_code == 404


def _config(html: str) -> dict:
    island = re.search(r'<script id="lineage-config" type="application/json">(.*?)</script>', html, re.S)
    assert island is not None
    return json.loads(island.group(1))


def test_the_mesh_map_opens_on_the_persons_own_products_when_they_own_any(client, world, reported):
    client.force_login(world.member)  # sales team: owns the reported Orders
    html = client.get("/lineage/").content.decode()
    assert _config(html)["domain"] == "mine"
    assert '<option value="mine" selected>' in html
    client.force_login(world.staff)  # in no team: the whole mesh
    html = client.get("/lineage/").content.decode()
    assert _config(html)["domain"] == "" and '<option value="mine">' in html
