"""The embedded engine's write side: documents into search_document / search_text, the vocabulary into
search_term, and (through the dialect's hooks) the full-text index. See embedded.py for the read side."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache

from django.db import transaction

from core.bulk import insert, insert_ignoring_conflicts
from search import facets as facet_counts
from search import text as t
from search.base import IndexDocument, ProgressCallback, SearchBackend
from search.documents import iter_batches, total_count
from search.models import SearchDocument, SearchTerm, SearchText
from search.ranking import Weights, static_rank


@lru_cache(maxsize=20_000)
def filter_token(facet: str, value: str) -> str:
    """An opaque word standing for facet=value: letters only, so that no tokenizer splits or mangles it."""
    digest = hashlib.blake2b(f"{facet}\x1f{value}".encode(), digest_size=10).digest()
    return "zz" + "".join(chr(97 + b % 26) for b in digest)


ALL_TOKEN = filter_token("*", "*")  # in every document: a query without words still has something to match


class EmbeddedIndex(SearchBackend):
    """Writing for both embedded dialects; sqlite.py and postgres.py fill in the full-text hooks."""

    def write_fulltext(self, rows: list[tuple[int, IndexDocument, str]]) -> None:
        """rows: (document id, document, filter tokens)"""

    def delete_fulltext(self, ids: list[int]) -> None: ...

    def clear_fulltext(self) -> None: ...

    def terms_added(self) -> None: ...

    # ---- writing -------------------------------------------------------------------------------------
    def index(self, docs: Iterable[IndexDocument]) -> int:
        docs = list({d.key: d for d in docs}.values())
        if not docs:
            return 0
        weights = Weights.from_settings()
        with transaction.atomic():
            self._delete_ids(self._ids_of_keys([d.key for d in docs]))
            rows = [self._document_row(d, weights) for d in docs]
            insert(SearchDocument, rows)  # bulk_create's statements without its compiling, keys set from RETURNING
            tokens = [self._tokens(d) for d in docs]
            insert(
                SearchText,
                [
                    SearchText(
                        document_id=row.pk,
                        name=d.name[:300],
                        url=d.url[:500],
                        summary=d.summary,
                        short_text=d.short_text,
                        long_text=d.long_text,
                        filter_tokens=tokens[i],
                        display=d.display,
                    )
                    for i, (row, d) in enumerate(zip(rows, docs, strict=True))
                ],
            )
            self.write_fulltext([(row.pk, d, tokens[i]) for i, (row, d) in enumerate(zip(rows, docs, strict=True))])
            self._add_terms(t.vocabulary(text for d in docs for text in (d.short_text, d.long_text)))
        return len(docs)

    def delete(self, keys: Iterable[str]) -> int:
        with transaction.atomic():
            ids = self._ids_of_keys(list(keys))
            self._delete_ids(ids)
        return len(ids)

    def clear(self) -> None:
        with transaction.atomic():
            self.clear_fulltext()
            SearchText.objects.all().delete()
            SearchDocument.objects.all().delete()
            SearchTerm.objects.all().delete()

    def count(self) -> int:
        return SearchDocument.objects.count()

    def reindex(self, progress_callback: ProgressCallback | None = None, *, fresh: bool = False) -> int:
        """Upserts everything batch by batch (search keeps answering meanwhile), then drops what is gone.
        `fresh` empties the index first, which is faster when most documents changed."""
        if fresh:
            self.clear()
        total, done = total_count(), 0
        seen: dict[str, set[str]] = {}
        self._known_terms = set()
        try:
            for doc_type, ids, docs in iter_batches():
                self.index(docs)
                seen.setdefault(doc_type, set()).update(str(i) for i in ids)
                done += len(ids)
                if progress_callback:
                    progress_callback(done, total)
        finally:
            self._known_terms = None
        stale = [
            f"{doc_type}:{object_id}"
            for doc_type, object_id in SearchDocument.objects.values_list("doc_type", "object_id").iterator()
            if object_id not in seen.get(doc_type, set())
        ]
        for start in range(0, len(stale), 500):
            self.delete(stale[start : start + 500])
        return done

    def _tokens(self, doc: IndexDocument) -> str:
        return " ".join([ALL_TOKEN, *(filter_token(f, v) for f, values in doc.facets.items() for v in values)])

    def _document_row(self, d: IndexDocument, weights: Weights) -> SearchDocument:
        f = d.facets
        return SearchDocument(
            doc_type=d.doc_type,
            object_id=d.object_id,
            name_norm=t.name_norm(d.name),
            static_rank=static_rank(
                rating=d.rating,
                rating_count=d.rating_count,
                consumers=d.consumers,
                slo_health=d.slo_health,
                status=d.status,
                weights=weights,
            ),
            status=d.status,
            domain=facet_counts.join(f.get("domain", ())),
            kind=",".join(f.get("kind", ())),
            owner_team=",".join(f.get("owner_team", ())),
            access_mode=facet_counts.join(f.get("access_mode", ())),
            has_contract=",".join(f.get("has_contract", ())),
            slo_health=",".join(f.get("slo_health", ())),
            rating_band=",".join(f.get("rating_band", ())),
            health_band=",".join(f.get("health_band", ())),
            tags=facet_counts.join(f.get("tag", ()))[:2000],
            rating=d.rating,
            consumers=d.consumers,
            health=-1.0 if d.health is None else d.health,
            updated_at=d.updated_at,
        )

    def _ids_of_keys(self, keys: list[str]) -> list[int]:
        by_type: dict[str, list[str]] = {}
        for key in keys:
            doc_type, _, object_id = key.partition(":")
            by_type.setdefault(doc_type, []).append(object_id)
        ids: list[int] = []
        for doc_type, object_ids in by_type.items():
            for start in range(0, len(object_ids), 500):
                ids += SearchDocument.objects.filter(
                    doc_type=doc_type, object_id__in=object_ids[start : start + 500]
                ).values_list("pk", flat=True)
        return ids

    def _delete_ids(self, ids: list[int]) -> None:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            self.delete_fulltext(chunk)
            SearchDocument.objects.filter(pk__in=chunk).delete()

    _known_terms: set[str] | None = None  # words already in the vocabulary, kept during a reindex only

    def _add_terms(self, words: set[str]) -> None:
        new = set(words) - (self._known_terms or set())
        if self._known_terms is not None:
            self._known_terms |= new
        listed = list(new)
        for start in range(0, len(listed), 500):
            new -= set(SearchTerm.objects.filter(term__in=listed[start : start + 500]).values_list("term", flat=True))
        if new:
            insert_ignoring_conflicts(SearchTerm, [SearchTerm(term=w) for w in sorted(new)])
            self.terms_added()
