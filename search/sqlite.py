"""SQLite FTS5 for the embedded engine (see embedded.py for how a query is answered).

Tables (made by the search app's migration 0001; rowid = SearchDocument.id):
- search_fts_name: names only, with prefix indexes, for the name tier and suggestions;
- search_fts_short: names, tags, port and field names, domain and team names, glossary terms;
- search_fts_full: all of the above plus summaries, descriptions, field descriptions and people;
- search_fts_terms: the vocabulary, trigram-tokenized, to find the known words closest to a misspelt one.
Each carries the document's filter tokens, so a filter is one more word in the MATCH expression.

A MATCH expression is built only from words of letters and digits (text.parse_terms), each in double quotes,
so nothing typed by a user is ever read as FTS5 syntax.
"""

# SQL in this module is assembled from fixed fragments; every value is passed as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import logging

from django.db import OperationalError, connection

from search.base import IndexDocument
from search.embedded import EmbeddedBackend, Match
from search.embedded_index import ALL_TOKEN, filter_token
from search.synonyms import Clause

log = logging.getLogger(__name__)

TOKENIZER = "porter unicode61 remove_diacritics 2"
TABLES = {"name": "search_fts_name", "short": "search_fts_short", "full": "search_fts_full"}
DDL = [
    f"CREATE VIRTUAL TABLE search_fts_name USING fts5(name, filter_tokens, tokenize = '{TOKENIZER}', "
    "detail = none, prefix = '2 3')",
    f"CREATE VIRTUAL TABLE search_fts_short USING fts5(short_text, filter_tokens, tokenize = '{TOKENIZER}', "
    "detail = none)",
    "CREATE VIRTUAL TABLE search_fts_full USING fts5(short_text, long_text, filter_tokens, "
    f"tokenize = '{TOKENIZER}', detail = none)",
    "CREATE VIRTUAL TABLE search_fts_terms USING fts5(term, tokenize = 'trigram')",
]
WALK_INDEXES = {
    "relevance": "search_doc_rank_idx",
    "rating": "search_doc_rating_idx",
    "consumers": "search_doc_consumers_idx",
    "health": "search_doc_health_idx",
    "updated": "search_doc_updated_idx",
}
# Measured at 100k documents: testing one document against a MATCH costs about 80 us, and about 220 us more
# for each further word or filter; putting the matches in a temporary index costs about 0.17 us per match.
# use_exists() picks the cheaper of the two.
PROBE_US = 80.0
PROBE_EXTRA_US = 220.0
BUILD_US = 0.17


def quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def expression(
    clauses: list[Clause], filters: dict[str, tuple[str, ...]], *, show_retired: bool, prefix_last: bool = False
) -> str:
    parts = []
    for index, clause in enumerate(clauses):
        alternatives = []
        for alternative in clause.alternatives:
            words = [quoted(w) for w in alternative]
            if prefix_last and index == len(clauses) - 1 and alternative is clause.alternatives[0]:
                words[-1] += "*"
            alternatives.append(words[0] if len(words) == 1 else "(" + " AND ".join(words) + ")")
        parts.append(alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")")
    for facet, values in sorted(filters.items()):
        parts.append("(" + " OR ".join(quoted(filter_token(facet, v)) for v in values) + ")")
    text = " AND ".join(parts) if parts else quoted(ALL_TOKEN)
    if not show_retired:
        text = f"({text}) NOT {quoted(filter_token('status', 'retired'))}"
    return text


class SqliteBackend(EmbeddedBackend):
    name = "sqlite"

    def match(
        self,
        scope: str,
        clauses: list[Clause],
        filters: dict[str, tuple[str, ...]],
        *,
        show_retired: bool,
        prefix_last: bool = False,
    ) -> Match:
        table = TABLES[scope]
        expr = expression(clauses, filters, show_retired=show_retired, prefix_last=prefix_last)
        parts = sum(max(len(a) for a in c.alternatives) for c in clauses) + len(filters) + (not show_retired)
        return Match(
            sql=f"SELECT rowid AS id FROM {table} WHERE {table} MATCH %s",
            params=(expr,),
            exists_sql=f"EXISTS (SELECT 1 FROM {table} WHERE {table} MATCH %s AND rowid = d.id)",
            exists_params=(expr,),
            parts=max(1, parts),
        )

    def count_match(self, match: Match) -> int:
        return self._scalar(f"SELECT count(*) FROM ({match.sql})", match.params)

    def walk_hint(self, order: str) -> str:
        return f"INDEXED BY {WALK_INDEXES[order]}"

    test_only = "+"

    def use_exists(self, match: Match, estimate: int, need: int, candidates: int | None = None) -> bool:
        probe = PROBE_US + PROBE_EXTRA_US * (match.parts - 1)
        if candidates is not None:
            return candidates * probe < estimate * BUILD_US
        span = self._id_span()
        probes = need * (span + 1) / max(estimate, 1)
        return probes * probe < estimate * BUILD_US

    def _rows(self, sql: str, params: tuple) -> list[tuple]:
        try:
            return super()._rows(sql, params)
        except OperationalError as exc:
            # Queries are built from plain words, so this is not expected; if SQLite's tokenizer still
            # disagrees with ours about a character, the user gets no results rather than an error page.
            if "fts5" not in str(exc):
                raise
            log.warning("search: FTS5 refused a query (%s): %r", exc, params)
            return []

    # ---- writing -------------------------------------------------------------------------------------
    def write_fulltext(self, rows: list[tuple[int, IndexDocument, str]]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_fts_name(rowid, name, filter_tokens) VALUES (%s, %s, %s)",
                [(pk, doc.name, tokens) for pk, doc, tokens in rows],
            )
            cursor.executemany(
                "INSERT INTO search_fts_short(rowid, short_text, filter_tokens) VALUES (%s, %s, %s)",
                [(pk, doc.short_text, tokens) for pk, doc, tokens in rows],
            )
            cursor.executemany(
                "INSERT INTO search_fts_full(rowid, short_text, long_text, filter_tokens) VALUES (%s, %s, %s, %s)",
                [(pk, doc.short_text, doc.long_text, tokens) for pk, doc, tokens in rows],
            )

    # delete_fulltext stays the base class's no-op: a trigger on search_document (migration 0006) removes a
    # document's rows from the three tables whenever the document goes, by whatever path.

    def clear_fulltext(self) -> None:
        # Dropping and re-creating is much faster than deleting every row of an FTS5 table.
        with connection.cursor() as cursor:
            for table in [*TABLES.values(), "search_fts_terms"]:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in DDL:
                cursor.execute(statement)

    def terms_added(self) -> None:
        # SearchTerm ids only grow (AUTOINCREMENT), so the new words are those above the highest one indexed.
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO search_fts_terms(rowid, term) SELECT id, term FROM search_term "
                "WHERE id > (SELECT coalesce(max(rowid), 0) FROM search_fts_terms)"
            )

    def similar_terms(self, word: str, limit: int) -> list[str]:
        grams = sorted({word[i : i + 3] for i in range(len(word) - 2)})
        if not grams:
            return []
        rows = self._rows(
            "SELECT term FROM search_fts_terms WHERE search_fts_terms MATCH %s ORDER BY rank LIMIT %s",
            (" OR ".join(quoted(g) for g in grams), limit),
        )
        return [row[0] for row in rows if abs(len(row[0]) - len(word)) <= 2]
