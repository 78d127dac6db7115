"""The search pages: results with facets, and suggestions as you type. Thin: `search` does the work.

All state lives in the query string, so a search can be shared or bookmarked. A bad parameter never fails the
page: it is named in a message and left out, and the rest of the search runs.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.errors import FieldError, ValidationFailed
from search import text as search_text
from search.base import FACETS, SearchHit, SearchQuery, SearchResults
from search.facets import FACET_TITLES, FIXED_LABELS
from search.outbox import caught_up_backend
from search.params import page_url, query_from_params, query_url

# One result's kind of thing, as its badge says it.
TYPE_BADGES = {"product": "Data product", "domain": "Domain", "team": "Team"}
# The default sort's option has no value, so that it stays out of the URL (search.js drops empty parameters).
SORT_CHOICES = [
    ("", "Best match"),
    ("rating", "Highest rated"),
    ("consumers", "Most consumers"),
    ("health", "Best health"),
    ("updated", "Recently updated"),
]
# Facet values shown before "more"; selected values are always shown.
FACET_VISIBLE = 6
# What people type expecting query syntax that the search treats as plain word separators.
_SYNTAX = re.compile(r"[\"*:()^|&]|(?:^|\s)-\w|\b(?:AND|OR|NOT|NEAR)\b")
# Parameters of the search itself; anything else in the URL (utm tags, htmx's own) is not carried along.
_KNOWN = {"q", "sort", "page", "page_size", *FACETS}
SUGGESTIONS = 8


@dataclass(frozen=True)
class Note:
    """A line above the results about how the search was read: "info", or "warning" for a part left out."""

    text: str
    level: str = "info"


# A product's SLO state on its result card, as the product page's badge says it (slo/templatetags/slo_tags.py).
SLO_LABELS = {"healthy": "SLOs met", "at_risk": "SLOs at risk", "breached": "SLO breached", "unknown": "No SLO data"}
SLO_TITLES = {
    "healthy": "Every service level objective is met",
    "at_risk": "A service level objective is close to its limit",
    "breached": "A service level objective is breached",
    "unknown": "No service level objectives, or none measured yet",
}


@dataclass
class Card:
    """A result as the page shows it: the hit, the labels of its coded values, its links, and for products the
    quality signals the search document carries (so a results page reads nothing more per row)."""

    hit: SearchHit
    badge: str
    meta: dict[str, Any]
    kind: str = ""
    status: str = ""
    domain_url: str = ""
    team_url: str = ""
    parent_url: str = ""
    tags: list[tuple[str, str]] = field(default_factory=list)  # (tag, its search)
    rating: float = 0.0  # Bayesian average, 0 when unrated
    rating_count: int | None = None  # None: a document indexed before it carried the count
    slo_state: str = "unknown"
    slo_label: str = ""
    slo_title: str = ""
    health: float | None = None
    health_band: str = "unknown"
    updated_at: str = ""  # ISO 8601, as the document carries it


def _card(hit: SearchHit, search_url: str) -> Card:
    data = hit.data or {}
    domain, team, parent = data.get("domain"), data.get("owner_team"), data.get("parent")
    slo = str(data.get("slo_health") or "unknown")
    if slo not in SLO_LABELS:
        slo = "unknown"
    return Card(
        hit=hit,
        badge=TYPE_BADGES.get(hit.doc_type, hit.doc_type.replace("_", " ").capitalize()),
        meta=data,
        kind=FIXED_LABELS["kind"].get(data.get("kind", ""), data.get("kind", "")),
        status=FIXED_LABELS["status"].get(data.get("status", ""), data.get("status", "")),
        domain_url=reverse("domain_detail", args=[domain["slug"]]) if isinstance(domain, dict) else "",
        team_url=reverse("team_detail", args=[team["slug"]]) if isinstance(team, dict) else "",
        parent_url=reverse("domain_detail", args=[parent["slug"]]) if isinstance(parent, dict) else "",
        tags=[(tag, f"{search_url}?{urlencode({'tag': tag})}") for tag in data.get("tags") or []],
        rating=float(data.get("rating") or 0.0),
        rating_count=data["rating_count"] if isinstance(data.get("rating_count"), int) else None,
        slo_state=slo,
        slo_label=SLO_LABELS[slo],
        slo_title=SLO_TITLES[slo],
        health=data["health"] if isinstance(data.get("health"), int | float) else None,
        health_band=data.get("health_band") or "unknown",
        updated_at=data.get("updated_at") or "",
    )


def _clean_params(raw: QueryDict) -> tuple[QueryDict, list[Note]]:
    """The search's own parameters with the bad ones left out, and a note for each one dropped."""
    params = QueryDict(mutable=True)
    for key in raw:
        values = [v for v in raw.getlist(key) if v != ""]
        if key in _KNOWN and values:
            params.setlist(key, values)
    notes: list[Note] = []
    q = params.get("q", "")
    if len(q) > search_text.MAX_QUERY_CHARS:
        params["q"] = q[: search_text.MAX_QUERY_CHARS]
        notes.append(Note(f"Your search was long: only its first {search_text.MAX_QUERY_CHARS} characters were used."))
    try:
        query_from_params(params)
    except ValidationFailed as exc:
        for error in exc.errors:
            params.pop(error.path.lstrip("/"), None)
            notes.append(Note(_describe(error), "warning"))
    return params, notes


def _describe(error: FieldError) -> str:
    name = error.path.lstrip("/").replace("_", " ")
    return f"The {name} in the address was left out: {error.message}"


def _query_notes(text: str) -> list[Note]:
    notes = []
    words = search_text.words(text[: search_text.MAX_QUERY_CHARS])
    if len(dict.fromkeys(words)) > search_text.MAX_TERMS:
        notes.append(Note(f"Only the first {search_text.MAX_TERMS} words of your search were used."))
    if _SYNTAX.search(text):
        notes.append(
            Note(
                "Quotes, operators (AND, OR, NOT, -, *) and other symbols are not search syntax here: "
                "results contain all of your words."
            )
        )
    return notes


@dataclass
class FacetGroup:
    name: str
    title: str
    approximate: bool
    values: list[dict[str, Any]]
    more: int  # values past the first FACET_VISIBLE, folded away
    more_open: bool  # one of those is ticked, so the fold starts open


def _groups(results: SearchResults) -> list[FacetGroup]:
    """Facet groups for the sidebar, as checkboxes of one GET form (so no per-value links are built). A group
    that could not narrow the results (one value, held by all of them, not chosen) is left out."""
    groups = []
    for name, facet_values in results.facets.items():
        if len(facet_values) == 1 and not facet_values[0].selected and facet_values[0].count >= results.total:
            continue
        values = [
            {
                "value": v.value,
                "label": v.label,
                "count": v.count,
                "selected": v.selected,
                "id": f"facet-{name}-{_slug(v.value)}",
            }
            for v in facet_values
        ]
        groups.append(
            FacetGroup(
                name=name,
                title=FACET_TITLES.get(name, name),
                approximate=results.facets_approximate,
                values=values,
                more=max(0, len(values) - FACET_VISIBLE),
                more_open=any(v["selected"] for v in values[FACET_VISIBLE:]),
            )
        )
    return groups


def _slug(value: str) -> str:
    # For element ids, stable across requests: htmx puts focus back on the checkbox with the same id after it
    # swaps the results. Values that are not already id-safe get a checksum so that two cannot collide.
    if re.fullmatch(r"[a-z0-9][a-z0-9_-]*", value):
        return value
    return f"{re.sub(r'[^a-z0-9]+', '-', value.lower()).strip('-')}-{zlib.crc32(value.encode()):08x}"


def _page_links(params: QueryDict, page: int, pages: int) -> list[dict[str, Any]]:
    """First, last, and two either side of the current page, with {"gap": True} where numbers are skipped."""
    wanted = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[dict[str, Any]] = []
    previous = 0
    for number in wanted:
        if number - previous > 1:
            links.append({"gap": True})
        links.append({"number": number, "url": page_url(params, number), "current": number == page})
        previous = number
    return links


def _starting_points() -> dict[str, Any]:
    """Popular tags and domains for the page before anything is searched, from the index's own counts."""
    results = caught_up_backend().search(SearchQuery(text="", page_size=1))
    return {
        "total": results.total,
        "tags": results.facets.get("tag", [])[:12],
        "domains": results.facets.get("domain", [])[:8],
    }


@require_GET
def search(request):
    params, notes = _clean_params(request.GET)
    query = query_from_params(params)
    context: dict[str, Any] = {
        "q": query.text,
        "query": query,
        "notes": notes,
        "sort_choices": SORT_CHOICES,
        "sort": "" if query.sort == "relevance" else query.sort,
        "page_size": params.get("page_size", ""),
    }
    if not search_text.parse_terms(query.text) and not query.filters:
        if query.text.strip():
            context["notes"].append(Note("Your search had no letters or digits to look for."))
        context["start"] = _starting_points()
        return render(request, "search/search.html", context)

    context["notes"] += _query_notes(query.text)
    results = caught_up_backend().search(query)
    if results.total and query.page > results.pages:
        context["past_end"] = {"last": results.pages, "url": page_url(params, results.pages)}
    search_url = reverse("search")
    cleared = QueryDict(mutable=True)
    if query.text:
        cleared["q"] = query.text
    context.update(
        results=results,
        cards=[_card(hit, search_url) for hit in results.hits],
        groups=_groups(results),
        facet_visible=FACET_VISIBLE,
        first=query.offset + 1,
        last=query.offset + len(results.hits),
        page_links=_page_links(params, query.page, results.pages) if results.pages > 1 else [],
        previous_url=page_url(params, query.page - 1) if 1 < query.page <= results.pages else "",
        next_url=page_url(params, query.page + 1) if query.page < results.pages else "",
        did_you_mean_url=query_url(params, results.did_you_mean) if results.did_you_mean else "",
        clear_filters_url="?" + cleared.urlencode() if query.filters else "",
        selected_count=sum(len(values) for values in query.filters.values()),
    )
    return render(request, "search/search.html", context)


@require_GET
def search_suggest(request):
    text = request.GET.get("q", "")[: search_text.MAX_QUERY_CHARS]
    suggestions = caught_up_backend().suggest(text, SUGGESTIONS) if text.strip() else []
    if not suggestions:
        # Nothing at all, not even whitespace, so that the list's container is :empty and stays out of sight.
        return HttpResponse("")
    for_search = QueryDict(mutable=True)
    for_search["q"] = text
    return render(
        request,
        "search/_partials/suggestions.html",
        {
            "suggestions": [(s, TYPE_BADGES.get(s.doc_type, s.doc_type.capitalize())) for s in suggestions],
            "q": text,
            "search_query": for_search.urlencode(),
        },
    )
