"""Words in, words out: normalising text, turning what a user typed into safe terms, and highlighting.

Nothing a user types reaches a search engine as syntax. A query is cut to a bounded length, split into words
(letters and digits only), and each engine gets those words quoted or passed as parameters. Quotes, `*`, `-`,
`:`, parentheses and operator words are thereby just characters that separate words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from html import escape

MAX_QUERY_CHARS = 256
MAX_TERMS = 8
MAX_TERM_CHARS = 40
# Words that are operators in some engine's syntax; a query made only of them is searched for literally.
OPERATOR_WORDS = frozenset({"and", "or", "not", "near"})

# Letters and digits; "_" separates words, as it does for SQLite's unicode61 and PostgreSQL's parser, so that
# "customer_id" is found by "customer".
_WORD = re.compile(r"[^\W_]+")
# Combining marks left by NFKD decomposition (accents and the like), removed to fold 'é' to 'e'.
_COMBINING = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f\u0e31-\u0e3a"
    "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\u302a-\u302f\u3099\u309a\ufe20-\ufe2f]"
)
_MARKDOWN = [
    (re.compile(r"```.*?```", re.S), " "),
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"[#*`>|~]+"), " "),
    (re.compile(r"\s+"), " "),
]


def fold(text: str) -> str:
    """Lower case without accents: 'Müller' -> 'muller', as the full-text engines compare words."""
    if text.isascii():  # most catalog text
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).lower()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def name_norm(name: str) -> str:
    """' daily orders by region dach ': exact and prefix tests become plain string comparisons."""
    return " " + " ".join(words(name))[:296] + " "


def parse_terms(text: str) -> list[str]:
    """What a user typed, as at most MAX_TERMS distinct words of at most MAX_TERM_CHARS each."""
    found = words((text or "")[:MAX_QUERY_CHARS])
    meaningful = [w for w in found if w not in OPERATOR_WORDS] or found
    terms: list[str] = []
    for word in meaningful:
        word = word[:MAX_TERM_CHARS]
        if word not in terms:
            terms.append(word)
        if len(terms) == MAX_TERMS:
            break
    return terms


def stem(word: str) -> str:
    """A light plural strip, used only to decide which words to highlight (the engines stem on their own)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3]
    if len(word) > 4 and word.endswith("es"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


class Highlighter:
    """Marks the words of a text that match the query's words (a light plural strip, prefix matching)."""

    def __init__(self, query_words: Iterable[str], *, prefixes: bool = False):
        """prefixes: every query word marks the words it begins, however short (suggestions as you type)."""
        words_ = list(query_words)
        self.stems = tuple({w if prefixes else stem(w) for w in words_ if prefixes or len(w) >= 3})
        self.exact = frozenset() if prefixes else frozenset(w for w in words_ if len(w) < 3)
        self.empty = not words_

    def matches(self, word: str) -> bool:
        folded = fold(word)
        return folded in self.exact or folded.startswith(self.stems)

    def has_match(self, text: str) -> bool:
        if self.empty or not text:
            return False
        folded = fold(text)
        # Quick rejection: a matching word contains a stem (or a short word) as a substring.
        if not any(s in folded for s in self.stems) and not any(w in folded for w in self.exact):
            return False
        return any(self.matches(m.group()) for m in _WORD.finditer(text))

    def highlight(self, text: str) -> str:
        """The text HTML-escaped, with each matching word wrapped in <mark>."""
        if not text:
            return ""
        if self.empty:
            return str(escape(text))
        out: list[str] = []
        last = 0
        for m in _WORD.finditer(text):
            if self.matches(m.group()):
                out.append(str(escape(text[last : m.start()])))
                out.append(f"<mark>{escape(m.group())}</mark>")
                last = m.end()
        out.append(str(escape(text[last:])))
        return "".join(out)

    def snippet(self, text: str, width: int = 180) -> str:
        """A window of the text around its first matching word, highlighted; '' if no word matches."""
        if self.empty:
            return ""
        # Cut a generous window around the first match before cleaning markdown, not the whole text.
        first = next((m for m in _WORD.finditer(text or "") if self.matches(m.group())), None)
        if first is None:
            return ""
        text = plain(text[max(0, first.start() - 2 * width) : first.end() + 2 * width])
        hit = next((m for m in _WORD.finditer(text) if self.matches(m.group())), None) if not self.empty else None
        if hit is None:
            return ""
        start = max(0, hit.start() - width // 3)
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < hit.start() else start
        end = min(len(text), start + width)
        if end < len(text):
            space = text.rfind(" ", hit.end(), end)
            end = space if space > hit.end() else end
        body = self.highlight(text[start:end])
        return ("… " if start else "") + body + (" …" if end < len(text) else "")


def highlight(text: str, query_words: Iterable[str], *, prefixes: bool = False) -> str:
    return Highlighter(query_words, prefixes=prefixes).highlight(text)


def plain(markdown_text: str) -> str:
    """Markdown reduced to its words, for snippets."""
    out = markdown_text or ""
    for pattern, replacement in _MARKDOWN:
        out = pattern.sub(replacement, out)
    return out.strip()


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal string alignment distance (Levenshtein plus swapped neighbours), cut off above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def vocabulary(texts: Iterable[str]) -> set[str]:
    """Words worth correcting towards: 3 to 40 characters, not only digits."""
    out: set[str] = set()
    for text in texts:
        for word in words(text):
            if 3 <= len(word) <= MAX_TERM_CHARS and not word.isdigit():
                out.add(word)
    return out
