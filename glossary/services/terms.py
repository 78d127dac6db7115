"""Writing one term's content: its row, its keys, its relations, and the version that records it.

These helpers run inside the caller's transaction (a proposal's approval, an import) and trust content that
`glossary.resolve.check` passed; they are not entry points.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from catalog.models import Domain
from core.errors import Conflict, NotFound
from glossary.content import TermContent, fold, initial_of, name_key
from glossary.models import Glossary, KeyKind, Term, TermKey, TermVersion
from glossary.resolve import GlossaryIndex, local_slug


def glossary_for_domain(domain_slug: str) -> Glossary:
    """The domain's glossary, made on first use (every domain has one, empty until someone proposes a term)."""
    domain = Domain.objects.select_related("owner_team").filter(slug=domain_slug).first()
    if domain is None:
        raise NotFound(f"Unknown domain '{domain_slug}'.", path="/domain")
    glossary = Glossary.objects.select_related("domain").filter(domain=domain).first()
    if glossary is not None:
        return glossary
    try:
        with transaction.atomic():
            return Glossary.objects.create(domain=domain)
    except IntegrityError:  # made by a concurrent first writer
        return Glossary.objects.select_related("domain").get(domain=domain)


def free_slug(name: str, taken: set[str] | dict[str, int]) -> str:
    base = (slugify(name) or "term")[:110].strip("-") or "term"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def fill_term(term: Term, content: TermContent, *, status: str | None = None) -> None:
    """The term's own columns from `content` (relations and keys are the caller's)."""
    term.name = content.name
    term.name_key = name_key(content.name)
    term.initial = initial_of(content.name)
    term.definition = content.definition
    term.synonyms = list(content.synonyms)
    term.abbreviations = list(content.abbreviations)
    term.examples = list(content.examples)
    term.status = status or content.status


def apply_content(term: Term, content: TermContent, index: GlossaryIndex, *, status: str | None = None) -> Term:
    """Make `term` say `content` (a new row is inserted); keys and relations follow.

    A clash of names with a concurrent writer surfaces as the database's unique constraint: answered 409.
    """
    domain_slug = index.glossary.domain.slug
    term.glossary = index.glossary
    fill_term(term, content, status=status)
    term.parent_id = index.ids.get(content.parent) if content.parent else None
    replaced = local_slug(content.replaced_by, domain_slug) if content.replaced_by else None
    if content.replaced_by:
        term.replaced_by_id = index.ids.get(replaced) if replaced else index.external[content.replaced_by].id
    else:
        term.replaced_by_id = None
    try:
        with transaction.atomic():
            term.save()
            TermKey.objects.filter(term=term).delete()
            TermKey.objects.bulk_create(
                TermKey(glossary=index.glossary, term=term, key=key, folded=fold(key), kind=KeyKind(kind))
                for key, kind in content.index_keys.items()
            )
    except IntegrityError as exc:
        raise Conflict(
            f"Another term took the name or a synonym of '{content.name}' meanwhile; reload and try again.",
            path="/name",
        ) from exc
    term.related.set([index.ids[s] for s in content.related])
    term.same_as.set([index.external[r].id for r in content.same_as])
    term.stewards.set([index.users[u] for u in content.stewards])
    index.ids[term.slug] = term.pk
    return term


def record_version(
    term: Term,
    content: TermContent,
    *,
    change: str,
    reason: str,
    proposed_by_label: str,
    approved_by=None,
    approved_by_label: str = "",
    proposal=None,
) -> TermVersion:
    return TermVersion.objects.create(
        term=term,
        number=term.version,
        content=content.as_dict(),
        change=change,
        reason=reason,
        proposal=proposal,
        proposed_by_label=proposed_by_label[:200],
        approved_by=approved_by,
        approved_by_label=approved_by_label[:200],
    )
