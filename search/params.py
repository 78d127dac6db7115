"""Search parameters from a URL, shared by the API and the search page, and results as plain data.

Every bad parameter is reported at once, as a ValidationFailed naming it by pointer (`/page`, `/kind`), which
the API answers as problem+json and a page can show next to the form.
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from core.errors import FieldError, ValidationFailed
from search.base import CLOSED_FACETS, FACETS, MAX_WINDOW, SORTS, SearchQuery, SearchResults, Suggestion
from search.facets import FACET_TITLES

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_VALUES_PER_FACET = 20
MAX_VALUE_CHARS = 200


def _int(params: QueryDict, name: str, default: int, low: int, high: int, errors: list[FieldError]) -> int:
    raw = params.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        errors.append(FieldError(f"/{name}", f"Must be a whole number, got {raw[:40]!r}."))
        return default
    if not low <= value <= high:
        errors.append(FieldError(f"/{name}", f"Must be between {low} and {high:,}."))
        return default
    return value


def query_from_params(params: QueryDict) -> SearchQuery:
    """`q`, one parameter per facet (repeat it for several values), `sort`, `page`, `page_size`."""
    errors: list[FieldError] = []
    filters: dict[str, tuple[str, ...]] = {}
    for facet in FACETS:
        values = [v.strip() for v in params.getlist(facet) if v.strip()]
        values = list(dict.fromkeys(values))
        if not values:
            continue
        if len(values) > MAX_VALUES_PER_FACET:
            errors.append(FieldError(f"/{facet}", f"At most {MAX_VALUES_PER_FACET} values."))
            continue
        allowed = CLOSED_FACETS.get(facet)
        bad = [v for v in values if (allowed and v not in allowed) or len(v) > MAX_VALUE_CHARS]
        if bad:
            hint = f" Choose from: {', '.join(allowed)}." if allowed else ""
            errors.append(FieldError(f"/{facet}", f"Unknown value {bad[0][:40]!r}.{hint}"))
            continue
        filters[facet] = tuple(values)
    sort = params.get("sort", "") or "relevance"
    if sort not in SORTS:
        errors.append(FieldError("/sort", f"Unknown sort {sort[:40]!r}. Choose from: {', '.join(SORTS)}."))
    page_size = _int(params, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE, errors)
    page = _int(params, "page", 1, 1, max(1, MAX_WINDOW // page_size), errors)
    if errors:
        raise ValidationFailed(errors, message="The search has invalid parameters.")
    return SearchQuery(text=params.get("q", ""), filters=filters, sort=sort, page=page, page_size=page_size)


def toggle_url(params: QueryDict, facet: str, value: str) -> str:
    """The query string with facet=value added or removed, back on page 1: a facet checkbox's link."""
    out = params.copy()
    values = out.getlist(facet)
    out.setlist(facet, [v for v in values if v != value] if value in values else [*values, value])
    out.pop("page", None)
    return "?" + out.urlencode()


def page_url(params: QueryDict, page: int) -> str:
    out = params.copy()
    out["page"] = str(page)
    return "?" + out.urlencode()


def query_url(params: QueryDict, text: str) -> str:
    """The same search with other words (a "did you mean" link), back on page 1."""
    out = params.copy()
    out["q"] = text
    out.pop("page", None)
    return "?" + out.urlencode()


def results_to_dict(results: SearchResults) -> dict[str, Any]:
    query = results.query
    return {
        "query": query.text,
        "total": results.total,
        "page": query.page,
        "page_size": query.page_size,
        "pages": results.pages,
        "sort": query.sort,
        "did_you_mean": results.did_you_mean,
        "corrected_from": results.corrected_from,
        "total_approximate": results.total_approximate,
        "facets_approximate": results.facets_approximate,
        "facets": {
            name: [{"value": v.value, "label": v.label, "count": v.count, "selected": v.selected} for v in values]
            for name, values in results.facets.items()
        },
        "hits": [
            {
                "type": hit.doc_type,
                "id": hit.object_id,
                "key": hit.key,
                "title": hit.title,
                "url": hit.url,
                "summary": hit.summary,
                "highlight": {"title": hit.title_html, "summary": hit.summary_html, "snippet": hit.snippet_html},
                "matched": hit.matched,
                "score": hit.score,
                # Field names are for matching and the result card; the product's own endpoint lists them.
                **{k: v for k, v in hit.data.items() if k != "fields"},
            }
            for hit in results.hits
        ],
        "took_ms": round(results.took_ms, 1),
    }


def suggestions_to_dict(text: str, suggestions: list[Suggestion]) -> dict[str, Any]:
    return {
        "query": text,
        "suggestions": [{"text": s.text, "html": s.text_html, "type": s.doc_type, "url": s.url} for s in suggestions],
    }


def facet_groups(params: QueryDict, results: SearchResults) -> list[dict[str, Any]]:
    """The facets of a results page, ready for a template: heading, and per value its label, count, whether it
    is checked, and the link that toggles it (all other state kept in the URL)."""
    return [
        {
            "name": name,
            "title": FACET_TITLES.get(name, name),
            "approximate": results.facets_approximate,
            "values": [
                {
                    "value": v.value,
                    "label": v.label,
                    "count": v.count,
                    "selected": v.selected,
                    "url": toggle_url(params, name, v.value),
                }
                for v in values
            ],
        }
        for name, values in results.facets.items()
    ]
