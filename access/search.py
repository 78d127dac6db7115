"""What access adds to search: a product's consumers (active grants, distinct grantees) lift its ranking."""

from __future__ import annotations

from access.selectors import consumer_counts
from search.extensions import ProductExtras


def product_enricher(product_ids: list[int]) -> dict:
    """For search.documents.register_product_enricher."""
    return {product_id: ProductExtras(consumers=n) for product_id, n in consumer_counts(product_ids).items()}
