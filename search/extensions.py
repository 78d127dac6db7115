"""What other apps use of search, and all they use: they add to product documents (an enricher returning
`ProductExtras` per product id), add document types of their own (a `DocumentSource` building `IndexDocument`s),
queue their documents for indexing in their write's transaction (`on_commit_index`), share the ranking's
Bayesian average, and ask which products a saved search finds (`product_ids_matching`).

Products are queued by the catalog's signals (`catalog.signals.announce_products_changed`), not from here.
"""

from __future__ import annotations

from search.base import IndexDocument
from search.indexing import on_commit_index
from search.matches import product_ids_matching
from search.ranking import Weights, bayesian_average
from search.registry import DocumentSource, ProductEnricher, ProductExtras, register_product_enricher, register_source

__all__ = [
    "DocumentSource",
    "IndexDocument",
    "ProductEnricher",
    "ProductExtras",
    "Weights",
    "bayesian_average",
    "on_commit_index",
    "product_ids_matching",
    "register_product_enricher",
    "register_source",
]
