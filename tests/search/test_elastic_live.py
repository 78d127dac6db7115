"""Against a real Elasticsearch: runs only when ELASTICSEARCH_URL is set (the contract suite then covers the
behaviours; this checks what only a server can: the index is accepted and the alias moves)."""

from __future__ import annotations

import os

import pytest

from search.elastic import ElasticBackend
from tests.search.conftest import make_backend

pytestmark = [
    pytest.mark.elasticsearch,
    pytest.mark.django_db,
    pytest.mark.skipif(not os.environ.get("ELASTICSEARCH_URL"), reason="needs ELASTICSEARCH_URL"),
]


def test_reindex_twice_leaves_one_index_behind_the_alias(mesh):
    backend = make_backend("elasticsearch")
    assert isinstance(backend, ElasticBackend)
    try:
        backend.clear()
        backend.reindex()
        first = backend._indices()
        backend.reindex()
        second = backend._indices()
        assert len(first) == len(second) == 1 and first != second
        assert backend.count() >= len(mesh.products) - 1
    finally:
        backend.clear()
