"""Which engine answers: Elasticsearch when configured, else the database's own full-text engine."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.db import connection

from search.base import SearchBackend
from search.elastic import ElasticBackend
from search.postgres import PostgresBackend
from search.sqlite import SqliteBackend


def backend_name() -> str:
    """'elasticsearch' when configured, else the embedded engine of the database: 'sqlite' or 'postgresql'."""
    configured = getattr(settings, "SEARCH_BACKEND", "embedded")
    if configured == "elasticsearch":
        return "elasticsearch"
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


@lru_cache(maxsize=4)
def _backend(name: str, url: str) -> SearchBackend:
    if name == "elasticsearch":
        return ElasticBackend(url)
    if name == "postgresql":
        return PostgresBackend()
    return SqliteBackend()


def get_backend() -> SearchBackend:
    """The configured backend. Its reads answer from the index as it is, and change nothing: a caller that must
    see every committed write calls `search.outbox.catch_up()` first, as the search page and API do when a
    request starts."""
    return _backend(backend_name(), getattr(settings, "ELASTICSEARCH_URL", ""))
