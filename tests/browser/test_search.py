"""Searching in a real browser: suggestions under the header box, results with facets, typos."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from catalog.services.products import product_upsert_from_payload
from core.actors import Actor
from search.backends import get_backend
from tokens.services import token_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Not an assertion: a picture of a results page to look at after a run (not committed).
SCREENSHOT = Path(tempfile.gettempdir()) / "meshportal-search-results.png"


@pytest.fixture
def catalog(world):
    get_backend().clear()
    actors = {
        domain.slug: Actor(token=token_create(actor=None, team=team, name="ci", scopes=["write:products"]).token)
        for domain, team in ((world.domain, world.team), (world.other_domain, world.other_team))
    }

    def publish(domain: str, slug: str, **payload) -> None:
        payload.setdefault("status", "published")
        product_upsert_from_payload(actor=actors[domain], domain_slug=domain, slug=slug, payload=payload)

    publish(
        "sales",
        "orders",
        name="Orders",
        summary="Every order placed in the web shop, one row per order.",
        tags=["orders", "web-shop", "core"],
        output_ports=[
            {
                "name": "orders_table",
                "access_mode": "open",
                "fields": [{"name": "order_id"}, {"name": "customer_id"}, {"name": "amount"}],
            }
        ],
    )
    publish("sales", "order-lines", name="Order Lines", summary="One row per line of an order.", kind="aggregate")
    publish(
        "sales",
        "daily-orders",
        name="Daily Orders by Region",
        summary="Order counts per region and day.",
        kind="aggregate",
        tags=["reporting"],
    )
    publish("sales", "legacy-orders", name="Legacy Orders Export", summary="The old export.", status="deprecated")
    publish("finance", "invoices", name="Customer Invoices", summary="Invoices for orders.", tags=["billing"])
    publish("finance", "revenue", name="Revenue", summary="Monthly revenue from orders.", kind="consumer-aligned")
    publish("finance", "shipments", name="Shipments", summary="Parcels on their way to customers.")


def hit_titles(page) -> list[str]:
    return page.locator(".search-hit .hit-title a").all_inner_texts()


def test_suggestions_appear_as_you_type_and_the_keyboard_picks_one(page, sign_in, catalog):
    sign_in("mia")
    box = page.get_by_role("searchbox", name="Search the catalog")
    box.press_sequentially("daily ord")
    suggestions = page.locator("#site-search-suggestions")
    first = suggestions.get_by_role("link", name=re.compile("Daily Orders by Region"))
    first.wait_for()
    assert suggestions.get_by_role("link", name="All results for “daily ord”").is_visible()

    box.press("ArrowDown")
    assert first.evaluate("element => element === document.activeElement")
    page.keyboard.press("Escape")  # closes the list and goes back to the box
    assert suggestions.is_hidden()
    assert box.evaluate("element => element === document.activeElement")

    box.press("ArrowDown")  # the list opens again on the way down
    page.keyboard.press("Enter")
    page.wait_for_url("**/products/sales/daily-orders/")
    assert page.get_by_role("heading", level=1).inner_text() == "Daily Orders by Region"


def test_no_suggestions_show_nothing_and_the_box_still_submits(page, sign_in, catalog):
    sign_in("mia")
    box = page.get_by_role("searchbox", name="Search the catalog")
    with page.expect_response(re.compile(r"/search/suggest/\?q=zzz")):
        box.press_sequentially("zzz")
    assert page.locator("#site-search-suggestions").is_hidden()
    box.press("Enter")
    page.wait_for_url("**/search/?q=zzz")
    assert page.locator("#results-heading").inner_text().startswith("No results for “zzz”")


def test_search_then_tick_facets_narrows_the_results_in_the_url(page, sign_in, catalog):
    sign_in("mia")
    page.get_by_role("searchbox", name="Search the catalog").fill("orders")
    page.get_by_role("searchbox", name="Search the catalog").press("Enter")
    page.wait_for_url("**/search/?q=orders")
    titles = hit_titles(page)
    assert titles[0] == "Orders"
    assert {"Customer Invoices", "Revenue"} <= set(titles)
    page.screenshot(path=SCREENSHOT, full_page=True)

    domain = page.get_by_role("group", name="Domain")
    sales = domain.get_by_role("checkbox", name=re.compile(r"^Sales \d+ results?$"))
    sales.check()
    page.wait_for_url(re.compile(r"/search/\?q=orders&domain=sales$"))
    assert set(hit_titles(page)) == {"Orders", "Order Lines", "Daily Orders by Region", "Legacy Orders Export"}
    # The results were swapped in place: the ticked box is still ticked and still has the focus.
    checked = page.get_by_role("group", name="Domain").get_by_role("checkbox", name=re.compile("^Sales"))
    assert checked.is_checked()
    assert checked.evaluate("element => element === document.activeElement")
    # The announcement is written once htmx has settled the swap, a moment after the results are in.
    expect(page.get_by_role("status").filter(has_text="results for “orders”")).to_have_count(1)

    page.get_by_role("group", name="Kind").get_by_role("checkbox", name=re.compile("^Aggregate")).check()
    page.wait_for_url(re.compile(r"kind=aggregate"))
    assert set(hit_titles(page)) == {"Order Lines", "Daily Orders by Region"}

    page.get_by_label("Sort by").select_option("updated")
    page.wait_for_url(re.compile(r"sort=updated"))
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"q": ["orders"], "domain": ["sales"], "kind": ["aggregate"], "sort": ["updated"]}

    # The URL alone brings the same search back, e.g. from a bookmark or a link someone shared.
    page.goto(page.url)
    assert set(hit_titles(page)) == {"Order Lines", "Daily Orders by Region"}
    assert page.get_by_role("group", name="Kind").get_by_role("checkbox", name=re.compile("^Aggregate")).is_checked()

    page.go_back()
    page.wait_for_url(re.compile(r"kind=aggregate$"))


def test_a_typo_still_finds_the_product(page, sign_in, catalog):
    sign_in("mia")
    page.goto("/search/?q=shipmnts")
    assert hit_titles(page) == ["Shipments"]
    assert "Nothing matched “shipmnts”" in page.locator(".did-you-mean").inner_text()
    page.get_by_role("link", name="Shipments", exact=True).click()
    page.wait_for_url("**/products/finance/shipments/")


def test_the_empty_page_offers_tags_and_the_form_works_without_javascript(browser, live_server, world, catalog):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Sign in").click()
    page.goto("/search/")
    assert page.get_by_role("heading", name="Find data across the mesh").is_visible()
    page.get_by_role("link", name="billing").click()
    assert hit_titles(page) == ["Customer Invoices"]

    page.goto("/search/?q=orders")
    page.get_by_role("group", name="Kind").get_by_role("checkbox", name=re.compile("^Aggregate")).check()
    page.get_by_role("button", name="Apply filters").click()
    assert parse_qs(urlsplit(page.url).query) == {"q": ["orders"], "kind": ["aggregate"]}  # blank sort: the default
    assert set(hit_titles(page)) == {"Order Lines", "Daily Orders by Region"}
    context.close()


def _phone(browser, live_server, *, javascript: bool):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, java_script_enabled=javascript
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Sign in").click()
    return context, page


def test_on_a_phone_results_come_first_and_the_filters_open_without_javascript(browser, live_server, world, catalog):
    context, page = _phone(browser, live_server, javascript=False)
    page.goto("/search/?q=orders")

    first_result = page.locator(".search-hit").first
    assert first_result.bounding_box()["y"] < 844  # on the first screen, not below a column of facets
    kind = page.get_by_role("group", name="Kind")
    assert kind.is_hidden()
    filters = page.locator("summary", has_text="Filters")
    assert filters.is_visible()

    filters.click()
    assert kind.is_visible()
    kind.get_by_role("checkbox", name=re.compile("^Aggregate")).check()
    page.get_by_role("button", name="Apply filters").click()
    assert set(hit_titles(page)) == {"Order Lines", "Daily Orders by Region"}
    assert page.locator("summary", has_text="Filters").inner_text().split() == ["Filters", "1"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_on_a_phone_the_filters_stay_open_while_boxes_are_ticked(browser, live_server, world, catalog):
    context, page = _phone(browser, live_server, javascript=True)
    page.goto("/search/?q=orders")
    page.locator("summary", has_text="Filters").click()

    page.get_by_role("group", name="Kind").get_by_role("checkbox", name=re.compile("^Aggregate")).check()
    page.wait_for_url(re.compile(r"kind=aggregate"))

    assert set(hit_titles(page)) == {"Order Lines", "Daily Orders by Region"}
    assert page.locator("details[data-filters]").evaluate("details => details.open")
    assert page.get_by_role("group", name="Kind").is_visible()
    context.close()
