"""Linking terms to products and output-port fields, and suggesting links where a field mentions a term."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import DataProduct, SchemaField
from core.actors import Actor
from core.errors import Conflict, FieldError, NotFound, ValidationFailed
from glossary.content import MAX_PHRASE_WORDS, words
from glossary.models import (
    NAMING_KINDS,
    LinkSuggestion,
    SuggestionStatus,
    Term,
    TermFieldLink,
    TermKey,
    TermProductLink,
    TermStatus,
)
from glossary.permissions import ensure_can_link, ensure_is_steward
from glossary.signals import announce_terms_changed

# ---- targets ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    product: DataProduct
    field: SchemaField | None = None


def resolve_target(*, product: str, port: str = "", field: str = "", obj: str = "", version: str = "") -> Target:
    """A product ('domain/slug'), or one of its fields named by port (and version, object) and field name."""
    domain_slug, _, slug = product.partition("/")
    found = DataProduct.objects.select_related("domain", "owner_team").filter(domain__slug=domain_slug, slug=slug)
    target = found.first()
    if target is None:
        raise NotFound(f"No product '{product}'.", path="/product")
    if not field:
        return Target(target)
    fields = SchemaField.objects.select_related("port").filter(
        port__product=target, port__name=port, name=field, object_name=obj
    )
    if version:
        fields = fields.filter(port__version=version)
    matches = list(fields[:2])
    if not matches:
        raise NotFound(f"No field '{field}' in port '{port}' of '{product}'.", path="/field")
    if len(matches) > 1:
        raise ValidationFailed([FieldError("/version", f"Port '{port}' has several versions; name one.")])
    return Target(target, matches[0])


def parse_target(text: str) -> dict[str, str]:
    """The pages' short form: 'domain/slug' or 'domain/slug#port.field' or 'domain/slug#port.object.field'."""
    product, _, rest = text.strip().partition("#")
    parts = rest.split(".") if rest else []
    if not re.fullmatch(r"[-\w]+/[-\w]+", product) or len(parts) not in (0, 2, 3):
        raise ValidationFailed(
            [FieldError("/target", "Write 'domain/product', or 'domain/product#port.field' for a field.")]
        )
    if len(parts) == 3:
        return {"product": product, "port": parts[0], "obj": parts[1], "field": parts[2]}
    if len(parts) == 2:
        return {"product": product, "port": parts[0], "field": parts[1]}
    return {"product": product}


# ---- links -----------------------------------------------------------------------------------------------


def term_link(*, actor: Actor, term: Term, target: Target) -> TermFieldLink | TermProductLink:
    """Link the term to a product or a field; linking twice changes nothing."""
    ensure_can_link(actor, term, target.product)
    if term.status == TermStatus.PROPOSED:
        raise ValidationFailed([FieldError("/term", "Link a term once it is approved.")])
    with transaction.atomic():
        announce_terms_changed([term.pk], [target.product.pk])
        if target.field is not None:
            link, _ = TermFieldLink.objects.get_or_create(
                term=term, field=target.field, defaults={"created_by": actor.user}
            )
            # A manual link settles any open suggestion for the same pair.
            LinkSuggestion.objects.filter(term=term, field=target.field, status=SuggestionStatus.OPEN).update(
                status=SuggestionStatus.ACCEPTED, decided_by=actor.user, decided_at=timezone.now()
            )
            return link
        product_link, _ = TermProductLink.objects.get_or_create(
            term=term, product=target.product, defaults={"created_by": actor.user}
        )
        return product_link


def term_unlink(*, actor: Actor, term: Term, target: Target) -> int:
    ensure_can_link(actor, term, target.product)
    with transaction.atomic():
        announce_terms_changed([term.pk], [target.product.pk])
        if target.field is not None:
            return TermFieldLink.objects.filter(term=term, field=target.field).delete()[0]
        return TermProductLink.objects.filter(term=term, product=target.product).delete()[0]


# ---- suggestions -----------------------------------------------------------------------------------------


def _phrases(term_ids: list[int] | None, glossary_id: int | None) -> dict[tuple[str, ...], list[tuple[int, str]]]:
    """Names and synonyms of approved terms, as word tuples -> [(term id, phrase as written)]."""
    keys = TermKey.objects.filter(term__status=TermStatus.APPROVED, kind__in=NAMING_KINDS)
    if term_ids is not None:
        keys = keys.filter(term_id__in=term_ids)
    if glossary_id is not None:
        keys = keys.filter(glossary_id=glossary_id)
    out: dict[tuple[str, ...], list[tuple[int, str]]] = defaultdict(list)
    for term_id, key in keys.values_list("term_id", "key"):
        phrase = words(key)
        # One short word ("id", "no") would match half the catalog; such terms are linked by hand.
        if phrase and (len(phrase) > 1 or len(phrase[0]) >= 4) and len(phrase) <= MAX_PHRASE_WORDS:
            out[phrase].append((term_id, key))
    return out


def _matches(text: str, phrases: dict, longest: int) -> dict[int, str]:
    found: dict[int, str] = {}
    tokens = words(text)
    for size in range(min(longest, len(tokens)), 0, -1):
        for start in range(len(tokens) - size + 1):
            for term_id, key in phrases.get(tokens[start : start + size], ()):
                found.setdefault(term_id, key)
    return found


def suggest_links(
    *, term_ids: Iterable[int] | None = None, field_ids: Iterable[int] | None = None, glossary_id: int | None = None
) -> int:
    """Record a suggestion wherever a field's name or description mentions an approved term's name or synonym.

    Pairs already linked or already suggested (open, accepted or dismissed) are left alone, so a dismissed
    suggestion never comes back. Answers how many suggestions were added.
    """
    term_ids = list(term_ids) if term_ids is not None else None
    phrases = _phrases(term_ids, glossary_id)
    if not phrases:
        return 0
    longest = max(len(p) for p in phrases)
    fields = SchemaField.objects.all()
    if field_ids is not None:
        fields = fields.filter(pk__in=list(field_ids))
    found: list[LinkSuggestion] = []
    for field_id, name, description in fields.values_list("pk", "name", "description").iterator(chunk_size=2000):
        by_name = _matches(name, phrases, longest)
        by_text = _matches(description, phrases, longest) if description else {}
        for term_id, key in by_name.items():
            found.append(LinkSuggestion(term_id=term_id, field_id=field_id, matched=key[:200], where="name"))
        for term_id, key in by_text.items():
            if term_id not in by_name:
                found.append(LinkSuggestion(term_id=term_id, field_id=field_id, matched=key[:200], where="description"))
    if not found:
        return 0
    links, earlier = TermFieldLink.objects.all(), LinkSuggestion.objects.all()
    # Only the terms that matched; a glossary-wide run with more than that many falls back to all pairs rather
    # than send an IN (...) list past SQLite's limit on bound parameters.
    matched = sorted({s.term_id for s in found})
    if len(matched) <= 5000:
        links, earlier = links.filter(term_id__in=matched), earlier.filter(term_id__in=matched)
    known = set(links.values_list("term_id", "field_id")) | set(earlier.values_list("term_id", "field_id"))
    fresh = [s for s in found if (s.term_id, s.field_id) not in known]
    # ignore_conflicts: a concurrent run may have recorded the same pair since we looked.
    LinkSuggestion.objects.bulk_create(fresh, batch_size=1000, ignore_conflicts=True)
    return len(fresh)


def suggestion_decide(*, actor: Actor, suggestion_id: int, accept: bool) -> LinkSuggestion:
    """A steward of the term's domain accepts (the link is made) or dismisses (never suggested again)."""
    with transaction.atomic():
        suggestion = (
            LinkSuggestion.objects.select_for_update(of=("self",))
            .select_related("term__glossary__domain", "field")
            .filter(pk=suggestion_id)
            .first()
        )
        if suggestion is None:
            raise NotFound(f"No suggestion #{suggestion_id}.")
        ensure_is_steward(actor, suggestion.term.glossary.domain, "decide link suggestions of its glossary")
        if suggestion.status != SuggestionStatus.OPEN:
            raise Conflict(f"This suggestion is already {suggestion.get_status_display().lower()}.")
        suggestion.status = SuggestionStatus.ACCEPTED if accept else SuggestionStatus.DISMISSED
        suggestion.decided_by = actor.user
        suggestion.decided_at = timezone.now()
        suggestion.save(update_fields=["status", "decided_by", "decided_at"])
        if accept:
            announce_terms_changed([suggestion.term_id])
            try:
                with transaction.atomic():
                    TermFieldLink.objects.get_or_create(
                        term=suggestion.term, field=suggestion.field, defaults={"created_by": actor.user}
                    )
            except IntegrityError:  # linked by hand at the same moment: the link exists, which is the point
                pass
    return suggestion
