"""Checking a term's content against the rest of the catalog: names free, references real, no cycles.

One code path serves a single proposal and a 10,000-row import: `GlossaryIndex` holds what the checks need,
keyed by slug, loaded in a few queries; an import lays the file's rows over it before checking each row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from core.errors import FieldError, pointer
from glossary.content import TermContent, name_key, validate
from glossary.models import NAMING_KINDS, Glossary, Term, TermKey, TermStatus


@dataclass(frozen=True)
class ExternalTerm:
    id: int
    status: str


@dataclass
class GlossaryIndex:
    glossary: Glossary
    ids: dict[str, int] = field(default_factory=dict)  # slug -> id (rows not written yet have none)
    statuses: dict[str, str] = field(default_factory=dict)  # slug -> status
    parents: dict[str, str] = field(default_factory=dict)  # slug -> parent slug, "" for a top-level term
    names: dict[str, str] = field(default_factory=dict)  # slug -> name, for messages
    key_owner: dict[str, str] = field(default_factory=dict)  # case-folded name or synonym -> slug
    external: dict[str, ExternalTerm] = field(default_factory=dict)  # "domain/slug" -> term elsewhere
    users: dict[str, int] = field(default_factory=dict)  # username -> id (active people only)
    _keys_of: dict[str, list[str]] | None = None  # slug -> its keys, the reverse of key_owner

    @classmethod
    def load(cls, glossary: Glossary, contents: Iterable[TermContent], *, all_keys: bool = False) -> GlossaryIndex:
        """The glossary's terms (slug, status, parent) and whatever `contents` refer to.

        Terms are loaded whole (four small columns; cycles need the full parent chain). Keys are loaded whole
        only for imports; a single proposal asks for its own few.
        """
        index = cls(glossary=glossary)
        contents = list(contents)
        rows = Term.objects.filter(glossary=glossary).values_list("pk", "slug", "status", "parent_id", "name")
        by_id: dict[int, str] = {}
        parent_ids: dict[str, int | None] = {}
        for pk, slug, status, parent_id, name in rows:
            index.ids[slug] = pk
            index.statuses[slug] = status
            index.names[slug] = name
            by_id[pk] = slug
            parent_ids[slug] = parent_id
        index.parents = {slug: by_id.get(pid, "") if pid else "" for slug, pid in parent_ids.items()}
        keys = TermKey.objects.filter(glossary=glossary, kind__in=NAMING_KINDS)
        if not all_keys:
            keys = keys.filter(key__in={k for c in contents for k in c.keys})
        index.key_owner = {key: by_id[term_id] for key, term_id in keys.values_list("key", "term_id")}
        index._load_external({r for c in contents for r in (*c.same_as, c.replaced_by) if "/" in r})
        index._load_users({u for c in contents for u in c.stewards})
        return index

    def _load_external(self, refs: set[str]) -> None:
        if not refs:
            return
        slugs = {ref.split("/", 1)[1] for ref in refs}
        rows = (
            Term.objects.filter(slug__in=slugs)
            .exclude(glossary=self.glossary)
            .values_list("pk", "slug", "status", "glossary__domain__slug")
        )
        for pk, slug, status, domain in rows:
            ref = f"{domain}/{slug}"
            if ref in refs:
                self.external[ref] = ExternalTerm(pk, status)

    def _load_users(self, names: set[str]) -> None:
        if names:
            users = get_user_model().objects.filter(username__in=names, is_active=True)
            self.users = dict(users.values_list("username", "pk"))

    def put(self, slug: str, content: TermContent, *, status: str | None = None) -> None:
        """Lay a row that is about to be written over the index (an import's row, a new proposal)."""
        if self._keys_of is None:  # built once: `put` runs for every row of a 10,000-row file
            self._keys_of = {}
            for key, owner in self.key_owner.items():
                self._keys_of.setdefault(owner, []).append(key)
        for key in self._keys_of.pop(slug, []):
            if self.key_owner.get(key) == slug:
                del self.key_owner[key]
        for key in content.keys:
            if self.key_owner.setdefault(key, slug) == slug:
                self._keys_of.setdefault(slug, []).append(key)
        self.statuses[slug] = status or content.status
        self.parents[slug] = content.parent
        self.names[slug] = content.name

    def cycle_through(self, slug: str, parent: str) -> list[str]:
        """The loop `slug` -> `parent` -> ... -> `slug` that setting this parent would close, or []."""
        chain = [slug]
        node = parent
        seen = {slug}
        while node:
            chain.append(node)
            if node == slug:
                return chain
            if node in seen:  # a loop above us that does not include us: not ours to report
                return []
            seen.add(node)
            node = self.parents.get(node, "")
        return []


def check(content: TermContent, *, slug: str, index: GlossaryIndex, allow_proposed: bool = False) -> list[FieldError]:
    """Every problem of `content` as term `slug` of the index's glossary, named by JSON Pointer."""
    errors = validate(content, allow_proposed=allow_proposed)

    def bad(path: str, message: str) -> None:
        errors.append(FieldError(path, message))

    for path, value in [
        ("/name", content.name),
        *((pointer("synonyms", i), s) for i, s in enumerate(content.synonyms)),
    ]:
        owner = index.key_owner.get(name_key(value))
        if owner is not None and owner != slug:
            bad(path, f"'{value}' is already the name or a synonym of term '{index.names.get(owner, owner)}'.")

    def local(path: str, ref: str, what: str) -> None:
        if ref == slug:
            bad(path, f"A term cannot be its own {what}.")
        elif ref not in index.statuses:
            bad(path, f"No term '{ref}' in this glossary.")
        elif index.statuses[ref] == TermStatus.PROPOSED:
            bad(path, f"Term '{ref}' is only proposed; refer to it once it is approved.")

    if content.parent:
        local("/parent", content.parent, "parent")
        loop = index.cycle_through(slug, content.parent)
        if loop:
            bad("/parent", f"This parent would make a cycle: {' → '.join(loop)}.")
    for i, ref in enumerate(content.related):
        local(pointer("related", i), ref, "related term")
    for i, ref in enumerate(content.same_as):
        if ref.split("/", 1)[0] == index.glossary.domain.slug:
            bad(pointer("same_as", i), "'Same as' links terms of other domains; use 'related' within one.")
        elif ref not in index.external:
            bad(pointer("same_as", i), f"No term '{ref}'.")
        elif index.external[ref].status == TermStatus.PROPOSED:
            bad(pointer("same_as", i), f"Term '{ref}' is only proposed.")
    if content.replaced_by:
        if "/" in content.replaced_by and content.replaced_by.split("/", 1)[0] != index.glossary.domain.slug:
            target = index.external.get(content.replaced_by)
            if target is None or target.status != TermStatus.APPROVED:
                bad("/replaced_by", f"No approved term '{content.replaced_by}'.")
        else:
            local_ref = content.replaced_by.split("/", 1)[-1]
            local("/replaced_by", local_ref, "replacement")
    for i, username in enumerate(content.stewards):
        if username not in index.users:
            bad(pointer("stewards", i), f"No active user '{username}'.")
    return errors


def local_slug(ref: str, domain_slug: str) -> str | None:
    """'slug' or 'own-domain/slug' -> 'slug'; a reference to another domain -> None."""
    if "/" not in ref:
        return ref
    domain, slug = ref.split("/", 1)
    return slug if domain == domain_slug else None
