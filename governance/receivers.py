"""Signal receivers: cheap, they only hand the work to a task once the write has committed."""

from __future__ import annotations

from core.dispatch import enqueue_ids_on_commit


def on_products_changed(sender, product_ids, **kwargs) -> None:
    ids = sorted({int(pk) for pk in product_ids or ()})
    if not ids:
        return

    # No query here: the task reads what it needs. Without a broker, a web request's calls are merged into one
    # and run after its response (see core.dispatch); there the task only queues the ids, evaluated in
    # batches (governance/pending.py).
    enqueue_ids_on_commit("governance.tasks.evaluate_products", ids)
