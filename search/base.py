"""The search interface every backend implements, and the values that cross it.

Views, pages and services talk to `SearchBackend` only (through `search.get_backend()`); no engine
query is built anywhere else. A query comes in as a `SearchQuery` of plain values and goes out as
`SearchResults`; what is indexed comes in as `IndexDocument`s built by `documents.py`.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Facets a query can be filtered by, in the order a results page shows them. Each document carries a list of
# values per facet (most have one; tags and access modes may have several).
FACETS: tuple[str, ...] = (
    "type",
    "domain",
    "kind",
    "status",
    "owner_team",
    "access_mode",
    "has_contract",
    "tag",
    "slo_health",
    "rating_band",
    "health_band",
)
# Facets whose values form a closed set: an unknown value is a client error, not an empty result.
CLOSED_FACETS: dict[str, tuple[str, ...]] = {
    "type": ("product", "domain", "team", "glossary_term"),
    "kind": ("source-aligned", "aggregate", "consumer-aligned"),
    "status": ("draft", "published", "deprecated", "retired"),
    "access_mode": ("open", "on_request"),
    "has_contract": ("yes", "no"),
    "slo_health": ("healthy", "at_risk", "breached", "unknown"),
    "rating_band": ("4_plus", "3_to_4", "below_3", "unrated"),
    # the governance app's product health bands (docs/governance.md); "unknown" = not enough data
    "health_band": ("good", "fair", "poor", "unknown"),
}
SORTS: tuple[str, ...] = ("relevance", "rating", "consumers", "health", "updated")
RETIRED = "retired"
MAX_WINDOW = 10_000  # the deepest result reachable by paging, as in Elasticsearch's max_result_window


@dataclass(frozen=True)
class IndexDocument:
    """One thing to find, in the shape every backend indexes: products, domains, teams (glossary terms and
    lineage datasets later), told apart by `doc_type`."""

    doc_type: str
    object_id: str
    name: str
    url: str
    summary: str = ""
    # Ranked below the name and above descriptions: tags, port and field names, domain and team names,
    # glossary terms. Kept apart so the Elasticsearch mapping can weigh each on its own.
    tags: tuple[str, ...] = ()
    ports: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    context: tuple[str, ...] = ()  # domain, team, glossary term names
    # Searched only when the short fields give too few hits.
    description: str = ""
    details: tuple[str, ...] = ()  # field descriptions, people, anything else worth finding
    facets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Quality signals; the defaults are neutral, so a product without ratings or SLOs is neither helped nor hurt.
    rating: float = 0.0  # Bayesian average, 0 when unrated
    rating_count: int = 0
    consumers: int = 0
    slo_health: str = "unknown"
    health: float | None = None  # product health 0-100 (governance app), for the health sort; None = unknown
    status: str = ""
    updated_at: datetime | None = None
    display: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.doc_type}:{self.object_id}"

    @property
    def short_text(self) -> str:
        return " ".join([self.name, *self.tags, *self.ports, *self.fields, *self.context])

    @property
    def long_text(self) -> str:
        return "\n".join([self.summary, self.description, *self.details])


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20
    with_facets: bool = True
    # Internal: set on the second run of a query that found nothing, so that it is not corrected twice.
    allow_correction: bool = True

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def shows_retired(self) -> bool:
        return RETIRED in self.filters.get("status", ())


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchHit:
    key: str
    doc_type: str
    object_id: str
    title: str
    url: str
    summary: str
    # HTML: the text escaped, then the words that matched wrapped in <mark>; safe to insert as is.
    title_html: str
    summary_html: str
    snippet_html: str = ""  # where a description matched, when the name and summary did not
    matched: list[str] = field(default_factory=list)  # "field customer_id", HTML as above
    score: float = 0.0
    data: dict[str, Any] = field(default_factory=dict)  # domain, team, tags, kind, status, signals...


@dataclass
class SearchResults:
    query: SearchQuery
    hits: list[SearchHit]
    total: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    # Facet counts are taken over the first `facet_sample` matches and scaled up when there are more.
    facets_approximate: bool = False
    # Set when `total` is an estimate: PostgreSQL counts matches exactly up to SEARCH_EXACT_COUNT and estimates
    # above (see postgres.py).
    total_approximate: bool = False
    did_you_mean: str | None = None
    # Set when the query as typed found nothing and these results are for the corrected query instead.
    corrected_from: str | None = None
    took_ms: float = 0.0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.page_size))


@dataclass(frozen=True)
class Suggestion:
    text: str
    text_html: str
    doc_type: str
    url: str


ProgressCallback = Callable[[int, int], None]  # (done, total)


class SearchBackend(abc.ABC):
    name: str = "abstract"

    @abc.abstractmethod
    def index(self, docs: Iterable[IndexDocument]) -> int:
        """Add or replace documents (by key); returns how many were written."""

    @abc.abstractmethod
    def delete(self, keys: Iterable[str]) -> int:
        """Remove documents by key ("product:42"); unknown keys are ignored."""

    @abc.abstractmethod
    def search(self, query: SearchQuery) -> SearchResults: ...

    @abc.abstractmethod
    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]: ...

    @abc.abstractmethod
    def reindex(self, progress_callback: ProgressCallback | None = None) -> int:
        """Index everything from the database again and drop what no longer exists; safe to re-run."""

    @abc.abstractmethod
    def clear(self) -> None: ...

    def count(self) -> int:
        """Documents in the index (for the reindex command and health checks)."""
        raise NotImplementedError
