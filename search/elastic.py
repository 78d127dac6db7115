"""The Elasticsearch backend: documents in an index behind an alias, queries from elastic_query.py.

Searches and writes go to the alias. `reindex` builds a new index (`<alias>-<timestamp>`), fills it, then moves
the alias in one atomic update_aliases call and deletes the old index: searches never see a partial index.
Products changed while it ran are indexed again after the swap.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from elasticsearch import Elasticsearch, NotFoundError, helpers

from catalog.models import DataProduct
from search import elastic_query as eq
from search import facets as facet_labels
from search import text as t
from search.base import FACETS, IndexDocument, ProgressCallback, SearchBackend, SearchQuery, SearchResults, Suggestion
from search.documents import build, iter_batches, total_count
from search.hits import engine_fragment, make_hit, safe_html
from search.ranking import Weights
from search.synonyms import expand


class ElasticBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, url: str, *, alias: str | None = None, refresh: bool = False, client: Any = None):
        self.alias: str = alias or str(getattr(settings, "SEARCH_ES_INDEX", "meshportal-search"))
        # refresh=True makes every write visible at once: for tests; production relies on the refresh interval.
        self.refresh = refresh
        self.client = client or Elasticsearch(
            url, request_timeout=getattr(settings, "SEARCH_ES_TIMEOUT_SECONDS", 5), retry_on_timeout=True
        )

    # ---- index management ----------------------------------------------------------------------------
    def _new_index(self) -> str:
        name = f"{self.alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
        eq.index_definition(name).create(using=self.client)
        return name

    def _indices(self) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=self.alias).keys())
        except NotFoundError:
            return []

    def _ensure_index(self) -> None:
        if not self._indices():
            name = self._new_index()
            self.client.indices.update_aliases(actions=[{"add": {"index": name, "alias": self.alias}}])

    # ---- writing -------------------------------------------------------------------------------------
    def _actions(self, docs: Iterable[IndexDocument], index: str) -> Iterable[dict]:
        weights = Weights.from_settings()
        for doc in docs:
            yield {"_op_type": "index", "_index": index, "_id": doc.key, "_source": eq.source(doc, weights)}

    def index(self, docs: Iterable[IndexDocument]) -> int:
        docs = list(docs)
        if not docs:
            return 0
        self._ensure_index()
        written, _ = helpers.bulk(self.client, self._actions(docs, self.alias), refresh=self.refresh)
        return written

    def delete(self, keys: Iterable[str]) -> int:
        keys = list(keys)
        if not keys or not self._indices():
            return 0
        actions = ({"_op_type": "delete", "_index": self.alias, "_id": key} for key in keys)
        deleted, _ = helpers.bulk(self.client, actions, raise_on_error=False, refresh=self.refresh)
        return deleted

    def clear(self) -> None:
        for name in self._indices():
            self.client.indices.delete(index=name)

    def count(self) -> int:
        return int(self.client.count(index=self.alias)["count"]) if self._indices() else 0

    def reindex(self, progress_callback: ProgressCallback | None = None, **_: Any) -> int:
        started = datetime.now(UTC)
        old = self._indices()
        new = self._new_index()
        total, done = total_count(), 0
        try:
            for _doc_type, ids, docs in iter_batches():
                helpers.bulk(self.client, self._actions(docs, new))
                done += len(ids)
                if progress_callback:
                    progress_callback(done, total)
            self.client.indices.refresh(index=new)
        except Exception:
            self.client.indices.delete(index=new)
            raise
        actions: list[dict] = [{"remove": {"index": name, "alias": self.alias}} for name in old]
        actions.append({"add": {"index": new, "alias": self.alias}})
        self.client.indices.update_aliases(actions=actions)
        for name in old:
            self.client.indices.delete(index=name)
        self._catch_up(started)
        return done

    def _catch_up(self, since: datetime) -> None:
        """Writes that went to the old index while the new one was built: index those products again."""
        ids = list(DataProduct.objects.filter(updated_at__gte=since).values_list("pk", flat=True))
        if ids:
            docs, gone = build("product", ids)
            self.index(docs)
            self.delete(gone)

    # ---- searching -----------------------------------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResults:
        started = time.perf_counter()
        terms = t.parse_terms(query.text)
        clauses = expand(terms) if terms else []
        weights = Weights.from_settings()
        if not self._indices():
            return SearchResults(query=query, hits=[], total=0)
        response = self._run(eq.search_body(query, terms, clauses, weights))
        total = int(response["hits"]["total"]["value"])
        did_you_mean = None
        if terms and query.allow_correction and total < getattr(settings, "SEARCH_FUZZY_MIN_HITS", 3):
            did_you_mean = self._did_you_mean(terms, response)
            if total == 0 and did_you_mean:
                corrected = self.search(replace(query, text=did_you_mean, allow_correction=False))
                corrected.query, corrected.corrected_from, corrected.did_you_mean = query, query.text, did_you_mean
                return corrected
            if total == 0:
                # No better spelling known: let each word match within an edit distance instead.
                response = self._run(eq.search_body(query, terms, clauses, weights, fuzzy=True))
                total = int(response["hits"]["total"]["value"])
        words = {w for c in clauses for w in c.all_words}
        results = SearchResults(query=query, hits=self._hits(response, words), total=total, did_you_mean=did_you_mean)
        if query.with_facets:
            results.facets = self._facets(response, query)
        results.took_ms = (time.perf_counter() - started) * 1000
        return results

    def _run(self, search: Any) -> dict:
        return self.client.search(index=self.alias, body=search.to_dict()).body

    def _did_you_mean(self, terms: list[str], response: dict) -> str | None:
        corrected = list(terms)
        for entry in response.get("suggest", {}).get("did_you_mean", []):
            options = entry.get("options") or []
            if options and entry.get("text") in corrected:
                corrected[corrected.index(entry["text"])] = options[0]["text"]
        return " ".join(corrected) if corrected != terms else None

    def _hits(self, response: dict, words: set[str]) -> list:
        marker = t.Highlighter(words)
        hits = []
        for raw in response["hits"]["hits"]:
            src = raw["_source"]
            data = dict(src.get("display") or {})
            data.update(
                rating=src.get("rating", 0.0),
                consumers=src.get("consumers", 0),
                slo_health=(src.get("slo_health") or ["unknown"])[0],
                updated_at=src.get("updated_at"),
            )
            long_text = "\n".join([src.get("description") or "", *(src.get("details") or [])])
            hit = make_hit(
                src["doc_type"],
                src["object_id"],
                src["name"],
                src["url"],
                src.get("summary", ""),
                long_text,
                data,
                marker,
                float(raw.get("_score") or 0.0),
            )
            fragments = [f for field in ("description", "details") for f in raw.get("highlight", {}).get(field, [])]
            if hit.snippet_html and fragments:
                hit.snippet_html = engine_fragment(fragments[0])
            hits.append(hit)
        return hits

    def _facets(self, response: dict, query: SearchQuery) -> dict:
        counters = {
            facet: Counter(
                {
                    b["key"]: b["doc_count"]
                    for b in response.get("aggregations", {}).get(facet, {}).get("values", {}).get("buckets", [])
                }
            )
            for facet in FACETS
        }
        return facet_labels.build(counters, {f: v for f, v in query.filters.items() if v})

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        terms = t.parse_terms(prefix)
        if not terms or not self._indices():
            return []
        response = self._run(eq.suggest_body(terms, max(1, min(limit, 20))))
        marker = t.Highlighter(terms, prefixes=True)
        return [
            Suggestion(
                text=h["_source"]["name"],
                text_html=safe_html(marker.highlight(h["_source"]["name"])),
                doc_type=h["_source"]["doc_type"],
                url=h["_source"]["url"],
            )
            for h in response["hits"]["hits"]
        ]
