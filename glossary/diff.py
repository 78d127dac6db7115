"""Comparing term contents: the review page's side-by-side diff, and the three-way merge behind a rebase.

The diff returns plain text segments flagged as changed; templates escape them like any other text, so a
definition full of HTML can never inject markup into the review page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from difflib import SequenceMatcher
from typing import Any

from glossary.content import EMPTY, FIELD_LABELS, LIST_FIELDS, TermContent

_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool = False


@dataclass
class Row:
    """One line of the side-by-side view; a side is None where the line does not exist on that side."""

    tag: str  # equal | replace | delete | insert
    left: list[Segment] | None
    right: list[Segment] | None


@dataclass
class ListItem:
    text: str
    state: str  # kept | removed | added


@dataclass
class FieldDiff:
    name: str
    label: str
    changed: bool
    kind: str  # text | list | value
    before: Any = None
    after: Any = None
    rows: list[Row] = field(default_factory=list)
    left_items: list[ListItem] = field(default_factory=list)
    right_items: list[ListItem] = field(default_factory=list)


def _word_segments(a: str, b: str) -> tuple[list[Segment], list[Segment]]:
    """Within a changed line, mark just the words that differ."""
    left_words, right_words = _WORDS.findall(a), _WORDS.findall(b)
    left: list[Segment] = []
    right: list[Segment] = []
    matcher = SequenceMatcher(a=left_words, b=right_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 > i1:
            left.append(Segment("".join(left_words[i1:i2]), tag != "equal"))
        if j2 > j1:
            right.append(Segment("".join(right_words[j1:j2]), tag != "equal"))
    return left, right


def text_rows(before: str, after: str) -> list[Row]:
    a, b = before.split("\n") if before else [], after.split("\n") if after else []
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows.extend(Row("equal", [Segment(line)], [Segment(line)]) for line in a[i1:i2])
        elif tag == "delete":
            rows.extend(Row("delete", [Segment(line, True)], None) for line in a[i1:i2])
        elif tag == "insert":
            rows.extend(Row("insert", None, [Segment(line, True)]) for line in b[j1:j2])
        else:
            old, new = a[i1:i2], b[j1:j2]
            for k in range(max(len(old), len(new))):
                if k < len(old) and k < len(new):
                    left, right = _word_segments(old[k], new[k])
                    rows.append(Row("replace", left, right))
                elif k < len(old):
                    rows.append(Row("delete", [Segment(old[k], True)], None))
                else:
                    rows.append(Row("insert", None, [Segment(new[k], True)]))
    return rows


def diff_contents(before: TermContent | None, after: TermContent) -> list[FieldDiff]:
    """Every field of the term, changed or not, in display order; `before=None` for a new term."""
    old = before or EMPTY
    out: list[FieldDiff] = []
    for f in fields(TermContent):
        a, b = getattr(old, f.name), getattr(after, f.name)
        label = FIELD_LABELS[f.name]
        if f.name in LIST_FIELDS:
            left = [ListItem(x, "kept" if x in b else "removed") for x in a]
            right = [ListItem(x, "kept" if x in a else "added") for x in b]
            changed = sorted(a) != sorted(b) if f.name not in ("examples", "synonyms") else a != b
            out.append(FieldDiff(f.name, label, changed, "list", a, b, left_items=left, right_items=right))
        elif f.name == "definition":
            out.append(FieldDiff(f.name, label, a != b, "text", a, b, rows=text_rows(a, b)))
        else:
            out.append(FieldDiff(f.name, label, a != b, "value", a, b))
    return out


def changed_fields(before: TermContent | None, after: TermContent) -> list[str]:
    return [d.name for d in diff_contents(before, after) if d.changed]


def merge(base: TermContent, mine: TermContent, theirs: TermContent) -> tuple[TermContent, list[str]]:
    """Replay the proposer's changes (base -> mine) on top of the newer version (theirs).

    Fields the proposer left alone take the newer value. Lists merge item by item (additions and removals of
    both sides survive). A single value both sides changed differently keeps the proposer's value and is
    reported as a conflict, so the reviewer looks at it with the up-to-date diff.
    """
    merged: dict[str, Any] = {}
    conflicts: list[str] = []
    for f in fields(TermContent):
        b, m, t = getattr(base, f.name), getattr(mine, f.name), getattr(theirs, f.name)
        if m == b:
            merged[f.name] = t
        elif t in (b, m):
            merged[f.name] = m
        elif f.name in LIST_FIELDS:
            removed = set(b) - set(m)
            added = [x for x in m if x not in b]
            result = [x for x in t if x not in removed]
            merged[f.name] = tuple(result + [x for x in added if x not in result])
        else:
            merged[f.name] = m
            conflicts.append(f.name)
    return TermContent(**merged), conflicts
