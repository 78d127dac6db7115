"""What the glossary tells the rest of the portal, without knowing who listens (search reindexes on it).

`terms_changed` is sent after the write commits, with `term_ids` (terms whose content, status or links changed)
and `product_ids` (products whose documents show those terms' names: linked to them or to one of their fields).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

from glossary.search import linked_product_ids

terms_changed = Signal()


def announce_terms_changed(term_ids: Iterable[int], product_ids: Iterable[int] = ()) -> None:
    """Send `terms_changed` once the current transaction commits (nothing if it rolls back)."""
    terms, products = sorted(set(term_ids)), set(product_ids)

    def send() -> None:
        if not terms_changed.has_listeners():
            return

        all_products = sorted(products | linked_product_ids(terms))
        terms_changed.send(sender=terms_changed, term_ids=terms, product_ids=all_products)

    transaction.on_commit(send)
