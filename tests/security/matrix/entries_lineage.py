"""Lineage (OpenLineage ingestion by token only; graph reads) and governance (read-only scores and findings)."""

from __future__ import annotations

from core.actors import Scope

from .core import HIDDEN, OK, UNAUTHORIZED, Entry, api_read, api_write, page_read
from .scene import lineage_event

NODE = "nodeId=dataset:warehouse:orders"


def node(scene) -> str:
    scene.lineage_run  # noqa: B018 -- the graph the read walks
    return NODE


def namespace_path(tail: str):
    def kwargs(scene) -> dict:
        scene.lineage_run  # noqa: B018 -- the datasets and job the read names
        return {"rest": f"pipelines{tail}" if tail.startswith("/jobs") else f"warehouse{tail}"}

    return kwargs


def run_id(scene) -> dict:
    from lineage.models import Run

    scene.lineage_run  # noqa: B018
    return {"run_id": Run.objects.get(job__name="load_orders").run_uuid}


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

NO_SUCH_SOURCE = {p: HIDDEN if outcome is OK else outcome for p, outcome in api_read().items()}

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
    # Marquez's read API (docs/lineage.md): reads only, as the rest of the lineage reads.
    Entry("api-marquez-namespaces", "GET", api_read()),
    Entry("api-marquez-namespace-paths", "GET", api_read(), kwargs=namespace_path("")),
    Entry("api-marquez-namespace-paths", "GET", api_read(), kwargs=namespace_path("/datasets"), note="datasets"),
    Entry("api-marquez-namespace-paths", "GET", api_read(), kwargs=namespace_path("/datasets/orders"), note="dataset"),
    Entry(
        "api-marquez-namespace-paths", "GET", api_read(), kwargs=namespace_path("/jobs/load_orders/runs"), note="runs"
    ),
    Entry("api-marquez-run", "GET", api_read(), kwargs=run_id),
    Entry("api-marquez-run-facets", "GET", api_read(), kwargs=run_id, query="type=run"),
    Entry("api-marquez-sources", "GET", api_read()),
    # No dataset of the scene names a dataSource: everyone signed in may ask, and is told there is none.
    Entry("api-marquez-source", "GET", NO_SUCH_SOURCE, kwargs=lambda s: {"name": "nothing"}),
    Entry("api-marquez-tags", "GET", api_read()),
    Entry("api-marquez-events", "GET", api_read()),
    Entry("api-marquez-events-client", "GET", api_read()),
    Entry("api-marquez-events-namespace", "GET", api_read(), kwargs=lambda s: {"namespace": "pipelines"}),
    Entry("api-marquez-search", "GET", api_read(), query="q=orders"),
    Entry("api-marquez-lineage", "GET", api_read(), query=node),
    Entry("api-marquez-lineage", "POST", SEND, body=lambda s: lineage_event("load_returns")),
    Entry("api-marquez-column-lineage", "GET", api_read(), query=node),
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
