"""What governance adds to product search documents: the stored health score and its band.

The score travels with each hit (`health` in the search API and on result cards) and is the key of the search's
`health` sort; the band (good / fair / poor, by settings.GOVERNANCE_HEALTH bands) is the `health_band` facet.
Ranking itself weighs ratings, consumers and SLO health (search/ranking.py), three of health's four parts.
The stored copy is refreshed on evaluation and hourly; documents whose health changed are re-indexed then.
"""

from __future__ import annotations

from governance.health import band_of, config
from governance.models import ProductScore
from search.extensions import ProductExtras


def product_enricher(product_ids: list[int]) -> dict[int, ProductExtras]:
    """One query per batch of documents."""
    bands = config()["bands"]
    rows = ProductScore.objects.filter(product_id__in=product_ids, health__isnull=False).values_list(
        "product_id", "health"
    )
    return {pid: ProductExtras(health=health, health_band=band_of(health, bands)) for pid, health in rows}
