"""Signal receivers and the search enricher. Each stays cheap: it reads what it was given and queues a task."""

from __future__ import annotations

from core.dispatch import enqueue_ids_on_commit
from search.extensions import ProductExtras
from usage.selectors import consumers_without_grant


def on_products_changed(sender, product_ids, **kwargs) -> None:
    enqueue_ids_on_commit("usage.tasks.record_milestones", {int(pid) for pid in product_ids})


def product_enricher(product_ids: list[int]) -> dict[int, ProductExtras]:
    """Search ranks by consumers: access adds the holders of active grants, this adds those who used the product
    in the last 30 days without holding one (open ports, or usage the platform saw), so nobody counts twice."""
    return {pid: ProductExtras(consumers=n) for pid, n in consumers_without_grant(product_ids).items() if n}
