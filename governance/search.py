"""What governance adds to product search documents: the stored health score, shown with each hit.

Ranking already weighs ratings, consumers and SLO health (catalog/search/ranking.py), three of the four parts
of health; the score itself travels in the hit's data (`health` in the search API and on result cards). A facet
or sort by health would need a column in the search index (see docs/governance.md, "Search").
"""

from __future__ import annotations

from catalog.search.documents import ProductExtras
from governance.models import ProductScore


def product_enricher(product_ids: list[int]) -> dict[int, ProductExtras]:
    """One query per batch of documents."""
    rows = ProductScore.objects.filter(product_id__in=product_ids, health__isnull=False).values_list(
        "product_id", "health"
    )
    return {pid: ProductExtras(health=health) for pid, health in rows}
