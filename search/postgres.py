"""PostgreSQL for the embedded engine: tsvector + GIN for matching, pg_trgm for "did you mean".

The narrow search_words table holds the name and short-field tsvectors (written here, in write_fulltext), and
search_text the generated full_tsv (descriptions too; migrations 0001 and 0005); each has a GIN index and the
document's filter tokens. A query is a tsquery assembled in SQL
from plainto_tsquery() calls, one per word, with the words as parameters: nothing typed by a user is parsed
as tsquery syntax. Tiers and the rest are shared with SQLite (embedded.py); the planner chooses between
sorting matches and reading the static-rank index.
"""

# SQL in this module is assembled from fixed fragments; every value is passed as a parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import connection

from search.base import IndexDocument
from search.embedded import FACET_COLUMNS, SORT_LIMIT, EmbeddedBackend, Match, Sample, kept, sample_from
from search.embedded_index import ALL_TOKEN, filter_token
from search.synonyms import Clause

# (table, tsvector column) per scope: names and short fields in the narrow search_words (see models.py),
# descriptions in search_text's generated full_tsv.
COLUMNS = {
    "name": ("search_words", "name_tsv"),
    "short": ("search_words", "short_tsv"),
    "full": ("search_text", "full_tsv"),
}
CONFIG = "english"
# Matches counted exactly; above, count_match() estimates. At least SORT_LIMIT, so every choice the ranking
# makes from a count (sort a tier or walk it, search descriptions too, try a correction) sees an exact number;
# a smaller setting (the tests use one) only makes it sort tiers it could have walked.
EXACT_COUNT = 2000
# Relative costs measured at 20k documents: testing one walked row against a match (a primary-key lookup and
# the @@ test) versus putting one match in the set (a heap visit in a bitmap scan).
PROBE_COST = 8.0
FIRST_WALK = 300  # rows of the static-rank index tested before counting (first_by_rank)
BUILD_COST = 1.0


# search_document's facet columns, copied into search_words (see _sample)
WORDS_FACETS = ", ".join(dict.fromkeys(FACET_COLUMNS.values()))

# A filter on a value most documents have (status=published, a tag every generated product carries) is tested
# on search_words' facet columns, not as a GIN word: intersecting a posting list of 100,000 entries costs the
# index 8 ms ("hourly" + status=published at 100k: a bounded count takes 9.4 ms that way, 5.3 ms with the
# column), while a rare value (a domain holding 8%) is faster in the index, where it narrows the set before any
# row is read. The share of each word comes from the column's statistics (pg_stats.most_common_elems, kept by
# ANALYZE), read once per STATS_MAX_AGE seconds; a value not in them is rare. Either way the same rows match.
COLUMN_FILTER_SHARE = 0.6
STATS_MAX_AGE = 300.0
# How each facet's values are stored in its column (embedded_index._document_row): one value; values joined
# with commas; or '|a|b|'. Tags are cut at 2,000 characters, so a longer list is also tested in the index.
COLUMN_STYLES = {
    "type": "one",
    "status": "one",
    "kind": "comma",
    "owner_team": "comma",
    "has_contract": "comma",
    "slo_health": "comma",
    "rating_band": "comma",
    "health_band": "comma",
    "domain": "bars",
    "access_mode": "bars",
    "tag": "tags",
}
TAGS_STORED = 2000


def token_shares(column: str) -> dict[str, float]:
    """Share of search_words rows holding each of the column's most common words, from its statistics."""

    def read() -> dict[str, float]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE schemaname = current_schema() AND tablename = 'search_words' AND attname = %s",
                (column,),
            )
            row = cursor.fetchone()
        return dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}

    return kept(("shares", column), STATS_MAX_AGE, read)


def column_filters(column: str, filters: dict[str, tuple[str, ...]]) -> tuple[dict, list[tuple[str, tuple]]]:
    """(filters left to the index, [(predicate on search_words' columns with {w} for the table alias,
    params)]) for the filters whose every value is common enough (SEARCH_COLUMN_FILTER_SHARE; 0 sends every
    filter that can be to the columns)."""
    least = float(getattr(settings, "SEARCH_COLUMN_FILTER_SHARE", COLUMN_FILTER_SHARE))
    shares = token_shares(column) if least > 0 else {}
    left: dict[str, tuple[str, ...]] = {}
    predicates: list[tuple[str, tuple]] = []
    for facet, values in filters.items():
        style = COLUMN_STYLES.get(facet)
        common = least <= 0 or all(shares.get(filter_token(facet, v), 0.0) >= least for v in values)
        if style is None or not common or any("|" in v or "," in v for v in values):
            left[facet] = values
            continue
        name = FACET_COLUMNS[facet]
        if style == "one":
            predicates.append((f"{{w}}{name} = ANY(%s)", (list(values),)))
        elif style == "comma":
            predicates.append((f"string_to_array({{w}}{name}, ',') && %s::text[]", (list(values),)))
        else:
            tests = [f"position(%s in {{w}}{name}) > 0"] * len(values)
            params: tuple = tuple(f"|{v}|" for v in values)
            if style == "tags":
                tokens = " || ".join(["plainto_tsquery('simple', %s)"] * len(values))
                tests.append(f"(length({{w}}{name}) >= %s AND {{w}}{column} @@ ({tokens}))")
                params += (TAGS_STORED - 1, *(filter_token(facet, v) for v in values))
            predicates.append(("(" + " OR ".join(tests) + ")", params))
    return left, predicates


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
        table, column = COLUMNS[scope]
        predicates: list[tuple[str, tuple]] = []
        if table == "search_words" and filters:
            filters, predicates = column_filters(column, filters)
        query, params = tsquery(clauses, filters, show_retired=show_retired, prefix_last=prefix_last)
        on_row = "".join(f" AND {sql.format(w='')}" for sql, _ in predicates)
        on_alias = "".join(f" AND {sql.format(w='w.')}" for sql, _ in predicates)
        params = (*params, *(p for _, values in predicates for p in values))
        return Match(
            sql=f"SELECT document_id AS id FROM {table} WHERE {column} @@ ({query}){on_row}",
            params=params,
            # A scalar subquery, not EXISTS: the planner turns EXISTS into a join that reads every match first,
            # which is what testing row by row is meant to avoid (see use_exists).
            exists_sql=(
                f"coalesce((SELECT w.{column} @@ ({query}){on_alias} FROM {table} w WHERE w.document_id = d.id), false)"
            ),
            exists_params=params,
            condition=f"{column} @@ ({query}){on_row}",
            table=table,
        )

    def count_match(self, match: Match) -> int:
        """Exact up to SEARCH_EXACT_COUNT matches, estimated above.

        Counting every match of a common word means visiting every matching row of the table (GIN answers
        "which rows", not "how many"): 35,000 heap rows for "customer" at 100k products. So the count stops
        at the bound; the rows arrive in the table's physical order (a bitmap heap scan), and the estimate
        scales the bound by the share of the table read to find it: bound x table pages / pages read."""
        return self._estimate(*self._first_matches(match, exact_count() + 1))

    def more_than(self, match: Match, n: int) -> bool:
        return self._first_matches(match, n + 1)[0] > n

    def _first_matches(self, match: Match, limit: int) -> tuple[int, int | None, int]:
        """(how many of the first `limit` matches there are, the last table page they were read from, the
        table's pages)."""
        found, last_page, pages = self._rows(
            # MATERIALIZED: planned as if every match were read (a bitmap scan, in page order), but read only
            # until the LIMIT is reached. Left to itself the planner picks a sequential scan for a LIMIT, which
            # reads the whole table when the words are rarer than it thinks.
            f"WITH m AS MATERIALIZED (SELECT ctid FROM {match.table} WHERE {match.condition}) "
            "SELECT count(*), max(p.page), pg_relation_size(%s) / current_setting('block_size')::int "
            "FROM (SELECT (ctid::text::point)[0] AS page FROM m LIMIT %s) p",
            (*match.params, match.table, limit),
        )[0]
        return int(found), last_page, int(pages)

    def _estimate(self, found: int, last_page: int | None, pages: int) -> int:
        cap = exact_count()
        if found <= cap:
            return found
        return max(cap + 1, round(found * max(pages, 1) / (int(last_page or 0) + 1)))

    def count_and_sample(self, match: Match, size: int, names: Iterable[str]) -> tuple[int, Sample | None]:
        """For a name or short-field match, the bounded count and the facet sample from one bitmap scan of
        search_words, which carries the facet columns: the sample is the first `size` rows the count reads.
        (Apart, the two statements each build the same bitmap and visit the same heap pages.)"""
        if match.table != "search_words":
            return super().count_and_sample(match, size, names)
        names = list(names)
        columns = ", ".join(FACET_COLUMNS[n] for n in names)
        rows = self._rows(
            f"WITH m AS MATERIALIZED (SELECT ctid, {columns} FROM search_words WHERE {match.condition}), "
            "c AS (SELECT count(*) AS found, max((ctid::text::point)[0]) AS last_page FROM "
            "(SELECT ctid FROM m LIMIT %s) p) "
            f"SELECT {columns}, count(*), c.found, c.last_page, "
            "pg_relation_size('search_words') / current_setting('block_size')::int "
            f"FROM (SELECT {columns} FROM m LIMIT %s) s CROSS JOIN c GROUP BY {columns}, c.found, c.last_page",
            (*match.params, exact_count() + 1, size),
        )
        total = self._estimate(int(rows[0][-3]), rows[0][-2], int(rows[0][-1])) if rows else 0
        return total, sample_from((row[: len(names) + 1] for row in rows), names, total)

    def first_by_rank(self, match: Match, limit: int) -> list[tuple[int, float]] | None:
        """The best-ranked FIRST_WALK documents, each tested against the match: for a common prefix this
        answers suggestions from a few hundred index rows, where counting the matches reads thousands."""
        rows = self._rows(
            "SELECT d.id, d.static_rank FROM (SELECT id, static_rank FROM search_document "
            f"ORDER BY static_rank DESC, id LIMIT %s) d WHERE {match.exists_sql} ORDER BY d.static_rank DESC, d.id "
            "LIMIT %s",
            (FIRST_WALK, *match.exists_params, limit),
        )
        return [(int(i), float(rank)) for i, rank in rows] if len(rows) >= limit else None

    def count_is_estimate(self, count: int) -> bool:
        return count > exact_count()

    def use_exists(self, match: Match, estimate: int, need: int, candidates: int | None = None) -> bool:
        """Test each walked row (one primary-key lookup in search_words) rather than build the set of matches
        (a heap visit per match) when that reads fewer rows: a word in most documents fills a page after a
        few dozen rows of the static-rank index."""
        if candidates is not None:
            return candidates * PROBE_COST < estimate * BUILD_COST
        if estimate <= SORT_LIMIT:
            return False
        span = self._id_span()
        probes = need * (span + 1) / max(estimate, 1)
        return probes * PROBE_COST < estimate * BUILD_COST

    def _sample(self, match: Match, total: int, size: int, names: Iterable[str]) -> Sample:
        """A description match (name and short-field matches are sampled by count_and_sample): the sample is
        looked up in search_document by primary key (joined, the planner hashes the sample and reads all of
        search_document to meet it)."""
        names = list(names)
        columns = ", ".join(FACET_COLUMNS[n] for n in names)
        rows = self._rows(
            f"SELECT {columns}, count(*) FROM search_document WHERE id = ANY(ARRAY({match.sql} LIMIT %s)) "
            f"GROUP BY {columns}",
            (*match.params, size),
        )
        return sample_from(rows, names, total)

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

    # ---- writing -------------------------------------------------------------------------------------
    def write_fulltext(self, rows: list[tuple[int, IndexDocument, str]]) -> None:
        # From the search_text rows just written, in the same transaction: the same words as full_tsv, without
        # positions (strip): no query ranks by proximity or matches phrases, and rows are half as wide.
        _execute(
            f"INSERT INTO search_words (document_id, name_tsv, short_tsv, {WORDS_FACETS}) SELECT t.document_id, "
            f"strip(to_tsvector('{CONFIG}', t.name) || to_tsvector('simple', t.filter_tokens)), "
            f"strip(to_tsvector('{CONFIG}', t.short_text) || to_tsvector('simple', t.filter_tokens)), "
            f"{', '.join('d.' + c for c in WORDS_FACETS.split(', '))} "
            "FROM search_text t JOIN search_document d ON d.id = t.document_id WHERE t.document_id = ANY(%s)",
            ([pk for pk, _, _ in rows],),
        )

    def delete_fulltext(self, ids: list[int]) -> None:
        if ids:
            _execute("DELETE FROM search_words WHERE document_id = ANY(%s)", (ids,))

    def clear_fulltext(self) -> None:
        _execute("DELETE FROM search_words", ())


def _execute(sql: str, params: tuple) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
