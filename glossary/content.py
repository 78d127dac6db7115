"""What a term says, as one value: proposals, versions, imports and exports all speak `TermContent`.

References to other terms are written as the portal shows them: `slug` for a term of the same glossary and
`domain/slug` for a term elsewhere. Stewards are usernames. Keeping content free of database ids makes versions
readable on their own, diffs meaningful and exports re-importable into another portal.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from core.errors import FieldError, pointer
from glossary.models import TermStatus

NAME_MAX = 200
DEFINITION_MAX = 20_000
ABBREVIATION_MAX = 40
EXAMPLE_MAX = 500
LIST_MAX = 50
SLUG_RE = re.compile(r"^[-a-z0-9_]{1,120}$")
EXTERNAL_REF_RE = re.compile(r"^[-a-zA-Z0-9_]{1,80}/[-a-z0-9_]{1,120}$")

LIST_FIELDS = ("synonyms", "abbreviations", "examples", "related", "same_as", "stewards")


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WORD = re.compile(r"[^\W_]+")
MAX_PHRASE_WORDS = 6  # the longest term name matched in field names and text


def words(text: str) -> tuple[str, ...]:
    """'activeCustomer_flag' and 'Active customer flag' both read as ('active', 'customer', 'flag')."""
    return tuple(_WORD.findall(_CAMEL.sub(" ", text).casefold()))


def name_key(text: str) -> str:
    """The form under which names and synonyms must be unique: case-folded, NFKC, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def fold(text: str) -> str:
    """The name key without accents, for lookups from search, which sees 'kaufer' where the glossary says
    'Käufer'. Not for uniqueness: 'Résumé' and 'resume' may be different terms."""
    decomposed = unicodedata.normalize("NFKD", name_key(text))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def initial_of(name: str) -> str:
    first = name_key(name)[:1]
    # Accented initials file under their base letter (É under E), as readers of an A-Z index expect.
    base = unicodedata.normalize("NFKD", first)[:1].upper()
    return base if "A" <= base <= "Z" else "#"


def _clean_line(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _clean_text(value: Any) -> str:
    # One newline convention, so that text that went through a CSV file on Windows compares equal.
    return str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


@dataclass(frozen=True)
class TermContent:
    name: str
    definition: str = ""
    synonyms: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    parent: str = ""
    related: tuple[str, ...] = ()
    same_as: tuple[str, ...] = ()
    status: str = TermStatus.APPROVED
    replaced_by: str = ""
    stewards: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in LIST_FIELDS:
            data[name] = list(data[name])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TermContent:
        """Normalise without judging: whitespace trimmed, lists deduplicated; `validate()` says what is wrong."""
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key in known:
            if key not in data or data[key] is None:
                continue
            raw = data[key]
            if key in LIST_FIELDS:
                items = raw if isinstance(raw, list | tuple) else [raw]
                cleaner = _clean_text if key == "examples" else _clean_line
                values[key] = _dedupe(cleaner(item) for item in items)
            elif key == "definition":
                values[key] = _clean_text(raw)
            else:
                values[key] = _clean_line(raw)
        values.setdefault("name", "")
        return cls(**values)

    def with_changes(self, **changes: Any) -> TermContent:
        return replace(self, **changes)

    @property
    def keys(self) -> dict[str, str]:
        """The case-folded name and synonyms (which must be unique in a glossary) -> "name" or "synonym"."""
        found = {name_key(s): "synonym" for s in self.synonyms}
        found[name_key(self.name)] = "name"
        return found

    @property
    def index_keys(self) -> dict[str, str]:
        """Every key stored for lookups: the name, synonyms and abbreviations (the first kind of a key wins)."""
        found = {name_key(a): "abbreviation" for a in self.abbreviations}
        found.update(self.keys)
        return found


def _dedupe(items) -> tuple[str, ...]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        key = item.casefold()
        if item and key not in seen:
            seen.add(key)
            out.append(item)
    return tuple(out)


def validate(content: TermContent, *, allow_proposed: bool = False) -> list[FieldError]:
    """Shape checks that need no database; every problem is reported, each with its JSON Pointer."""
    errors: list[FieldError] = []

    def bad(path: str, message: str) -> None:
        errors.append(FieldError(path, message))

    if not content.name:
        bad("/name", "A term needs a name.")
    elif len(content.name) > NAME_MAX:
        bad("/name", f"At most {NAME_MAX} characters.")
    if len(content.definition) > DEFINITION_MAX:
        bad("/definition", f"At most {DEFINITION_MAX} characters.")
    own = name_key(content.name)
    for index, synonym in enumerate(content.synonyms):
        if len(synonym) > NAME_MAX:
            bad(pointer("synonyms", index), f"At most {NAME_MAX} characters.")
        if ";" in synonym:
            bad(pointer("synonyms", index), "A synonym cannot contain ';' (it separates them in CSV files).")
        if name_key(synonym) == own:
            bad(pointer("synonyms", index), "A synonym cannot repeat the term's own name.")
    for index, abbreviation in enumerate(content.abbreviations):
        if len(abbreviation) > ABBREVIATION_MAX or ";" in abbreviation:
            bad(pointer("abbreviations", index), f"At most {ABBREVIATION_MAX} characters, without ';'.")
    for index, example in enumerate(content.examples):
        if len(example) > EXAMPLE_MAX or "\n" in example:
            bad(pointer("examples", index), f"One line of at most {EXAMPLE_MAX} characters.")
    for name in LIST_FIELDS:
        if len(getattr(content, name)) > LIST_MAX:
            bad(f"/{name}", f"At most {LIST_MAX} entries.")
    if content.parent and not SLUG_RE.match(content.parent):
        bad("/parent", "Name the parent by its slug in this glossary.")
    for index, ref in enumerate(content.related):
        if not SLUG_RE.match(ref):
            bad(pointer("related", index), "Name a related term by its slug in this glossary.")
    for index, ref in enumerate(content.same_as):
        if not EXTERNAL_REF_RE.match(ref):
            bad(pointer("same_as", index), "Name the same term in another domain as 'domain/slug'.")
    statuses = set(TermStatus.values) if allow_proposed else {TermStatus.APPROVED, TermStatus.DEPRECATED}
    if content.status not in statuses:
        bad("/status", f"Must be one of: {', '.join(sorted(statuses))}.")
    if content.replaced_by:
        if content.status != TermStatus.DEPRECATED:
            bad("/replaced_by", "Only a deprecated term has a replacement.")
        if not (SLUG_RE.match(content.replaced_by) or EXTERNAL_REF_RE.match(content.replaced_by)):
            bad("/replaced_by", "Name the replacement as 'slug' or 'domain/slug'.")
    return errors


def content_of(term, *, related: list | None = None, same_as: list | None = None) -> TermContent:
    """A Term row as content. Its related and same-as terms come prefetched or are passed in (no query each)."""
    own_domain = term.glossary.domain.slug
    replaced = ""
    if term.replaced_by_id is not None:
        target = term.replaced_by
        domain = target.glossary.domain.slug
        replaced = target.slug if domain == own_domain else f"{domain}/{target.slug}"
    return TermContent(
        name=term.name,
        definition=term.definition,
        synonyms=tuple(term.synonyms),
        abbreviations=tuple(term.abbreviations),
        examples=tuple(term.examples),
        parent=term.parent.slug if term.parent_id is not None else "",
        related=tuple(sorted(t.slug for t in (term.related.all() if related is None else related))),
        same_as=tuple(
            sorted(f"{t.glossary.domain.slug}/{t.slug}" for t in (term.same_as.all() if same_as is None else same_as))
        ),
        status=term.status,
        replaced_by=replaced,
        stewards=tuple(sorted(u.get_username() for u in term.stewards.all())),
    )


def canonical(content: TermContent) -> TermContent:
    """Sets stored as relations come back sorted; compare contents in this form to see real changes."""
    return content.with_changes(
        related=tuple(sorted(content.related)),
        same_as=tuple(sorted(content.same_as)),
        stewards=tuple(sorted(content.stewards)),
    )


EMPTY = TermContent(name="")
FIELD_LABELS: dict[str, str] = {
    "name": "Name",
    "definition": "Definition",
    "synonyms": "Synonyms",
    "abbreviations": "Abbreviations",
    "examples": "Examples",
    "parent": "Parent term",
    "related": "Related terms",
    "same_as": "Same as (other domains)",
    "status": "Status",
    "replaced_by": "Replaced by",
    "stewards": "Stewards",
}
__all__ = ["EMPTY", "FIELD_LABELS", "TermContent", "canonical", "content_of", "name_key", "validate"]
