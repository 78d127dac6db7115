"""Result cards, the same for every backend: highlighted name and summary, where else the words matched, and a
snippet of the description when only it matched."""

from __future__ import annotations

import re
from html import escape, unescape

from django.utils.safestring import SafeString, mark_safe

from search import text as t
from search.base import SearchHit

_MARK = re.compile(r"(</?mark>)")


def safe_html(html: str) -> SafeString:
    return mark_safe(html)  # noqa: S308 - built by the highlighter: escaped text and <mark> only


def engine_fragment(fragment: str) -> SafeString:
    """An engine's highlighted fragment rebuilt from scratch: unescape the text between its <mark> tags,
    escape it again, keep only the marks. Whatever the engine sent, no markup of its own gets through."""
    out, inside = [], False
    for piece in _MARK.split(fragment or ""):
        if piece in ("<mark>", "</mark>"):
            opening = piece == "<mark>"
            if opening != inside:  # drop unbalanced tags
                out.append(piece)
                inside = opening
        else:
            out.append(escape(unescape(piece)))
    if inside:
        out.append("</mark>")
    return safe_html("".join(out))


def make_hit(
    doc_type: str,
    object_id: str,
    name: str,
    url: str,
    summary: str,
    long_text: str,
    data: dict,
    marker: t.Highlighter,
    score: float,
) -> SearchHit:
    """A result card: highlighted name and summary, where else the words matched, a description snippet."""
    matched: list[str] = []
    for label, key in (("tag", "tags"), ("port", "ports"), ("field", "fields"), ("glossary term", "glossary_terms")):
        for value in data.get(key) or []:
            if len(matched) < 6 and marker.has_match(value):
                matched.append(f"{label} {marker.highlight(value)}")
    snippet = ""
    if not marker.empty and not marker.has_match(name) and not marker.has_match(summary):
        snippet = marker.snippet(long_text)
    return SearchHit(
        key=f"{doc_type}:{object_id}",
        doc_type=doc_type,
        object_id=object_id,
        title=name,
        url=url,
        summary=summary,
        title_html=safe_html(marker.highlight(name)),
        summary_html=safe_html(marker.highlight(summary)),
        snippet_html=safe_html(snippet),
        matched=[safe_html(m) for m in matched],
        score=round(score, 4),
        data=data,
    )
