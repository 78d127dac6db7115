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

from search.embedded import EmbeddedBackend, Match
from search.embedded_index import ALL_TOKEN, filter_token
from search.synonyms import Clause

COLUMNS = {"name": "name_tsv", "short": "short_tsv", "full": "full_tsv"}
CONFIG = "english"


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
                    # A word of letters and digits followed by :* is a valid tsquery prefix term.
                    words.append(f"to_tsquery('{CONFIG}', %s)")
                    params.append(f"{word}:*")
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
            exists_sql=f"EXISTS (SELECT 1 FROM search_text WHERE document_id = d.id AND {column} @@ ({query}))",
            exists_params=params,
        )

    def count_match(self, match: Match) -> int:
        return self._scalar(f"SELECT count(*) FROM ({match.sql}) m", match.params)

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
