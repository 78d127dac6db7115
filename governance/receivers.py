"""Signal receivers: cheap, they only hand the work to a task once the write has committed."""

from __future__ import annotations

from django.db import transaction


def on_products_changed(sender, product_ids, **kwargs) -> None:
    ids = sorted({int(pk) for pk in product_ids or ()})
    if not ids:
        return
    from governance.tasks import evaluate_products

    # No query here: the task reads what it needs. on_commit runs at once when no transaction is open
    # (products_changed is itself sent after the commit).
    transaction.on_commit(lambda: evaluate_products.delay(ids))
