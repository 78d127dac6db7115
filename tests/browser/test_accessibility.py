"""Accessibility and layout of the main pages in Chromium, on the demo mesh: axe-core (vendored from npm) finds no
serious or critical violation at desktop and phone width; the header is one row from 1024 px with the search box
always there; "/" focuses it; the product page's tabs, snippets and schema filter work; old anchors find their tab.

axe is loaded from the portal's own static files (a same-origin script the strict CSP allows), never inline."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = "/static/vendor/axe-core/axe.min.js"
PAGES = {
    "login": "/accounts/login/",
    "home": "/",
    "products": "/products/",
    "product": "/products/sales/orders/",
    "product schema": "/products/sales/orders/?tab=schema",
    "product contract": "/products/sales/orders/?tab=contract",
    "product quality": "/products/sales/orders/?tab=quality",
    "product lineage": "/products/sales/orders/?tab=lineage",
    "product reviews": "/products/sales/orders/?tab=reviews",
    "product access": "/products/sales/orders/?tab=access",
    "product history": "/products/sales/orders/?tab=history",
    "search": "/search/?q=orders",
    "domains": "/domains/",
    "domain": "/domains/sales/",
    "mesh dashboard": "/mesh/",
    "lineage": "/lineage/",
    "glossary": "/glossary/",
}


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def open_page(browser, live_server):
    contexts = []

    def open_page(width: int, height: int = 900, *, signed_in: bool = True):
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height})
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        if signed_in:
            page.goto("/accounts/login/")
            page.get_by_label("Username").fill("demo")
            page.get_by_label("Password").fill("demo")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/")
        return page

    yield open_page
    for context in contexts:
        context.close()


def serious_violations(page) -> list[str]:
    page.add_script_tag(url=AXE)
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))"
    )
    return list(result)


@pytest.mark.parametrize("width", [1366, 390])
def test_axe_finds_no_serious_or_critical_violation_on_the_main_pages(open_page, demo, width):
    page = open_page(width)
    found = {}
    for name, path in PAGES.items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        found[name] = serious_violations(page)
    assert found == {name: [] for name in PAGES}


def _header_rows(page) -> dict:
    return page.evaluate(
        """() => {
            const top = el => Math.round(el.getBoundingClientRect().top + el.getBoundingClientRect().height / 2);
            const h = document.querySelector('.site-header-row');
            return {
                brand: top(h.querySelector('.brand')),
                search: top(document.getElementById('site-search-q')),
                account: top(h.querySelector('.nav-user')),
                overflow: h.scrollWidth - h.clientWidth,
                page: document.documentElement.scrollWidth - innerWidth,
            };
        }"""
    )


@pytest.mark.parametrize("width", [1920, 1366, 1280, 1024])
def test_the_header_is_one_row_with_the_search_box_from_1024_pixels(open_page, demo, width):
    page = open_page(width)
    page.goto("/products/sales/orders/")
    rows = _header_rows(page)
    assert abs(rows["brand"] - rows["search"]) <= 4 and abs(rows["brand"] - rows["account"]) <= 4, rows
    assert rows["overflow"] == 0 and rows["page"] == 0, rows
    assert page.locator("#site-search-q").is_visible()
    links = page.get_by_role("navigation", name="Main").get_by_role("link", name="Products")
    if width >= 1300:
        assert links.is_visible()  # every section in the row
    else:
        assert not links.is_visible()  # behind "Menu", which opens them
        page.get_by_text("Menu", exact=True).click()
        assert links.is_visible()


def test_on_a_phone_the_menu_opens_the_sections_and_search_stays(open_page, demo):
    page = open_page(390, 844)
    page.goto("/")
    assert page.locator("#site-search-q").is_visible()
    assert _header_rows(page)["page"] == 0
    glossary = page.get_by_role("navigation", name="Main").get_by_role("link", name="Glossary")
    assert not glossary.is_visible()
    page.get_by_text("Menu", exact=True).click()
    glossary.click()
    page.wait_for_url("**/glossary/")


def test_slash_focuses_the_search_box_unless_typing(open_page, demo):
    page = open_page(1366)
    page.goto("/products/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-search-q"
    page.keyboard.type("orders")
    assert page.locator("#site-search-q").input_value() == "orders"  # the slash was not typed into the box
    page.goto("/products/sales/orders/?tab=schema")
    box = page.get_by_label("Filter fields")
    box.click()
    page.keyboard.type("a/b")
    assert box.input_value() == "a/b"


def test_the_first_screen_of_a_product_answers_the_consumers_questions(open_page, demo):
    page = open_page(1366, 900)
    page.goto("/products/sales/orders/")
    page.wait_for_load_state("networkidle")

    def on_first_screen(locator) -> bool:
        box = locator.first.bounding_box()
        return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 900

    header = page.locator(".product-header")
    for part in (
        header.get_by_role("heading", name="Orders"),
        header.locator(".freshness"),  # is it fresh
        header.locator(".rating-badge"),  # is it good
        header.locator(".slo-state"),
        header.locator(".health-link"),
        page.locator(".port-summary"),  # what is in it
        header.locator(".access-action"),  # how do I get it
        page.locator(".snippet-code:visible"),  # how do I query it
        page.get_by_role("navigation", name="Product sections"),
    ):
        assert on_first_screen(part), part


def test_snippets_switch_language_and_copy_and_the_schema_filters(open_page, demo):
    page = open_page(1366)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/products/sales/orders/")
    first = page.locator(".howto-port").first
    sql = first.locator(".snippet").first
    assert sql.is_visible() and "SELECT" in sql.inner_text()
    first.get_by_role("button", name="Spark").click()
    assert not sql.is_visible()
    spark = first.locator(".snippet:visible")
    assert "spark" in spark.inner_text()
    spark.get_by_role("button", name="Copy").click()
    # The status is written when the clipboard promise resolves: wait for it rather than read it at once.
    expect(first.locator(".copy-status")).to_have_text("Copied to the clipboard.")
    assert "spark" in page.evaluate("navigator.clipboard.readText()")

    page.goto("/products/sales/orders/?tab=schema")
    rows = page.locator(".schema-table tbody tr")
    total = rows.count()
    page.get_by_label("Filter fields").fill("order_id")
    visible = page.locator(".schema-table tbody tr:visible")
    assert 0 < visible.count() < total
    assert all("order_id" in text for text in visible.all_inner_texts())
    assert f"of {total} fields match." in page.locator("#schema-filter-status").inner_text()


def test_an_old_anchor_opens_its_tab(open_page, demo):
    page = open_page(1366)
    page.goto("/products/sales/orders/#reviews")
    page.wait_for_url("**/products/sales/orders/?tab=reviews#reviews")
    assert page.locator("#reviews").is_visible()


def test_tabs_work_without_javascript(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    page.goto("/products/sales/orders/")
    page.get_by_role("navigation", name="Product sections").get_by_role("link", name="Schema").click()
    page.wait_for_url("**/products/sales/orders/?tab=schema")
    assert page.locator(".schema-table").first.is_visible()
    tab = page.get_by_role("navigation", name="Product sections").get_by_role("link", name="Schema")
    assert tab.get_attribute("aria-current") == "page"
    # Every snippet is listed, one under the other, since nothing turns them into tabs.
    page.goto("/products/sales/orders/")
    assert page.locator(".howto-port").first.locator(".snippet:visible").count() >= 2
    context.close()
