"""The main pages of the demo mesh as a first-time visitor sees them in Chromium: no console errors, no failed
requests, a site icon, a mesh dashboard that fits the window, and search results that show their quality."""

from __future__ import annotations

import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Not assertions: pictures to look at after a run (not committed).
SCREENSHOTS = Path(tempfile.gettempdir()) / "meshportal-main-pages"

MAIN_PAGES = {
    "home": "/",
    "products": "/products/",
    "product": "/products/sales/orders/",
    "search": "/search/?q=orders",
    "domains": "/domains/",
    "domain": "/domains/sales/",
    "mesh dashboard": "/mesh/",
    "lineage": "/lineage/",
    "glossary": "/glossary/",
}


@pytest.fixture
def demo(db):
    """The demo mesh, as `make run` loads it (its mails held back, as there)."""
    call_command("seed_demo", stdout=StringIO())


class Console:
    """Everything a page complains about: console errors and warnings, uncaught exceptions, failed requests and
    answers of 400 or more (a missing favicon is one)."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _failed(self, request) -> None:
        # A request the browser cancels itself (the page it belonged to was left, as the sign-in redirect leaves
        # the login page while its icon loads) is no error of the portal's; every other failure is.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"failed: {request.url} ({request.failure})")

    def _console(self, message) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text} at {message.location.get('url')}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def take(self) -> list[str]:
        problems, self.problems = self.problems, []
        return problems


def _visit(page, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")  # late requests (htmx, the lineage graph's data) count too


def test_the_main_pages_load_without_a_console_error_and_with_a_site_icon(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    console = Console(page)
    SCREENSHOTS.mkdir(exist_ok=True)

    _visit(page, "/accounts/login/")
    assert console.take() == [], "login"
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    answer = page.request.get(icon)
    assert answer.ok and answer.headers["content-type"].startswith("image/svg+xml")
    # Browsers that ask for /favicon.ico without looking for a link get the same icon.
    assert page.request.get("/favicon.ico").url.endswith(icon)

    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")

    seen = {}
    for name, path in MAIN_PAGES.items():
        _visit(page, path)
        seen[name] = console.take()
        page.screenshot(path=SCREENSHOTS / f"{name.replace(' ', '-')}-1366.png", full_page=True)
    assert seen == {name: [] for name in MAIN_PAGES}
    context.close()


def test_the_mesh_dashboard_fits_1366_and_1024_pixels(browser, live_server, demo, sign_in_as_demo):
    for width in (1366, 1024):
        page = sign_in_as_demo(width, 900)
        _visit(page, "/mesh/")

        overflow = page.evaluate(
            "() => ({page: document.documentElement.scrollWidth - window.innerWidth,"
            " table: (b => b.scrollWidth - b.clientWidth)(document.querySelector('.mesh-table-box'))})"
        )
        assert overflow == {"page": 0, "table": 0}, width
        # Every column is there and on screen, the last one included.
        last = page.get_by_role("columnheader", name="Access decision (median hours)")
        box = last.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
        # The charts share the width instead of a quarter of it.
        chart = page.locator(".mesh-charts svg").first.bounding_box()
        assert chart is not None and chart["width"] > width / 3
        note = page.locator("#slo-chart-note").inner_text()
        assert "none of their published products has an objective with measurements in the last 30 days" in note
        page.context.close()


def test_search_rows_show_rating_and_slo_state(browser, live_server, demo, sign_in_as_demo):
    page = sign_in_as_demo(1366, 900)
    _visit(page, "/search/?q=orders")

    orders = page.locator(".search-hit", has=page.get_by_role("link", name="Orders", exact=True)).first
    quality = orders.locator(".hit-quality")
    assert quality.locator(".rating-stars").inner_text().strip()  # stars, the average and how many ratings
    assert "out of 5 stars" in quality.locator(".rating-stars").text_content()
    assert quality.locator(".slo-state").inner_text() in {"SLOs met", "SLOs at risk", "SLO breached", "No SLO data"}
    assert quality.get_by_text("Updated").is_visible()
    # Every product row has both, rated or not.
    rows = page.locator(".search-hit-product")
    assert rows.count() == rows.locator(".hit-quality .rating-stars").count() == rows.locator(".slo-state").count()
    page.context.close()


@pytest.fixture
def sign_in_as_demo(browser, live_server):
    def sign_in(width: int, height: int):
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height})
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill("demo")
        page.get_by_label("Password").fill("demo")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/")
        return page

    return sign_in
