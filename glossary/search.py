"""What the glossary gives the search engine: synonyms that expand product queries, and terms to index.

`search/` calls these; nothing here knows which engine runs. Proposed terms take no part: until
stewards approve a term, it must not change what people find. Lookups ignore case and accents ('kaufer' finds
'Käufer'), as the search engine folds both away.

Wiring (settings and search's registries; see docs/glossary.md):
    SEARCH_SYNONYM_PROVIDER = "glossary.search.synonyms_for"
    register_product_enricher(glossary.search.product_enricher)
    register_source(glossary.search.GlossaryTermSource())
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.urls import reverse

from glossary.content import MAX_PHRASE_WORDS, fold, words
from glossary.models import Term, TermFieldLink, TermKey, TermProductLink, TermStatus
from search.extensions import IndexDocument, ProductExtras

_LIVE = (TermStatus.APPROVED, TermStatus.DEPRECATED)
DOC_TYPE = "glossary_term"


def _names_of(term_ids: set[int]) -> dict[int, list[str]]:
    """For each term: its names, synonyms and abbreviations, and those of the terms marked 'same as' it."""
    through = Term.same_as.through.objects
    partners: dict[int, set[int]] = {pk: {pk} for pk in term_ids}
    for src, dst in through.filter(from_term_id__in=term_ids).values_list("from_term_id", "to_term_id"):
        partners[src].add(dst)
    for src, dst in through.filter(to_term_id__in=term_ids).values_list("from_term_id", "to_term_id"):
        partners[dst].add(src)
    every = set().union(*partners.values())
    rows = Term.objects.filter(pk__in=every, status__in=_LIVE).values_list("pk", "name", "synonyms", "abbreviations")
    names = {pk: [name, *synonyms, *abbreviations] for pk, name, synonyms, abbreviations in rows}
    return {pk: [n for other in group for n in names.get(other, [])] for pk, group in partners.items()}


def synonyms_for(term: str) -> list[str]:
    """Other ways to say `term`, from every domain's glossary: its names, synonyms, abbreviations, and those of
    the terms declared 'same as' it. Empty when no approved or deprecated term is called `term`.

    >>> synonyms_for("net revenue")   # doctest: +SKIP
    ['Net sales', 'NR', 'Revenue after returns']
    """
    key = fold(term)
    if not key:
        return []
    found = TermKey.objects.filter(folded=key, term__status__in=_LIVE).values_list("term_id", flat=True)
    ids = set(found)
    if not ids:
        return []
    seen = {key}
    out: list[str] = []
    for names in _names_of(ids).values():
        for name in names:
            if fold(name) not in seen:
                seen.add(fold(name))
                out.append(name)
    return sorted(out, key=str.casefold)


def expand_query(query: str) -> dict[str, list[str]]:
    """Each phrase of `query` that names a term, with its synonyms: {"active customer": ["engaged user", ...]}.

    Longer phrases win ("net revenue" before "revenue"); one query for the lookup, two for the synonyms.
    """
    tokens = [fold(w) for w in words(query)]
    grams = {" ".join(tokens[i : i + n]) for n in range(1, MAX_PHRASE_WORDS + 1) for i in range(len(tokens) - n + 1)}
    if not grams:
        return {}
    hits: dict[str, set[int]] = {}
    rows = TermKey.objects.filter(folded__in=grams, term__status__in=_LIVE).values_list("folded", "term_id")
    for key, term_id in rows:
        hits.setdefault(key, set()).add(term_id)
    if not hits:
        return {}
    names = _names_of(set().union(*hits.values()))
    out: dict[str, list[str]] = {}
    covered: set[str] = set()
    for phrase in sorted(hits, key=lambda p: -len(p.split())):
        if any(f" {phrase} " in f" {longer} " for longer in covered):
            continue
        covered.add(phrase)
        found = {n for term_id in hits[phrase] for n in names.get(term_id, []) if fold(n) != phrase}
        out[phrase] = sorted(found, key=str.casefold)
    return out


def product_term_names(product_ids: list[int]) -> dict[int, list[str]]:
    """Names and synonyms of the terms linked to each product or to one of its fields (two queries)."""
    found: dict[int, set[int]] = defaultdict(set)
    for product_id, term_id in TermProductLink.objects.filter(
        product_id__in=product_ids, term__status__in=_LIVE
    ).values_list("product_id", "term_id"):
        found[product_id].add(term_id)
    for product_id, term_id in TermFieldLink.objects.filter(
        field__port__product_id__in=product_ids, term__status__in=_LIVE
    ).values_list("field__port__product_id", "term_id"):
        found[product_id].add(term_id)
    every = set().union(*found.values()) if found else set()
    rows = Term.objects.filter(pk__in=every).values_list("pk", "name", "synonyms")
    names = {pk: [name, *synonyms] for pk, name, synonyms in rows}
    return {product: sorted({n for t in terms for n in names.get(t, [])}) for product, terms in found.items()}


def linked_product_ids(term_ids: list[int]) -> set[int]:
    """Products linked to these terms, directly or through a field (for reindexing after a change)."""
    if not term_ids:
        return set()
    direct = TermProductLink.objects.filter(term_id__in=term_ids).values_list("product_id", flat=True)
    by_field = TermFieldLink.objects.filter(term_id__in=term_ids).values_list("field__port__product_id", flat=True)
    return set(direct) | set(by_field)


def product_enricher(product_ids: list[int]) -> dict:
    """For search.documents.register_product_enricher: a product is found by its terms' names."""
    return {product: ProductExtras(terms=names) for product, names in product_term_names(product_ids).items()}


def term_documents(term_ids: Iterable[int] | None = None) -> Iterator[dict[str, Any]]:
    """Terms as plain search documents (approved and deprecated; proposed ones wait)."""
    terms = Term.objects.filter(status__in=_LIVE).select_related("glossary__domain").order_by("pk")
    if term_ids is not None:
        terms = terms.filter(pk__in=list(term_ids))
    for term in terms.iterator(chunk_size=1000):
        domain = term.glossary.domain
        yield {
            "kind": DOC_TYPE,
            "id": str(term.pk),
            "title": term.name,
            "text": term.definition,
            "keywords": [*term.synonyms, *term.abbreviations],
            "domain": domain.slug,
            "domain_name": domain.name,
            "status": term.status,
            "url": reverse("glossary_term", args=[domain.slug, term.slug]),
            "updated_at": term.updated_at,
        }


class GlossaryTermSource:
    """A search.documents.DocumentSource: glossary terms as their own kind of search result."""

    doc_type = DOC_TYPE

    def count(self) -> int:
        return Term.objects.filter(status__in=_LIVE).count()

    def ids(self) -> Iterator[int]:
        return Term.objects.filter(status__in=_LIVE).order_by("pk").values_list("pk", flat=True).iterator()

    def build(self, ids: list[Any]) -> list:
        return [
            IndexDocument(
                doc_type=DOC_TYPE,
                object_id=doc["id"],
                name=doc["title"],
                url=doc["url"],
                summary=doc["text"].split("\n\n", 1)[0][:300],
                tags=tuple(doc["keywords"]),
                context=(doc["domain_name"],),
                description=doc["text"],
                facets={"type": (DOC_TYPE,), "domain": (doc["domain"],), "status": (doc["status"],)},
                status=doc["status"],
                updated_at=doc["updated_at"],
            )
            for doc in term_documents(int(i) for i in ids)
        ]
