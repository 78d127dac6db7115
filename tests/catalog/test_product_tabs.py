"""The product page's header and tabs: each tab its own URL, server-rendered, only its own content read."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access import services as access_services
from catalog.product_tabs import ANCHOR_TABS, TABS
from core.actors import Actor
from slo.models import Measurement, ServiceLevelObjective

PAGE = "/products/sales/orders/"
# The page before it had tabs read everything at once: 48 queries for this mesh, signed in as a member. No tab
# may take more than that.
ONE_PAGE_QUERIES = 48


def html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def signed_in(client, world):
    client.force_login(world.member)
    return client


def test_every_tab_is_a_link_of_its_own_and_the_selected_one_is_marked(signed_in, mesh):
    for tab in TABS:
        page = html(signed_in, PAGE + tab.query)
        nav = re.search(r'<nav aria-label="Product sections".*?</nav>', page, re.S)
        assert nav is not None
        links = re.findall(r'<a href="([^"]+)" data-tab="(\w+)"( aria-current="page")?>', nav.group(0))
        assert [name for _, name, _ in links] == [t.name for t in TABS]
        assert [name for _, name, current in links if current] == [tab.name]
        assert dict((name, href) for href, name, _ in links)[tab.name] == PAGE + tab.query
        assert f'data-tab="{tab.name}">' in page  # the panel says which tab it holds
        assert f"<title>{'' if tab.name == 'overview' else tab.label + ' · '}Orders · Products" in page


def test_only_the_selected_tab_is_rendered(signed_in, mesh):
    overview = html(signed_in, PAGE)
    assert 'id="how-to-use"' in overview and 'class="schema-table"' not in overview
    assert 'id="reviews"' not in overview and 'id="slos"' not in overview and 'id="access"' not in overview
    schema = html(signed_in, PAGE + "?tab=schema")
    assert 'class="schema-table"' in schema and 'id="how-to-use"' not in schema
    quality = html(signed_in, PAGE + "?tab=quality")
    assert 'id="slos"' in quality and 'id="governance"' in quality and 'id="reviews"' not in quality
    assert 'id="reviews"' in html(signed_in, PAGE + "?tab=reviews")
    assert 'id="access"' in html(signed_in, PAGE + "?tab=access")
    lineage = html(signed_in, PAGE + "?tab=lineage")
    assert 'id="lineage-cy"' in lineage and 'id="lineage-config"' in lineage and 'id="input-ports"' in lineage
    assert 'id="history"' in html(signed_in, PAGE + "?tab=history")


def test_an_unknown_tab_shows_the_overview(signed_in, mesh):
    page = html(signed_in, PAGE + "?tab=nope")
    assert 'id="how-to-use"' in page
    assert 'data-tab="overview" aria-current="page"' in page


@pytest.mark.parametrize("tab", [t.name for t in TABS])
def test_no_tab_reads_more_than_the_one_long_page_did(signed_in, mesh, tab, django_assert_max_num_queries):
    signed_in.get(f"{PAGE}?tab={tab}")  # sessions and caches warm, as for the figure above
    with django_assert_max_num_queries(ONE_PAGE_QUERIES):
        signed_in.get(f"{PAGE}?tab={tab}")


def test_the_overview_reads_far_less_than_the_one_long_page(signed_in, mesh):
    signed_in.get(PAGE)
    with CaptureQueriesContext(connection) as queries:
        signed_in.get(PAGE)
    assert (
        len(queries.captured_queries) <= ONE_PAGE_QUERIES - 10
    )  # 15 fewer before the follow/deprecation and usage parts joined it


def test_the_header_answers_fresh_good_and_how_to_get_it(signed_in, mesh, world):
    page = html(signed_in, PAGE)
    header = re.search(r'<header class="product-header">.*?</header>', page, re.S).group(0)
    assert "<h1>Orders</h1>" in header and "Every order placed in the web shop." in header
    assert '<a href="/domains/sales/">Sales</a>' in header and '<a href="/teams/sales-team/">Sales Team</a>' in header
    assert '<span class="badge version" title="Version">v1.2.0</span>' in header
    assert re.search(r"Updated <time datetime=\"[^\"]+\">(just now|\d+ min ago)</time>", header)
    assert "Not rated yet" in header
    assert "Health " in header  # the governance health badge
    assert 'href="/products/sales/orders/?tab=access#access" role="button">Request access</a>' in header
    assert ">0 consumers</a>" in header


def test_the_header_says_when_the_data_was_last_updated_by_its_freshness_measurement(signed_in, mesh):
    slo = ServiceLevelObjective.objects.create(product=mesh.orders, name="fresh", kind="freshness", threshold=86400)
    Measurement.objects.create(slo=slo, value=3 * 3600, measured_at=timezone.now() - dt.timedelta(hours=2))
    page = html(signed_in, PAGE)
    assert re.search(r'Data updated <time datetime="[^"]+">5 h ago</time>', page)


def test_the_header_tells_a_grant_holder_they_have_access(client, world, mesh):
    access_services.access_request_create(
        actor=Actor(user=world.outsider), port=mesh.orders_port, purpose="Churn", duration_days=5
    )
    client.force_login(world.outsider)
    page = html(client, PAGE)
    assert "Your request #" in page and "pending" in page
    client.force_login(world.owner)
    assert "Your team decides access" in html(client, PAGE)
    request_id = mesh.orders_port.access_requests.get().pk
    access_services.access_request_approve(actor=Actor(user=world.owner), request_id=request_id)
    client.force_login(world.outsider)
    page = html(client, PAGE)
    assert '<span class="badge access-granted">You have access</span>' in page
    assert ">1 consumer</a>" in page


def test_the_overview_shows_a_snippet_per_port_with_the_real_columns_and_a_copy_button(signed_in, mesh):
    page = html(signed_in, PAGE)
    table = f"snippet-{mesh.orders_port.pk}-sql"
    code = re.search(rf'<code id="{table}">(.*?)</code>', page, re.S).group(1)
    assert code == "SELECT\n  order_id,\n  customer_email,\n  amount\nFROM warehouse.sales.orders\nLIMIT 100;"
    assert f'data-copy-target="{table}" hidden>Copy</button>' in page
    assert f'<code id="snippet-{mesh.orders_port.pk}-python">' in page
    assert f'<code id="snippet-{mesh.orders_port.pk}-spark">' in page
    # The topic port gets a consumer configuration instead.
    assert f'<code id="snippet-{mesh.events_port.pk}-config">' in page
    # An on-request port says how to get it.
    assert 'Reading it needs a grant: <a href="/products/sales/orders/?tab=access#access">request access</a>' in page


def test_the_schema_tab_has_a_filter_box_that_waits_for_javascript(signed_in, mesh):
    page = html(signed_in, PAGE + "?tab=schema")
    assert '<div class="schema-filter" data-schema-filter hidden>' in page
    assert '<label for="schema-filter-q">Filter fields</label>' in page


def test_old_in_page_anchors_map_to_their_tabs(signed_in, mesh):
    page = html(signed_in, PAGE)
    assert 'data-anchor-tabs="{&quot;overview&quot;: &quot;overview&quot;' in page
    assert set(ANCHOR_TABS.values()) <= {t.name for t in TABS}


def test_history_shows_the_audit_entries_to_staff_only(client, world, mesh):
    client.force_login(world.owner)
    client.post(f"{PAGE}rate/", {"stars": "5"})  # refused (own product) or not, it is audited
    page = html(client, PAGE + "?tab=history")
    assert "which staff can read" in page and f"POST {PAGE}rate/" not in page
    client.force_login(world.staff)
    page = html(client, PAGE + "?tab=history")
    assert f"<code>POST {PAGE}rate/</code>" in page and "olivia" in page
