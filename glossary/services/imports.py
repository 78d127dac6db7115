"""Importing a glossary file: every row checked first, then all written in bulk, or nothing at all.

Rows are matched to terms by slug (a row without one is a new term, its slug made from its name). A row equal
to the stored term changes nothing, so importing an export is a no-op. Terms absent from the file are left as
they are: a file adds and updates, it never deletes. An import is a stewards' act and records one version per
changed term ("imported"), like an approved proposal would.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.actors import Actor
from core.dispatch import enqueue_ids_on_commit, enqueue_on_commit
from core.errors import Conflict, FieldError, ValidationFailed
from glossary.content import SLUG_RE, TermContent, canonical, fold
from glossary.importexport import Current, ParsedRow, load_contents, parse
from glossary.models import Glossary, Proposal, Term, TermKey, TermVersion
from glossary.permissions import ensure_is_steward
from glossary.resolve import GlossaryIndex, check, local_slug
from glossary.services.bulk import allocate_ids, insert_objects, insert_rows, update_rows
from glossary.services.proposals import announce, proposer_people, who
from glossary.services.terms import fill_term, free_slug, glossary_for_domain
from glossary.signals import announce_terms_changed

MAX_REPORTED_ERRORS = 1000
ANALYZE_AFTER_ROWS = 1000


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


@dataclass
class _Planned:
    row: ParsedRow
    slug: str
    content: TermContent
    current: Current | None


def glossary_import(
    *, actor: Actor, domain_slug: str, raw: bytes | str, fmt: str, note: str = "", dry_run: bool = False
) -> ImportResult:
    """Import a CSV or JSON glossary file into the domain's glossary; `dry_run` checks and counts only.

    A bad file raises ValidationFailed naming every bad row (`/rows/<line>/<column>` for CSV, with the header
    as line 1; `/terms/<index>/<key>` for JSON) and writes nothing.
    """
    glossary = glossary_for_domain(domain_slug)
    ensure_is_steward(actor, glossary.domain, "import its glossary")
    if fmt not in ("csv", "json"):
        raise ValidationFailed([FieldError("/format", "Send 'csv' or 'json'.")])
    rows = parse(raw, fmt)
    current = load_contents(glossary)
    plan, index, errors = _plan(glossary, rows, current)
    if errors:
        bad_rows = len({e.path.split("/")[2] for e in errors if e.path.count("/") >= 2})
        shown = errors[:MAX_REPORTED_ERRORS]
        if len(errors) > len(shown):
            shown.append(FieldError("", f"… and {len(errors) - len(shown)} more errors."))
        raise ValidationFailed(shown, message=f"{bad_rows} rows have errors; nothing was imported.")
    result = ImportResult(dry_run=dry_run)
    changes = []
    for item in plan:
        if item.current is None:
            result.created.append(item.slug)
            changes.append(item)
        elif canonical(item.content) != canonical(item.current.content):
            result.updated.append(item.slug)
            changes.append(item)
        else:
            result.unchanged += 1
    if changes and not dry_run:
        reason = note.strip() or "Imported from a glossary file."
        _write(actor, glossary, changes, index, reason)
        if len(changes) >= ANALYZE_AFTER_ROWS and connection.vendor == "postgresql":
            # A big import leaves PostgreSQL's planner statistics behind until autovacuum catches up; with them
            # stale, the first page views sort the whole glossary instead of reading an index.
            with connection.cursor() as cursor:
                for model in (Term, TermKey, TermVersion):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return result


def _plan(
    glossary: Glossary, rows: list[ParsedRow], current: dict[str, Current]
) -> tuple[list[_Planned], GlossaryIndex, list[FieldError]]:
    errors: list[FieldError] = []
    plan: list[_Planned] = []
    taken: set[str] = set(current)
    seen: dict[str, str] = {}
    for row in rows:
        content = TermContent.from_dict({"status": "approved", **row.data})
        slug = row.slug or free_slug(content.name, taken)
        if not SLUG_RE.match(slug):
            errors.append(FieldError(f"{row.where}/slug", f"{row.label}: a slug is lower-case letters, digits, '-'."))
            continue
        if slug in seen:
            errors.append(FieldError(f"{row.where}/slug", f"{row.label}: slug '{slug}' also in {seen[slug]}."))
            continue
        seen[slug] = row.label
        taken.add(slug)
        plan.append(_Planned(row, slug, content, current.get(slug)))
    index = GlossaryIndex.load(glossary, [p.content for p in plan], all_keys=True)
    for item in plan:
        index.put(item.slug, item.content)
    for item in plan:
        row = item.row
        found = [
            FieldError(f"{row.where}{e.path}", f"{row.label}: {e.message}")
            for e in check(item.content, slug=item.slug, index=index)
        ]
        if item.current is not None:
            if item.current.status == "proposed":
                found.append(
                    FieldError(
                        f"{row.where}/slug",
                        f"{row.label}: '{item.slug}' is a proposed term; decide its proposal first.",
                    )
                )
            elif (
                row.version is not None
                and row.version != item.current.version
                and canonical(item.content) != canonical(item.current.content)
            ):
                found.append(
                    FieldError(
                        f"{row.where}/version",
                        f"{row.label}: edited against version {row.version}, but '{item.slug}' is at version "
                        f"{item.current.version} now; export again and redo the edit.",
                    )
                )
        errors.extend(found)
    return plan, index, errors


def _write(actor: Actor, glossary: Glossary, changes: list[_Planned], index: GlossaryIndex, reason: str) -> None:
    now = timezone.now()
    label = who(actor)
    try:
        with transaction.atomic():
            # Imports of one glossary take turns; proposals lock their own terms.
            Glossary.objects.select_for_update().filter(pk=glossary.pk).first()
            terms: dict[str, Term] = {}
            for item in changes:
                version = item.current.version + 1 if item.current is not None else 1
                pk = item.current.id if item.current is not None else None
                term = Term(pk=pk, glossary=glossary, slug=item.slug, version=version, updated_at=now)
                fill_term(term, item.content)
                terms[item.slug] = term
            created = [terms[c.slug] for c in changes if c.current is None]
            index.ids = dict(Term.objects.filter(glossary=glossary).values_list("slug", "pk"))
            allocated = allocate_ids(Term, len(created))
            if allocated is not None:  # PostgreSQL: ids first, so every reference is known before one COPY
                for term, pk in zip(created, allocated, strict=True):
                    term.pk, term.created_at = pk, now
                    index.ids[term.slug] = pk
                for item in changes:
                    _point(terms[item.slug], item.content, index)
                insert_objects(created, ["id", "created_at", *CONTENT_COLUMNS, *STATE_COLUMNS, "glossary", "slug"])
            else:  # SQLite: insert, then fill in the references (which may point at rows of this same file)
                Term.objects.bulk_create(created, batch_size=1000)
                index.ids.update((t.slug, t.pk) for t in created)
                for item in changes:
                    _point(terms[item.slug], item.content, index)
                update_rows([t for t in created if t.parent_id or t.replaced_by_id], ["parent", "replaced_by"])
            changed = [terms[c.slug] for c in changes if c.current is not None]
            update_rows(changed, [*CONTENT_COLUMNS, *STATE_COLUMNS])
            _write_relations(glossary, changes, terms, index)
            insert_rows(
                TermVersion,
                [
                    "term",
                    "number",
                    "content",
                    "change",
                    "reason",
                    "proposed_by_label",
                    "approved_by",
                    "approved_by_label",
                    "created_at",
                ],
                [
                    (
                        terms[c.slug].pk,
                        terms[c.slug].version,
                        c.content.as_dict(),
                        "imported",
                        reason,
                        label[:200],
                        actor.user.pk if actor.user else None,
                        label[:200],
                        now,
                    )
                    for c in changes
                ],
            )
            _tell_stale(actor, [c.current.id for c in changes if c.current is not None])
            changed_ids = [t.pk for t in terms.values()]
            _suggest_later(glossary.pk, changed_ids)
            announce_terms_changed(changed_ids)
    except IntegrityError as exc:
        raise Conflict("The glossary changed while the file was imported; import it again.") from exc


CONTENT_COLUMNS = ["name", "name_key", "initial", "definition", "synonyms", "abbreviations", "examples", "status"]
STATE_COLUMNS = ["parent", "replaced_by", "version", "updated_at"]


def _point(term: Term, content: TermContent, index: GlossaryIndex) -> None:
    term.parent_id = index.ids[content.parent] if content.parent else None
    if not content.replaced_by:
        term.replaced_by_id = None
        return
    local = local_slug(content.replaced_by, index.glossary.domain.slug)
    term.replaced_by_id = index.ids[local] if local else index.external[content.replaced_by].id


def _write_relations(glossary: Glossary, changes: list[_Planned], terms: dict[str, Term], index: GlossaryIndex) -> None:
    updated_ids = [c.current.id for c in changes if c.current is not None]
    related_model, same_model, stewards_model = Term.related.through, Term.same_as.through, Term.stewards.through
    if updated_ids:
        # Old keys go first so that a name moving from one changed term to another does not clash with itself.
        for chunk in _chunks(updated_ids):
            TermKey.objects.filter(term_id__in=chunk).delete()
            related_model.objects.filter(from_term_id__in=chunk).delete()
            same_model.objects.filter(from_term_id__in=chunk).delete()
            stewards_model.objects.filter(term_id__in=chunk).delete()
    keys: list[tuple] = []
    related: list[tuple] = []
    same: list[tuple] = []
    stewards: list[tuple] = []
    for item in changes:
        term_id = terms[item.slug].pk
        keys.extend((glossary.pk, term_id, key, fold(key), kind) for key, kind in item.content.index_keys.items())
        related.extend((term_id, index.ids[s]) for s in item.content.related)
        same.extend((term_id, index.external[r].id) for r in item.content.same_as)
        stewards.extend((term_id, index.users[u]) for u in item.content.stewards)
    insert_rows(TermKey, ["glossary", "term", "key", "folded", "kind"], keys)
    insert_rows(related_model, ["from_term", "to_term"], related)
    insert_rows(same_model, ["from_term", "to_term"], same)
    insert_rows(stewards_model, ["term", "user"], stewards)


def _tell_stale(actor: Actor, term_ids: list[int]) -> None:
    if not term_ids:
        return
    stale = [
        p
        for chunk in _chunks(term_ids)
        for p in Proposal.objects.pending()
        .filter(term_id__in=chunk)
        .select_related("glossary__domain", "proposed_by", "proposed_by_token__created_by")
    ]
    for proposal in stale:
        announce(
            proposal,
            actor=actor,
            recipients=proposer_people(proposal),
            kind="proposal_stale",
            title=f"Rebase needed: “{proposal.title}” was changed by an import",
        )


def _suggest_later(glossary_id: int, term_ids: list[int]) -> None:
    """Queue link suggestions for once the import commits."""
    # A big import rescans the glossary rather than put thousands of ids in a task message and an IN (...).
    if len(term_ids) > 1000:
        enqueue_on_commit("glossary.tasks.suggest_links_in_glossary", glossary_id)
    else:
        enqueue_ids_on_commit("glossary.tasks.suggest_links_for_terms", term_ids)


def _chunks(ids: list[int], size: int = 5000):
    """Keep `IN (...)` lists under SQLite's limit on bound parameters."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
