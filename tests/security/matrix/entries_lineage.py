"""Lineage (OpenLineage ingestion by token only; graph reads) and governance (read-only scores and findings)."""

from __future__ import annotations

from core.actors import Scope

from .core import OK, UNAUTHORIZED, Entry, api_read, api_write, page_read
from .scene import lineage_event

NODE = "nodeId=dataset:warehouse:orders"


def node(scene) -> str:
    scene.lineage_run  # noqa: B018 -- the graph the read walks
    return NODE


def product(scene) -> dict:
    return {"domain": "sales", "slug": scene.product.slug}


# People send lineage through their team's tokens (sessions are not accepted); any token with write:lineage may
# send, of any team (events are not owned by a domain; datasets are mapped to ports afterwards).
SEND = {
    **api_write(Scope.WRITE_LINEAGE, roles=(), staff=False),
    # The endpoint authenticates tokens only (no session, so no CSRF question): people get 401.
    **dict.fromkeys(("outsider", "member", "steward", "owner", "staff"), UNAUTHORIZED),
    "other-team token": OK,
}

ENTRIES = [
    Entry("api-lineage", "GET", api_read(), query=node),
    Entry("api-lineage", "POST", SEND, body=lambda s: lineage_event("load_returns")),
    Entry("api-lineage-batch", "POST", SEND, body=lambda s: [lineage_event("load_returns")]),
    Entry("api-lineage-impact", "GET", api_read(), query=node),
    Entry(
        "api-lineage-path",
        "GET",
        api_read(),
        query=lambda s: (node(s), "from=dataset:warehouse:raw_orders&to=dataset:warehouse:orders")[1],
    ),
    Entry("api-lineage-search", "GET", api_read(), query="q=orders"),
    Entry("api-lineage-mesh", "GET", api_read()),
    Entry("api-lineage-product", "GET", api_read(), kwargs=product),
    Entry("api-lineage-product-impact", "GET", api_read(), kwargs=product),
    Entry("api-column-lineage", "GET", api_read(), query=node),
    Entry("lineage_graph", "GET", page_read(), query=node),
    Entry("lineage_impact", "GET", page_read(), query=node),
    Entry("lineage_product_graph", "GET", page_read(), kwargs=product),
    # Governance: computed scores over the catalog, readable by every signed-in caller, written by nobody.
    Entry("api-governance-policies", "GET", api_read()),
    Entry("api-governance-findings", "GET", api_read()),
    Entry("api-governance-domains", "GET", api_read()),
    Entry("api-governance-product", "GET", api_read(), kwargs=product),
    Entry("api-health-product", "GET", api_read(), kwargs=product),
    Entry("api-health-dashboard", "GET", api_read()),
    Entry("governance_policies", "GET", page_read()),
    Entry("governance_policy", "GET", page_read(), kwargs=lambda s: {"policy_id": "owner-team"}),
    Entry("mesh_dashboard", "GET", page_read()),
    Entry("mesh_dashboard_csv", "GET", page_read()),
]
