"""The embedded engine: search in the database itself. SQLite (FTS5) and PostgreSQL (tsvector) differ only in
how a set of matching documents is written in SQL; `sqlite.py` and `postgres.py` supply that part.

How a results page is answered (the expensive part is ranking many matches, so it is avoided):
1. Filters are words in the full-text index (one opaque token per facet value), so a filtered match is
   decided inside the index, before any join.
2. The words are matched against short fields first (names, tags, ports, fields, domain, team). Only when
   those find fewer than SEARCH_LONG_FALLBACK documents are descriptions searched too.
3. Ranking is by tier (exact name, name prefix, every word in the name, short fields, descriptions; see
   ranking.py) and, within a tier, by the stored static rank. A tier is filled from the top: small tiers
   are sorted; large ones are read off the static-rank index until the page is full, testing each document
   for membership, so a word found in 90,000 documents costs about as much as one found in 90.
4. Facets are counted over the first SEARCH_FACET_SAMPLE (1,000) matches and scaled up when there are more; the
   answer says so (facets_approximate).
"""

# SQL in this module is assembled from fixed fragments; every value is passed as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection

from search import facets as facet_counts
from search import text as t
from search.base import FACETS, MAX_WINDOW, SearchHit, SearchQuery, SearchResults, Suggestion
from search.embedded_index import EmbeddedIndex
from search.hits import make_hit, safe_html
from search.models import SearchTerm
from search.ranking import TIER_EXACT, TIER_LONG, TIER_NAME, TIER_PREFIX, TIER_SHORT
from search.synonyms import Clause, expand

FACET_COLUMNS = {
    "type": "doc_type",
    "domain": "domain",
    "kind": "kind",
    "status": "status",
    "owner_team": "owner_team",
    "access_mode": "access_mode",
    "has_contract": "has_contract",
    "tag": "tags",
    "slo_health": "slo_health",
    "rating_band": "rating_band",
    "health_band": "health_band",
}
SORT_ORDERS = {
    "relevance": "d.static_rank DESC, d.id",
    "rating": "d.rating DESC, d.static_rank DESC, d.id",
    "consumers": "d.consumers DESC, d.static_rank DESC, d.id",
    "health": "d.health DESC, d.static_rank DESC, d.id",  # unknown is stored as -1: last
    "updated": "d.updated_at DESC, d.id",
}
# Facet counts over a sample of the matches, and the factor that scales them to all matches (see _sample).
Sample = tuple[dict[str, Counter], float]
SORT_LIMIT = 2000  # a tier with at most this many members is sorted; a larger one is walked in index order


def sample_from(rows: Iterable[tuple], names: list[str], total: int) -> Sample:
    """A sample from rows grouped by facet columns (in the order of `names`, then the count), scaled to `total`."""
    rows = list(rows)
    sampled = sum(row[-1] for row in rows)
    return facet_counts.count_grouped(rows, names), total / sampled if total > sampled > 0 else 1.0


@dataclass(frozen=True)
class Match:
    """A set of documents: SQL selecting their ids, and a condition testing the document aliased `d`."""

    sql: str
    params: tuple
    exists_sql: str
    exists_params: tuple
    parts: int = 1  # words and filters that must all match: testing one row costs more the more there are
    condition: str = ""  # PostgreSQL: the WHERE clause on `table` alone (bounded counts read it)
    table: str = ""


@dataclass(frozen=True)
class Tier:
    weight: float
    where: str
    params: tuple
    estimate: int


T = TypeVar("T")
_kept: dict[tuple[str, ...], tuple[float, Any]] = {}


def kept(key: tuple[str, ...], seconds: float, read: Callable[[], T]) -> T:
    """read(), remembered per database for `seconds`: for figures that only steer how a query is written."""
    full = (str(connection.settings_dict["NAME"]), *key)
    now = time.monotonic()
    hit = _kept.get(full)
    if hit and now - hit[0] < seconds:
        return hit[1]
    value = read()
    _kept[full] = (now, value)
    return value


class EmbeddedBackend(EmbeddedIndex):
    # ---- what a dialect provides ---------------------------------------------------------------------
    def match(
        self,
        scope: str,
        clauses: list[Clause],
        filters: dict[str, tuple[str, ...]],
        *,
        show_retired: bool,
        prefix_last: bool = False,
    ) -> Match:
        raise NotImplementedError

    def count_match(self, match: Match) -> int:
        raise NotImplementedError

    def similar_terms(self, word: str, limit: int) -> list[str]:
        raise NotImplementedError

    def first_by_rank(self, match: Match, limit: int) -> list[tuple[int, float]] | None:
        """(id, static rank) of the first `limit` members of `match` in static-rank order, when a short walk of
        the static-rank index finds them; None when it does not (the caller then counts and ranks the set)."""
        return None

    def more_than(self, match: Match, n: int) -> bool:
        """Whether `match` has more than n members: reads n + 1 of them at most."""
        return self._scalar(f"SELECT count(*) FROM ({match.sql} LIMIT %s) m", (*match.params, n + 1)) > n

    def count_and_sample(self, match: Match, size: int, names: Iterable[str]) -> tuple[int, Sample | None]:
        """count_match(), and where the dialect reads both from one pass over the matches, the facet sample
        (_sample) too; None when it does not (the caller samples when it needs to)."""
        return self.count_match(match), None

    def count_is_estimate(self, count: int) -> bool:
        """Whether a number count_match() gave is an estimate (PostgreSQL above its exact-count bound)."""
        return False

    def name_prefix(self, phrase: str, *, strict: bool) -> tuple[str, tuple]:
        """Condition: the normalised name of `d` starts with `phrase` (and, if strict, is not equal to it)."""
        upper = phrase + "\U0010ffff"  # above every character: a range scan on the name index
        return (
            "d.name_norm > %s AND d.name_norm < %s" if strict else "d.name_norm >= %s AND d.name_norm < %s",
            (phrase, upper),
        )

    def walk_hint(self, order: str) -> str:
        """Text placed after the table name when a tier is read in index order (SQLite: INDEXED BY)."""
        return ""

    def use_exists(self, match: Match, estimate: int, need: int, candidates: int | None = None) -> bool:
        """Test membership row by row (True) or build the set of members first (False). `candidates` is how
        many rows will be tested when known (a name range); otherwise rows are read until `need` are found."""
        return False

    # ---- searching -----------------------------------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResults:
        started = time.perf_counter()
        terms = t.parse_terms(query.text)
        clauses = expand(terms) if terms else []
        filters = {f: v for f, v in query.filters.items() if v and f in FACETS}
        retired = query.shows_retired()
        matched = self.match("short", clauses, filters, show_retired=retired)
        sample_size = int(getattr(settings, "SEARCH_FACET_SAMPLE", 1000))
        if query.with_facets:
            total, sample = self.count_and_sample(matched, sample_size, FACETS)
        else:
            total, sample = self.count_match(matched), None
        short_total = total
        short, long_ = matched, None
        if clauses and total < getattr(settings, "SEARCH_LONG_FALLBACK", 50):
            long_ = self.match("full", clauses, filters, show_retired=retired)
            total, sample = self.count_match(long_), None
            matched = long_
        did_you_mean = None
        if terms and query.allow_correction and total < getattr(settings, "SEARCH_FUZZY_MIN_HITS", 3):
            did_you_mean = self._correction(terms, filters, retired, total)
            if did_you_mean and total == 0:
                corrected = self.search(replace(query, text=did_you_mean, allow_correction=False))
                corrected.query, corrected.corrected_from, corrected.did_you_mean = query, query.text, did_you_mean
                return corrected
        need = min(query.offset + query.page_size, MAX_WINDOW)
        if query.offset >= need or query.offset >= total:
            ranked: list[tuple[int, float]] = []
        elif query.sort == "relevance" and clauses:
            counts = (short_total, total)
            ranked = self._ranked(terms, clauses, filters, retired, short, long_, counts, need)[query.offset :]
        else:
            tier = Tier(TIER_SHORT, *self._member(matched, total, need), total)
            ranked = self._tier(tier, need, query.sort if query.sort in SORT_ORDERS else "relevance")
            ranked = ranked[query.offset :]
        words = {w for c in clauses for w in c.all_words}
        results = SearchResults(query=query, hits=self._hits(ranked, words), total=total, did_you_mean=did_you_mean)
        results.total_approximate = self.count_is_estimate(total)
        if query.with_facets:
            self._facets(results, clauses, filters, retired, matched, total, long_ is not None, sample)
        results.took_ms = (time.perf_counter() - started) * 1000
        return results

    # Written before `d.id IN (...)` when another condition should pick the rows and the set only test them
    # (SQLite: a unary + keeps the planner from reading the set first and looking each member up).
    test_only = ""

    def _member(self, match: Match, estimate: int, need: int, candidates: int | None = None) -> tuple[str, tuple]:
        if self.use_exists(match, estimate, need, candidates):
            return match.exists_sql, match.exists_params
        prefix = self.test_only if candidates is not None else ""
        return f"{prefix}d.id IN ({match.sql})", match.params

    def _ranked(
        self,
        terms: list[str],
        clauses: list[Clause],
        filters: dict,
        retired: bool,
        short: Match,
        long_: Match | None,
        counts: tuple[int, int],
        need: int,
    ) -> list[tuple[int, float]]:
        """The first `need` results by tier, then static rank: each tier is read only if the ones above it
        did not fill the page."""
        phrase = t.name_norm(" ".join(terms))
        names = self.match("name", clauses, filters, show_retired=retired)
        in_set = long_ or short
        short_count, n_set = counts
        strict_sql, strict_params = self.name_prefix(phrase, strict=True)
        loose_sql, loose_params = self.name_prefix(phrase, strict=False)
        counts_row = self._rows(
            f"SELECT count(*), sum(CASE WHEN d.name_norm = %s THEN 1 ELSE 0 END) FROM search_document d "
            f"WHERE {loose_sql}",
            (phrase, *loose_params),
        )[0]
        exact_count, prefix_count = int(counts_row[1] or 0), int(counts_row[0] or 0) - int(counts_row[1] or 0)
        n_names = self.count_match(names)
        tiers = []
        if exact_count:
            member = self._member(in_set, n_set, need, candidates=exact_count)
            tiers.append(Tier(TIER_EXACT, f"d.name_norm = %s AND {member[0]}", (phrase, *member[1]), exact_count))
        if prefix_count:
            member = self._member(in_set, n_set, need, candidates=prefix_count)
            tiers.append(Tier(TIER_PREFIX, f"{strict_sql} AND {member[0]}", (*strict_params, *member[1]), prefix_count))
        if n_names:
            member = self._member(names, n_names, need)
            tiers.append(Tier(TIER_NAME, f"{member[0]} AND NOT ({loose_sql})", (*member[1], *loose_params), n_names))
        if short_count > n_names:
            member, outside = self._member(short, short_count, need), self._member(names, n_names, need)
            tiers.append(Tier(TIER_SHORT, f"{member[0]} AND NOT {outside[0]}", (*member[1], *outside[1]), short_count))
        if long_ is not None:
            member, outside = self._member(long_, n_set, need), self._member(short, short_count, need)
            tiers.append(Tier(TIER_LONG, f"{member[0]} AND NOT {outside[0]}", (*member[1], *outside[1]), n_set))
        out: list[tuple[int, float]] = []
        for tier in tiers:
            if len(out) >= need:
                break
            seen = {doc_id for doc_id, _ in out}
            for doc_id, score in self._tier(tier, need - len(out), "relevance"):
                if doc_id not in seen:
                    out.append((doc_id, score))
        return out

    def _tier(self, tier: Tier, limit: int, sort: str) -> list[tuple[int, float]]:
        walk = tier.estimate > SORT_LIMIT
        order = SORT_ORDERS[sort]
        if not walk and sort == "relevance":
            order = "d.static_rank DESC, length(d.name_norm), d.id"
        hint = self.walk_hint(sort) if walk else ""
        sql = f"SELECT d.id, d.static_rank FROM search_document d {hint} WHERE {tier.where} ORDER BY {order} LIMIT %s"
        rows = self._rows(sql, (*tier.params, limit))
        return [(doc_id, tier.weight * rank) for doc_id, rank in rows]

    def _hits(self, ranked: list[tuple[int, float]], words: set[str]) -> list[SearchHit]:
        if not ranked:
            return []
        marks = ", ".join(["%s"] * len(ranked))
        rows = self._rows(
            "SELECT d.id, d.doc_type, d.object_id, d.rating, d.consumers, d.updated_at, d.slo_health, t.name, "
            "t.url, t.summary, t.long_text, t.display FROM search_document d JOIN search_text t "
            f"ON t.document_id = d.id WHERE d.id IN ({marks})",
            tuple(doc_id for doc_id, _ in ranked),
        )
        by_id = {row[0]: row for row in rows}
        marker = t.Highlighter(words)
        hits = []
        for doc_id, score in ranked:
            row = by_id.get(doc_id)
            if row is None:
                continue
            _, doc_type, object_id, rating, consumers, updated, slo, name, url, summary, long_text, display = row
            data = json.loads(display) if isinstance(display, str) else dict(display or {})
            data.update(
                rating=rating,
                consumers=consumers,
                slo_health=slo,
                updated_at=updated.isoformat() if hasattr(updated, "isoformat") else updated,
            )
            hits.append(make_hit(doc_type, object_id, name, url, summary, long_text, data, marker, score))
        return hits

    # ---- facets --------------------------------------------------------------------------------------
    def _facets(
        self,
        results: SearchResults,
        clauses: list[Clause],
        filters: dict,
        retired: bool,
        matched: Match,
        total: int,
        long_: bool,
        sampled: Sample | None = None,
    ) -> None:
        size = int(getattr(settings, "SEARCH_FACET_SAMPLE", 1000))
        counters, scale = sampled or self._sample(matched, total, size, FACETS)
        scales = dict.fromkeys(FACETS, scale)
        for facet in filters:
            # A facet's own selection does not narrow its own counts, so that more values can be added.
            others = {f: v for f, v in filters.items() if f != facet}
            match = self.match("full" if long_ else "short", clauses, others, show_retired=retired)
            count, own_sample = self.count_and_sample(match, size, (facet,))
            own, scales[facet] = own_sample or self._sample(match, count, size, (facet,))
            counters[facet] = own[facet]
        results.facets = facet_counts.build(counters, filters, scales)
        results.facets_approximate = any(value > 1.0 for value in scales.values())

    def _sample(self, match: Match, total: int, size: int, names: Iterable[str]) -> Sample:
        """Facet counts over the first `size` matches, and the factor that scales them to all matches.

        The database groups the sample by its combination of facet values, so Python sees a few hundred
        distinct rows with counts instead of every sampled row."""
        names = list(names)
        columns = ", ".join(f"d.{FACET_COLUMNS[n]}" for n in names)
        rows = self._rows(
            f"SELECT {columns}, count(*) FROM ({match.sql} LIMIT %s) m JOIN search_document d ON d.id = m.id "
            f"GROUP BY {columns}",
            (*match.params, size),
        )
        return sample_from(rows, names, total)

    # ---- typos ---------------------------------------------------------------------------------------
    def _correction(self, terms: list[str], filters: dict, retired: bool, total: int) -> str | None:
        """The query with each word the index does not know replaced by the closest one it does, if that
        finds more; None otherwise."""
        known = set(SearchTerm.objects.filter(term__in=terms).values_list("term", flat=True))
        corrected = []
        for word in terms:
            if word in known or len(word) < 3 or word.isdigit():
                corrected.append(word)
                continue
            corrected.append(self._closest(word, filters, retired) or word)
        if corrected == terms:
            return None
        clauses = expand(corrected)
        return (
            " ".join(corrected)
            if self.more_than(self.match("full", clauses, filters, show_retired=retired), total)
            else None
        )

    def _closest(self, word: str, filters: dict, retired: bool) -> str | None:
        limit = 1 if len(word) <= 5 else 2
        scored = sorted((t.edit_distance(word, c, limit), c) for c in self.similar_terms(word, 40) if c != word)
        best = [c for d, c in scored if d <= limit and d == scored[0][0]] if scored else []
        if len(best) <= 1:
            return best[0] if best else None
        # Equally close: the word more documents use is the likelier meaning.
        counts = {
            c: self.count_match(self.match("short", [Clause((c,), ((c,),))], filters, show_retired=retired))
            for c in best[:5]
        }
        return max(best[:5], key=lambda c: (counts[c], -abs(len(c) - len(word))))

    # ---- suggestions ---------------------------------------------------------------------------------
    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        terms = t.parse_terms(prefix)
        if not terms:
            return []
        limit = max(1, min(limit, 20))
        phrase = t.name_norm(" ".join(terms)).rstrip()  # " daily ord": the last word may be unfinished
        loose_sql, loose_params = self.name_prefix(phrase, strict=False)
        where = f"{loose_sql} AND d.status <> %s"
        # How many names start so, capped: the count only chooses between sorting them and walking the index.
        starts = self._scalar(
            f"SELECT count(*) FROM (SELECT 1 FROM search_document d WHERE {loose_sql} LIMIT {SORT_LIMIT + 1}) m",
            loose_params,
        )
        tiers = [Tier(TIER_PREFIX, where, (*loose_params, "retired"), starts)] if starts else []
        early: list[tuple[int, float]] | None = None
        if len(terms[-1]) >= 2:
            clauses = [Clause((w,), ((w,),)) for w in terms]
            names = self.match("name", clauses, {}, show_retired=False, prefix_last=True)
            early = self.first_by_rank(names, limit)
            if early is None:
                n_names = self.count_match(names)
                member = self._member(names, n_names, limit)
                tiers.append(Tier(TIER_NAME, member[0], member[1], n_names))
        ranked: list[tuple[int, float]] = []
        for tier in tiers:
            seen = {doc_id for doc_id, _ in ranked}
            ranked += [r for r in self._tier(tier, limit, "relevance") if r[0] not in seen][: limit - len(ranked)]
            if len(ranked) >= limit:
                break
        if early is not None and len(ranked) < limit:
            seen = {doc_id for doc_id, _ in ranked}
            ranked += [(i, TIER_NAME * rank) for i, rank in early if i not in seen][: limit - len(ranked)]
        if not ranked:
            return []
        marks = ", ".join(["%s"] * len(ranked))
        rows = {
            r[0]: r
            for r in self._rows(
                f"SELECT d.id, d.doc_type, t.name, t.url FROM search_document d JOIN search_text t "
                f"ON t.document_id = d.id WHERE d.id IN ({marks})",
                tuple(i for i, _ in ranked),
            )
        }
        return [
            Suggestion(
                text=rows[i][2],
                text_html=safe_html(t.highlight(rows[i][2], terms, prefixes=True)),
                doc_type=rows[i][1],
                url=rows[i][3],
            )
            for i, _ in ranked
            if i in rows
        ]

    # ---- SQL helpers ---------------------------------------------------------------------------------
    def _rows(self, sql: str, params: tuple) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _id_span(self) -> int:
        """max(id) - min(id) of search_document, read at most once a second: it only steers use_exists(), and a
        search asks for it once per walked tier. (Separate min() and max() subqueries each read one end of the
        primary key; max(id) - min(id) in one select would scan the table.)"""
        sql = "SELECT (SELECT max(id) FROM search_document) - (SELECT min(id) FROM search_document)"
        return kept(("span",), 1.0, lambda: self._scalar(sql, ()))

    def _scalar(self, sql: str, params: tuple) -> int:
        rows = self._rows(sql, params)
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0
