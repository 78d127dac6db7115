"""Glossary files: CSV and JSON, read and written in one shape so that export then import changes nothing.

CSV: one row per term under a header row. List columns separate their items with ';' (examples, which may
contain ';', with line breaks inside the quoted cell). JSON: `{"format": "meshportal-glossary/1", "domain": ...,
"terms": [{...}]}` with lists as arrays. Both carry each term's `slug` (its identity) and `version` (to refuse
rows edited against an older version). Only terms with an approved version are exported; proposed ones are
still under review and live in their proposals.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model

from core.errors import FieldError, ValidationFailed, pointer
from glossary.content import LIST_FIELDS, TermContent
from glossary.models import Glossary, Term, TermStatus

FORMAT = "meshportal-glossary/1"
COLUMNS = [
    "slug",
    "name",
    "status",
    "definition",
    "synonyms",
    "abbreviations",
    "examples",
    "parent",
    "related",
    "same_as",
    "replaced_by",
    "stewards",
    "version",
]
MAX_ROWS = 50_000


@dataclass
class Current:
    """A stored term as import and export see it."""

    id: int
    slug: str
    version: int
    status: str
    content: TermContent


def load_contents(glossary: Glossary, *, include_proposed: bool = True) -> dict[str, Current]:
    """Every term of the glossary with its content, in six queries whatever its size (no per-term prefetch)."""
    through_related = Term.related.through.objects.filter(from_term__glossary=glossary)
    through_same = Term.same_as.through.objects.filter(from_term__glossary=glossary)
    through_stewards = Term.stewards.through.objects.filter(term__glossary=glossary)
    rows = list(
        Term.objects.filter(glossary=glossary).values_list(
            "pk",
            "slug",
            "name",
            "definition",
            "synonyms",
            "abbreviations",
            "examples",
            "parent_id",
            "status",
            "replaced_by_id",
            "version",
        )
    )
    slug_of = {row[0]: row[1] for row in rows}
    related: dict[int, list[str]] = defaultdict(list)
    for src, dst in through_related.values_list("from_term_id", "to_term_id"):
        related[src].append(slug_of.get(dst, ""))
    same: dict[int, list[str]] = defaultdict(list)
    for src, slug, domain in through_same.values_list(
        "from_term_id", "to_term__slug", "to_term__glossary__domain__slug"
    ):
        same[src].append(f"{domain}/{slug}")
    stewards: dict[int, list[str]] = defaultdict(list)
    username = get_user_model().USERNAME_FIELD
    for term_id, name in through_stewards.values_list("term_id", f"user__{username}"):
        stewards[term_id].append(name)
    foreign = {row[9] for row in rows if row[9] and row[9] not in slug_of}
    elsewhere = {
        pk: f"{domain}/{slug}"
        for pk, slug, domain in Term.objects.filter(pk__in=foreign).values_list("pk", "slug", "glossary__domain__slug")
    }
    out: dict[str, Current] = {}
    for pk, slug, name, definition, syn, abbr, examples, parent_id, status, replaced_id, version in rows:
        if status == TermStatus.PROPOSED and not include_proposed:
            continue
        content = TermContent(
            name=name,
            definition=definition,
            synonyms=tuple(syn),
            abbreviations=tuple(abbr),
            examples=tuple(examples),
            parent=slug_of.get(parent_id, "") if parent_id else "",
            related=tuple(sorted(related[pk])),
            same_as=tuple(sorted(same[pk])),
            status=status,
            replaced_by=(slug_of.get(replaced_id) or elsewhere.get(replaced_id, "")) if replaced_id else "",
            stewards=tuple(sorted(stewards[pk])),
        )
        out[slug] = Current(pk, slug, version, status, content)
    return out


# ---- export ----------------------------------------------------------------------------------------------


def _exported(glossary: Glossary) -> list[tuple[Current, dict[str, Any]]]:
    terms = sorted(load_contents(glossary, include_proposed=False).values(), key=lambda c: c.slug)
    return [(c, {"slug": c.slug, **c.content.as_dict(), "version": c.version}) for c in terms]


def export_json(glossary: Glossary) -> str:
    terms = [row for _, row in _exported(glossary)]
    return json.dumps({"format": FORMAT, "domain": glossary.domain.slug, "terms": terms}, ensure_ascii=False, indent=1)


def export_csv(glossary: Glossary) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for _, row in _exported(glossary):
        writer.writerow({k: _cell(k, v) for k, v in row.items()})
    return out.getvalue()


def _cell(column: str, value: Any) -> str:
    if column in LIST_FIELDS:
        return ("\n" if column == "examples" else ";").join(value)
    return str(value)


# ---- parsing ---------------------------------------------------------------------------------------------


@dataclass
class ParsedRow:
    where: str  # JSON Pointer of the row: /rows/<line> for CSV (header is line 1), /terms/<index> for JSON
    label: str  # how a person finds it: "Row 7", "Term 3"
    slug: str
    version: int | None
    data: dict[str, Any]


def parse(raw: bytes | str, fmt: str) -> list[ParsedRow]:
    text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw.removeprefix("\ufeff")
    rows = _parse_json(text) if fmt == "json" else _parse_csv(text)
    if len(rows) > MAX_ROWS:
        raise ValidationFailed([FieldError("", f"At most {MAX_ROWS} terms per file.")], message="File too large.")
    return rows


def _version(value: Any, where: str, errors: list[FieldError]) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = -1
    if number < 0:
        errors.append(FieldError(f"{where}/version", "A version is a whole number."))
        return None
    return number


def _parse_csv(text: str) -> list[ParsedRow]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    errors: list[FieldError] = []
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        errors.append(
            FieldError("/rows/1", f"Row 1: unknown columns {', '.join(unknown)}; known: {', '.join(COLUMNS)}.")
        )
    if "name" not in header:
        errors.append(FieldError("/rows/1", "Row 1: the header needs a 'name' column."))
    if errors:
        raise ValidationFailed(errors, message="The file's header is wrong; nothing was imported.")
    rows: list[ParsedRow] = []
    for number, record in enumerate(reader, start=2):
        if None in record:  # more cells than the header has columns
            errors.append(FieldError(f"/rows/{number}", f"Row {number}: more cells than columns."))
            continue
        if not any((v or "").strip() for v in record.values()):
            continue  # blank lines, as spreadsheets leave them
        data: dict[str, Any] = {}
        for column, value in record.items():
            value = value or ""
            if column in LIST_FIELDS:
                data[column] = [v for v in value.split("\n" if column == "examples" else ";") if v.strip()]
            elif column not in ("slug", "version"):
                data[column] = value
        where = f"/rows/{number}"
        version = _version(record.get("version"), where, errors)
        rows.append(ParsedRow(where, f"Row {number}", (record.get("slug") or "").strip(), version, data))
    if errors:
        raise ValidationFailed(errors, message=f"{len(errors)} rows are malformed; nothing was imported.")
    return rows


def _parse_json(text: str) -> list[ParsedRow]:
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ValidationFailed([FieldError("", f"Not JSON: {exc}.")], message="The file is not JSON.") from exc
    terms = document.get("terms") if isinstance(document, dict) else document
    if not isinstance(terms, list):
        raise ValidationFailed([FieldError("/terms", "Expected a list of terms under 'terms'.")])
    rows: list[ParsedRow] = []
    errors: list[FieldError] = []
    for index, item in enumerate(terms):
        where = pointer("terms", index)
        if not isinstance(item, dict):
            errors.append(FieldError(where, f"Term {index}: expected an object."))
            continue
        unknown = sorted(set(item) - set(COLUMNS))
        if unknown:
            errors.append(FieldError(where, f"Term {index}: unknown keys {', '.join(unknown)}."))
        for key in LIST_FIELDS:
            if key in item and not isinstance(item[key], list):
                errors.append(FieldError(f"{where}/{key}", f"Term {index}: '{key}' must be a list."))
        data = {k: v for k, v in item.items() if k in COLUMNS and k not in ("slug", "version")}
        version = _version(item.get("version"), where, errors)
        rows.append(ParsedRow(where, f"Term {index}", str(item.get("slug") or "").strip(), version, data))
    if errors:
        raise ValidationFailed(errors, message=f"{len(errors)} terms are malformed; nothing was imported.")
    return rows
