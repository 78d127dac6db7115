"""PostgreSQL for the embedded engine: tsvector + GIN for matching, pg_trgm for "did you mean".

search_text carries three generated tsvector columns (name_tsv, short_tsv, full_tsv; see the search app's
migration 0001), each with a GIN index and the document's filter tokens. A query is a tsquery assembled in SQL
from plainto_tsquery() calls, one per word, with the words as parameters: nothing typed by a user is parsed
as tsquery syntax. Tiers and the rest are shared with SQLite (embedded.py); the planner chooses between
sorting matches and reading the static-rank index.
"""

# SQL in this module is assembled from fixed fragments; every value is passed as a parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from search import facets as facet_counts
from search.embedded import FACET_COLUMNS, SORT_LIMIT, EmbeddedBackend, Match
from search.embedded_index import ALL_TOKEN, filter_token
from search.synonyms import Clause

COLUMNS = {"name": "name_tsv", "short": "short_tsv", "full": "full_tsv"}
CONFIG = "english"
# Matches counted exactly; above, count_match() estimates. At least SORT_LIMIT, so every choice the ranking
# makes from a count (sort a tier or walk it, search descriptions too, try a correction) sees an exact number;
# a smaller setting (the tests use one) only makes it sort tiers it could have walked.
EXACT_COUNT = 2000
# Relative costs measured at 20k-100k documents: testing one walked row against a match (a primary-key lookup
# in search_text and the @@ test) versus putting one match in the set (a heap visit in a bitmap scan).
PROBE_COST = 8.0
BUILD_COST = 1.0


def exact_count() -> int:
    return max(1, int(getattr(settings, "SEARCH_EXACT_COUNT", EXACT_COUNT)))


def tsquery(
    clauses: list[Clause], filters: dict[str, tuple[str, ...]], *, show_retired: bool, prefix_last: bool = False
) -> tuple[str, tuple]:
    parts: list[str] = []
    params: list[str] = []
    for index, clause in enumerate(clauses):
        alternatives = []
        for alternative in clause.alternatives:
            words = []
            for position, word in enumerate(alternative):
                last = prefix_last and index == len(clauses) - 1 and position == len(alternative) - 1
                if last and alternative is clause.alternatives[0]:
                    # A word of letters and digits followed by :* is a valid tsquery prefix term. Stemmed
                    # ('dail' finds 'daili', the stem of 'daily') or as typed: an unfinished word that is an
                    # English stop word ('or' of 'orders') would otherwise vanish and match everything.
                    words.append(f"(to_tsquery('{CONFIG}', %s) || to_tsquery('simple', %s))")
                    params += [f"{word}:*", f"{word}:*"]
                else:
                    words.append(f"plainto_tsquery('{CONFIG}', %s)")
                    params.append(word)
            alternatives.append(words[0] if len(words) == 1 else "(" + " && ".join(words) + ")")
        parts.append(alternatives[0] if len(alternatives) == 1 else "(" + " || ".join(alternatives) + ")")
    for facet, values in sorted(filters.items()):
        parts.append("(" + " || ".join(["plainto_tsquery('simple', %s)"] * len(values)) + ")")
        params += [filter_token(facet, v) for v in values]
    if not parts:
        parts.append("plainto_tsquery('simple', %s)")
        params.append(ALL_TOKEN)
    sql = " && ".join(parts)
    if not show_retired:
        sql = f"({sql}) && !! plainto_tsquery('simple', %s)"
        params.append(filter_token("status", "retired"))
    return sql, tuple(params)


class PostgresBackend(EmbeddedBackend):
    name = "postgresql"

    def match(
        self,
        scope: str,
        clauses: list[Clause],
        filters: dict[str, tuple[str, ...]],
        *,
        show_retired: bool,
        prefix_last: bool = False,
    ) -> Match:
        column = COLUMNS[scope]
        query, params = tsquery(clauses, filters, show_retired=show_retired, prefix_last=prefix_last)
        return Match(
            sql=f"SELECT document_id AS id FROM search_text WHERE {column} @@ ({query})",
            params=params,
            # A scalar subquery, not EXISTS: the planner turns EXISTS into a join that reads every match first,
            # which is what testing row by row is meant to avoid (see use_exists).
            exists_sql=(
                f"coalesce((SELECT t.{column} FROM search_text t WHERE t.document_id = d.id) @@ ({query}), false)"
            ),
            exists_params=params,
            condition=f"{column} @@ ({query})",
        )

    def count_match(self, match: Match) -> int:
        """Exact up to SEARCH_EXACT_COUNT matches, estimated above.

        Counting every match of a common word means visiting every matching row of search_text (GIN answers
        "which rows", not "how many"): 35,000 heap rows for "customer" at 100k products. So the count stops
        at the bound; the rows arrive in the table's physical order (a bitmap heap scan), and the estimate
        scales the bound by the share of the table read to find it: bound x table pages / pages read."""
        cap = exact_count()
        rows = self._rows(
            "SELECT count(*), max(m.page), pg_relation_size('search_text') / current_setting('block_size')::int "
            f"FROM (SELECT (ctid::text::point)[0] AS page FROM search_text WHERE {match.condition} LIMIT %s) m",
            (*match.params, cap + 1),
        )
        found, last_page, pages = rows[0]
        if found <= cap:
            return int(found)
        return max(cap + 1, round(found * max(int(pages), 1) / (int(last_page) + 1)))

    def count_is_estimate(self, count: int) -> bool:
        return count > exact_count()

    def use_exists(self, match: Match, estimate: int, need: int, candidates: int | None = None) -> bool:
        """Test each walked row (one primary-key lookup in search_text) rather than build the set of matches
        (a heap visit per match) when that reads fewer rows: a word in most documents fills a page after a
        few dozen rows of the static-rank index."""
        if candidates is not None:
            return candidates * PROBE_COST < estimate * BUILD_COST
        if estimate <= SORT_LIMIT:
            return False
        span = self._scalar("SELECT (SELECT max(id) FROM search_document) - (SELECT min(id) FROM search_document)", ())
        probes = need * (span + 1) / max(estimate, 1)
        return probes * PROBE_COST < estimate * BUILD_COST

    def _sample(self, match: Match, total: int, size: int, names: Iterable[str]) -> tuple[dict, float]:
        """As for SQLite, but the sampled ids are looked up by primary key: joined, the planner hashes the
        sample and reads all of search_document to meet it."""
        names = list(names)
        columns = ", ".join(f"d.{FACET_COLUMNS[n]}" for n in names)
        rows = self._rows(
            f"SELECT {columns}, count(*) FROM search_document d WHERE d.id = ANY(ARRAY({match.sql} LIMIT %s)) "
            f"GROUP BY {columns}",
            (*match.params, size),
        )
        sampled = sum(row[-1] for row in rows)
        scale = total / sampled if total > sampled > 0 else 1.0
        return facet_counts.count_grouped(rows, names), scale

    def name_prefix(self, phrase: str, *, strict: bool) -> tuple[str, tuple]:
        # name_norm holds letters, digits and spaces only, so the pattern needs no escaping; the
        # text_pattern_ops index serves it whatever the database's collation.
        if strict:
            return "d.name_norm LIKE %s AND d.name_norm <> %s", (phrase + "%", phrase)
        return "d.name_norm LIKE %s", (phrase + "%",)

    def similar_terms(self, word: str, limit: int) -> list[str]:
        rows = self._rows(
            "SELECT term FROM search_term WHERE term %% %s ORDER BY similarity(term, %s) DESC, term LIMIT %s",
            (word, word, limit),
        )
        return [row[0] for row in rows if abs(len(row[0]) - len(word)) <= 2]
