"""The main pages in Chromium under the production Content-Security-Policy: no violation, no script error."""

from __future__ import annotations

import pytest

from lineage.openlineage import parse_event
from lineage.services.ingest import lineage_events_ingest
from tests.factories import OutputPortFactory, ProductFactory
from tests.glossary.conftest import approve, propose
from tests.lineage.conftest import dataset, run_event

sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script, outside the page's policy (Playwright injects it), and records every violation.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${where}`);
});
"""


@pytest.fixture
def mesh(world):
    orders = ProductFactory(domain=world.domain, slug="orders", name="Orders", description="## Orders\n\nOne row.")
    OutputPortFactory(product=orders, name="orders", location="pg://wh/sales.orders")
    events = [run_event("stage", [dataset("pg://wh", "sales.orders")], [dataset("pg://wh", "tmp.orders_clean")])]
    lineage_events_ingest(actor=None, events=[parse_event(e) for e in events])
    approve(world.steward, propose(world.member, name="Churn rate", definition="Customers *lost*."))


@pytest.fixture
def watched(page):
    problems: list[str] = []
    page.add_init_script(WATCH_VIOLATIONS)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if message.type == "error" and ("Content Security Policy" in message.text or "Refused to" in message.text)
            else None
        ),
    )
    return page, problems


PAGES = [
    "/",
    "/search/?q=orders",
    "/products/sales/orders/",
    # Each tab of the product page: the lineage tab embeds the graph, quality and reviews draw charts.
    "/products/sales/orders/?tab=schema",
    "/products/sales/orders/?tab=quality",
    "/products/sales/orders/?tab=lineage",
    "/products/sales/orders/?tab=reviews",
    "/products/sales/orders/?tab=access",
    "/lineage/?nodeId=dataset:pg://wh:sales.orders",
    "/lineage/",  # the mesh map of products
    "/glossary/",
    "/glossary/domains/sales/terms/churn-rate/",
    "/api/docs/",
    # The dashboards draw server-side SVG charts, which must not carry style attributes either.
    "/mesh/",
    "/scorecards/",
    "/governance/",
    "/access/approvals/",
]


def test_the_main_pages_load_without_csp_violations(mesh, watched, sign_in):
    page, problems = watched
    sign_in("olivia")
    for path in PAGES:
        response = page.goto(path)
        if response is None or response.status >= 400:
            problems.append(f"{path}: status {response.status if response else 'none'}")
        page.wait_for_load_state("networkidle")
        violations = page.evaluate("window.__cspViolations")
        problems.extend(f"{path}: {v}" for v in violations)
    assert problems == []


def test_the_api_docs_render_swagger_ui_under_the_policy(watched):
    page, problems = watched
    page.goto("/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Mesh Portal API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.evaluate("window.__cspViolations") == []
    assert problems == []


def test_the_lineage_graph_draws_under_the_policy(mesh, watched, sign_in):
    page, problems = watched
    sign_in("olivia")
    page.goto("/lineage/?nodeId=dataset:pg://wh:sales.orders")
    page.locator("#lineage-cy[data-state='ready'], #lineage-cy canvas").first.wait_for()
    assert page.evaluate("window.__cspViolations") == []
    assert problems == []


def test_the_mesh_map_draws_under_the_policy(mesh, watched, sign_in):
    page, problems = watched
    sign_in("olivia")
    page.goto("/lineage/")
    page.locator("#lineage-cy[data-state='ready'][data-view='mesh']").wait_for()
    assert page.locator("#lineage-cy canvas").count() > 0
    assert page.evaluate("window.__cspViolations") == []
    assert problems == []


def test_an_inline_script_would_be_caught(watched, live_server):
    """The watch itself works: a page that tries inline script is reported."""
    page, _ = watched
    page.goto("/accounts/login/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.body.append(s); }"
    )
    page.wait_for_timeout(100)
    assert any("script-src" in v for v in page.evaluate("window.__cspViolations"))
