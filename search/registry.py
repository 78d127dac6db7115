"""The registries other apps add to (through search.extensions): document sources and product enrichers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from search.base import IndexDocument


class DocumentSource(Protocol):
    doc_type: str

    def count(self) -> int: ...

    def ids(self) -> Iterator[Any]: ...

    def build(self, ids: list[Any]) -> list[IndexDocument]: ...


@dataclass
class ProductExtras:
    """What an enricher may add to a product's document; every field is optional and neutral by default."""

    terms: list[str] = field(default_factory=list)  # glossary term names: ranked with tags and fields
    details: list[str] = field(default_factory=list)  # searched with descriptions
    rating_sum: float = 0.0
    rating_count: int = 0
    consumers: int = 0  # added to the products that consume it
    slo_health: str = ""  # healthy | at_risk | breached (unknown when no enricher says)
    health: float | None = None  # product health 0-100 (governance app); shown with the hit, None = unknown
    health_band: str = ""  # good | fair | poor (unknown when no enricher says), by the governance app's bands


ProductEnricher = Callable[[list[int]], dict[int, ProductExtras]]
_SOURCES: dict[str, DocumentSource] = {}
_PRODUCT_ENRICHERS: list[ProductEnricher] = []


def register_source(source: DocumentSource) -> None:
    _SOURCES[source.doc_type] = source


def register_product_enricher(enricher: ProductEnricher) -> None:
    if enricher not in _PRODUCT_ENRICHERS:
        _PRODUCT_ENRICHERS.append(enricher)


def sources() -> dict[str, DocumentSource]:
    """The registered document sources by type (the catalog's own are registered by search itself)."""
    return dict(_SOURCES)


def product_enrichers() -> list[ProductEnricher]:
    return list(_PRODUCT_ENRICHERS)
