"""Usage: records sent to `POST /api/v1/usage` by the product team's `write:usage` tokens and, by session, by any
of its people (the rule of product writes) and staff; show-back pages, exports and the mesh figures open to any
signed-in caller (cost inside them is hidden by row, which tests/usage/test_pages.py checks, not the matrix).

Read from usage/permissions.py: `ensure_can_send_usage` (`ensure_can_write_product` with write:usage).
"""

from __future__ import annotations

from django.utils import timezone

from core.actors import Scope

from .core import Entry, api_read, api_write, page_read


def product(scene) -> dict:
    scene.port  # noqa: B018 -- a product with a port
    return {"domain": "sales", "slug": scene.product.slug}


def recent_record(scene) -> dict:
    return {
        "day": timezone.now().date().isoformat(),  # within the retention whatever day the matrix runs
        "port": scene.port.pk,
        "team": "finance-team",
        "queries": 3,
        "cost": "0.40",
        "currency": "EUR",
    }


TEAM = {"slug": "finance-team"}

ENTRIES = [
    # The owning team's write:usage tokens send; so do its people by session (any role, as for product writes) and
    # staff, whom scopes do not narrow (docs/usage.md, "Who may send").
    Entry("api-usage", "POST", api_write(Scope.WRITE_USAGE), body=recent_record),
    Entry("api-usage-product", "GET", api_read(), kwargs=product),
    Entry("api-usage-team", "GET", api_read(), kwargs=lambda s: TEAM),
    Entry("api-mesh-metrics", "GET", api_read()),
    # Pages.
    Entry("usage_product", "GET", page_read(), kwargs=product),
    Entry("usage_product_csv", "GET", page_read(), kwargs=product),
    Entry("usage_team", "GET", page_read(), kwargs=lambda s: TEAM),
    Entry("usage_team_csv", "GET", page_read(), kwargs=lambda s: TEAM),
]
