"""Query expansion: a pluggable provider maps words and short phrases of a query to their synonyms.

The default knows no synonyms. The glossary plugs in a provider that answers with a term's synonyms and
abbreviations ("clv" -> "customer lifetime value") by naming it in settings.SEARCH_SYNONYM_PROVIDER: a class
with a `synonyms(phrase)` method, or just a function of the phrase (e.g. glossary.search.synonyms_for).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from search.text import words

MAX_PHRASE_WORDS = 3
MAX_SYNONYMS = 8


class SynonymProvider(Protocol):
    def synonyms(self, phrase: str) -> list[str]:
        """Synonyms of a lower-cased, accent-free phrase of one to three words; [] when there are none."""
        ...


class NoSynonyms:
    def synonyms(self, phrase: str) -> list[str]:
        return []


class _FunctionProvider:
    def __init__(self, function: Callable[[str], list[str]]):
        self.function = function

    def synonyms(self, phrase: str) -> list[str]:
        return list(self.function(phrase))


@lru_cache(maxsize=4)
def _load(path: str) -> SynonymProvider:
    """A class (instantiated), an object with .synonyms(), or a plain function phrase -> synonyms."""
    target = import_string(path)
    if isinstance(target, type):
        return target()
    if hasattr(target, "synonyms"):
        return target
    return _FunctionProvider(target)


def get_provider() -> SynonymProvider:
    return _load(getattr(settings, "SEARCH_SYNONYM_PROVIDER", "search.synonyms.NoSynonyms"))


@dataclass(frozen=True)
class Clause:
    """One part of a query that must match: the words as typed, or any one of their synonyms.

    Each alternative is a tuple of words that must all be found (a multi-word synonym is not required to be a
    phrase: the indexes keep no word positions, which is what keeps them small and fast).
    """

    words: tuple[str, ...]
    alternatives: tuple[tuple[str, ...], ...]

    @property
    def all_words(self) -> set[str]:
        return {w for alternative in self.alternatives for w in alternative}


def expand(terms: list[str], provider: SynonymProvider | None = None) -> list[Clause]:
    """Clauses for the terms, longest phrase first: 'customer lifetime value' is looked up before its words."""
    provider = provider or get_provider()
    clauses: list[Clause] = []
    i = 0
    while i < len(terms):
        for size in range(min(MAX_PHRASE_WORDS, len(terms) - i), 0, -1):
            phrase = tuple(terms[i : i + size])
            found = _synonyms(provider, " ".join(phrase))
            if found or size == 1:
                clauses.append(Clause(phrase, (phrase, *found)))
                i += size
                break
    return clauses


def _synonyms(provider: SynonymProvider, phrase: str) -> list[tuple[str, ...]]:
    try:
        raw = provider.synonyms(phrase) or []
    except Exception:  # a broken glossary must not break search: it searches without synonyms
        return []
    out: list[tuple[str, ...]] = []
    for synonym in raw:
        parts = tuple(w[:40] for w in words(str(synonym)))[: MAX_PHRASE_WORDS + 2]
        if parts and parts != tuple(phrase.split()) and parts not in out:
            out.append(parts)
        if len(out) == MAX_SYNONYMS:
            break
    return out
