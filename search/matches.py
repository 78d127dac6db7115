"""Which products a saved search finds now: for the alerts of the notices app (through search.extensions)."""

from __future__ import annotations

import dataclasses

from django.http import QueryDict

from search.outbox import caught_up_backend
from search.params import MAX_PAGE_SIZE, query_from_params


def product_ids_matching(query_string: str, *, limit: int = MAX_PAGE_SIZE) -> list[int]:
    """The ids of the best `limit` products the search page would show for the query string (q=...&domain=...);
    raises ValidationFailed for parameters the search page would refuse."""
    query = query_from_params(QueryDict(query_string))
    query = dataclasses.replace(query, page=1, page_size=min(limit, MAX_PAGE_SIZE), with_facets=False)
    results = caught_up_backend().search(query)
    return [int(hit.object_id) for hit in results.hits if hit.doc_type == "product"]
