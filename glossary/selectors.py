"""Reads for the glossary pages and API: each answers in a fixed number of queries, whatever the glossary's size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import CharField, Count, Prefetch, Q, QuerySet, Value
from django.http import Http404
from django.shortcuts import get_object_or_404

from catalog.models import DataProduct, Domain, TeamMembership, TeamRole
from catalog.selectors import domain_tree
from core.actors import Actor, memberships
from glossary.content import TermContent, content_of, name_key
from glossary.diff import FieldDiff, diff_contents
from glossary.models import (
    Glossary,
    LinkSuggestion,
    Proposal,
    ProposalEvent,
    ProposalStatus,
    SuggestionStatus,
    Term,
    TermFieldLink,
    TermKey,
    TermProductLink,
    TermStatus,
    TermVersion,
)
from glossary.permissions import domain_stewards, is_steward

VERSIONS_SHOWN = 25
LETTERS = [chr(c) for c in range(ord("A"), ord("Z") + 1)] + ["#"]

# ---- glossaries and term lists ---------------------------------------------------------------------------


@dataclass
class GlossarySummary:
    domain: Domain
    term_count: int = 0
    proposed_count: int = 0
    pending_proposals: int = 0


def glossaries_overview() -> list[GlossarySummary]:
    """Every domain with the size of its glossary (domains without one yet show zero)."""
    domains = list(Domain.objects.select_related("parent").order_by("name"))
    rows: dict[int, GlossarySummary] = {d.pk: GlossarySummary(d) for d in domains}
    domain_of = dict(Glossary.objects.values_list("pk", "domain_id"))
    # Grouped by the term table's own columns (an index covers them): no join over every term.
    counts = Term.objects.values("glossary_id", "status").annotate(n=Count("pk")).order_by()
    for row in counts:
        summary = rows.get(domain_of.get(row["glossary_id"], 0))
        if summary is None:
            continue
        if row["status"] == TermStatus.PROPOSED:
            summary.proposed_count += row["n"]
        else:
            summary.term_count += row["n"]
    pending = Proposal.objects.waiting_for_review().values("glossary_id").annotate(n=Count("pk")).order_by()
    for waiting in pending:
        summary = rows.get(domain_of.get(waiting["glossary_id"], 0))
        if summary is not None:
            summary.pending_proposals = waiting["n"]
    return list(rows.values())


def glossary_of(domain_slug: str) -> tuple[Domain, Glossary | None]:
    """The domain and its glossary, None when nobody has written to it yet (404 for an unknown domain)."""
    domain = get_object_or_404(Domain.objects.select_related("owner_team", "parent"), slug=domain_slug)
    glossary = Glossary.objects.filter(domain=domain).first()
    if glossary is not None:
        glossary.domain = domain
    return domain, glossary


def letter_counts(glossary: Glossary | None = None) -> dict[str, int]:
    """How many terms start with each letter (one GROUP BY on an index)."""
    terms = Term.objects.all() if glossary is None else Term.objects.filter(glossary=glossary)
    found = dict(terms.order_by().values_list("initial").annotate(n=Count("pk")).values_list("initial", "n"))
    return {letter: found.get(letter, 0) for letter in LETTERS}


def term_list(glossary: Glossary | None = None, *, letter: str = "", q: str = "", status: str = "") -> QuerySet[Term]:
    """Terms in A-Z order, narrowed by initial, by a text that appears in a name or synonym, and by status."""
    terms = Term.objects.all() if glossary is None else Term.objects.filter(glossary=glossary)
    if letter:
        terms = terms.filter(initial=letter)
    if status:
        terms = terms.filter(status=status)
    if q:
        # Names, synonyms and abbreviations all live in TermKey; the subquery keeps one row per term.
        keys = TermKey.objects.filter(key__contains=name_key(q))
        terms = terms.filter(pk__in=keys.values("term_id"))
    # A list shows names, never definitions: leaving the long columns out halves the query on big pages.
    return (
        terms.select_related("glossary__domain")
        .only(*LIST_COLUMNS, "glossary__domain__slug", "glossary__domain__name")
        .order_by("name_key", "pk")
    )


LIST_COLUMNS = ("slug", "name", "name_key", "status", "synonyms", "abbreviations", "glossary_id", "parent_id")


def tree_level(glossary: Glossary, parent: Term | None) -> QuerySet[Term]:
    """One level of the hierarchy, each term with how many children it has (expanded on demand)."""
    terms = Term.objects.filter(glossary=glossary).exclude(status=TermStatus.PROPOSED)
    terms = terms.filter(parent=parent) if parent is not None else terms.filter(parent__isnull=True)
    return (
        terms.only(*LIST_COLUMNS)
        .annotate(child_count=Count("children", filter=~Q(children__status=TermStatus.PROPOSED)))
        .order_by("name_key", "pk")
    )


# ---- one term --------------------------------------------------------------------------------------------


@dataclass
class TermDetail:
    term: Term
    content: TermContent
    related: list[Term]
    same_as: list[Term]
    children: list[Term]
    related_from: list[Term]
    same_as_from: list[Term]
    replaces: list[Term]
    stewards: list
    stewards_are_named: bool
    versions: list[TermVersion]
    version_count: int
    field_links: list[TermFieldLink]
    product_links: list[TermProductLink]
    pending: list[Proposal]
    suggestions: list[LinkSuggestion] = field(default_factory=list)
    can_steward: bool = False


def term_queryset() -> QuerySet[Term]:
    return Term.objects.select_related(
        "glossary__domain__owner_team", "parent", "replaced_by__glossary__domain"
    ).prefetch_related(
        Prefetch("related", queryset=Term.objects.select_related("glossary__domain").order_by("name_key")),
        Prefetch("same_as", queryset=Term.objects.select_related("glossary__domain").order_by("name_key")),
        "stewards",
    )


def term_get(domain_slug: str, slug: str) -> Term:
    return get_object_or_404(term_queryset(), glossary__domain__slug=domain_slug, slug=slug)


def _neighbours(term: Term) -> dict[str, list[Term]]:
    """The terms around this one, both ways (related and same-as it declares, and those pointing at it:
    narrower, related to it, same as it, replaced by it) in two queries instead of six.

    Plain ORs of indexed columns, so that SQLite and PostgreSQL answer each part from an index.
    """

    def part(model, column: str, match: str, kind: str):
        return model.objects.filter(**{match: term}).values_list(column, Value(kind, output_field=CharField()))

    related, same = Term.related.through, Term.same_as.through
    pointing = part(related, "from_term_id", "to_term", "related_from").union(
        part(same, "from_term_id", "to_term", "same_as_from"),
        part(related, "to_term_id", "from_term", "related"),
        part(same, "to_term_id", "from_term", "same_as"),
        all=True,
    )
    how: dict[int, set[str]] = {}
    for pk, kind in pointing:
        how.setdefault(pk, set()).add(kind)
    rows = (
        Term.objects.filter(Q(parent=term) | Q(replaced_by=term) | Q(pk__in=list(how)))
        .select_related("glossary__domain")
        .only(*LIST_COLUMNS, "replaced_by_id", "glossary__domain__slug", "glossary__domain__name")
        .order_by("name_key", "pk")
    )
    found: dict[str, list[Term]] = {
        k: [] for k in ("children", "replaces", "related", "related_from", "same_as", "same_as_from")
    }
    for row in rows:
        if row.parent_id == term.pk and row.status != TermStatus.PROPOSED:
            found["children"].append(row)
        if row.replaced_by_id == term.pk:
            found["replaces"].append(row)
        for kind in how.get(row.pk, ()):
            found[kind].append(row)
    return found


def term_detail(domain_slug: str, slug: str, actor: Actor | None = None) -> TermDetail:
    term = get_object_or_404(
        Term.objects.select_related("glossary__domain__owner_team", "parent", "replaced_by__glossary__domain"),
        glossary__domain__slug=domain_slug,
        slug=slug,
    )
    domain = term.glossary.domain
    named = list(term.stewards.all())
    domain_people = domain_stewards(domain)
    domain_ids = {user.pk for user in domain_people}
    versions = list(term.versions.select_related("approved_by")[:VERSIONS_SHOWN])
    near = _neighbours(term)
    detail = TermDetail(
        term=term,
        content=content_of(term, related=near["related"], same_as=near["same_as"]),
        related=near["related"],
        same_as=near["same_as"],
        children=near["children"],
        related_from=near["related_from"],
        same_as_from=near["same_as_from"],
        replaces=near["replaces"],
        stewards=named or domain_people,
        stewards_are_named=bool(named),
        versions=versions,
        version_count=term.version,
        field_links=list(
            TermFieldLink.objects.filter(term=term)
            .select_related("field__port__product__domain")
            .order_by("field__port__product__name", "field__port__name", "field__name")
        ),
        product_links=list(
            TermProductLink.objects.filter(term=term).select_related("product__domain").order_by("product__name")
        ),
        pending=list(Proposal.objects.pending().filter(term=term).order_by("created_at")),
    )
    # The same rule as permissions.is_steward, from what is loaded already.
    if (
        actor is not None
        and actor.user is not None
        and (actor.is_staff or actor.user.pk in domain_ids | {u.pk for u in named})
    ):
        detail.can_steward = True
        detail.suggestions = list(
            LinkSuggestion.objects.filter(term=term, status=SuggestionStatus.OPEN).select_related(
                "field__port__product__domain"
            )[:100]
        )
    return detail


@dataclass
class VersionDetail:
    term: Term
    version: TermVersion
    previous: TermVersion | None
    diff: list[FieldDiff]

    @property
    def left_label(self) -> str:
        return f"Version {self.previous.number}" if self.previous else "Before"

    @property
    def right_label(self) -> str:
        return f"Version {self.version.number}"


def version_detail(domain_slug: str, slug: str, number: int) -> VersionDetail:
    term = get_object_or_404(
        Term.objects.select_related("glossary__domain"), glossary__domain__slug=domain_slug, slug=slug
    )
    versions = {
        v.number: v for v in term.versions.filter(number__in=[number, number - 1]).select_related("approved_by")
    }
    version = versions.get(number)
    if version is None:
        raise Http404(f"No version {number} of this term.")
    previous = versions.get(number - 1)
    before = TermContent.from_dict(previous.content) if previous else None
    return VersionDetail(term, version, previous, diff_contents(before, TermContent.from_dict(version.content)))


# ---- proposals -------------------------------------------------------------------------------------------


@dataclass
class ProposalDetail:
    proposal: Proposal
    diff: list[FieldDiff]
    events: list[ProposalEvent]
    can_decide: bool
    is_proposer: bool
    current_version: int | None

    @property
    def base_label(self) -> str:
        return (
            f"Version {self.proposal.base_version} (current)"
            if not self.proposal.is_stale
            else (f"Version {self.proposal.base_version}")
        )


def proposal_detail(pk: int, actor: Actor) -> ProposalDetail:
    proposal = get_object_or_404(
        Proposal.objects.select_related(
            "glossary__domain__owner_team", "term", "proposed_by", "decided_by", "proposed_by_token__team"
        ),
        pk=pk,
    )
    before = TermContent.from_dict(proposal.base_content) if proposal.base_content else None
    diff = diff_contents(before, TermContent.from_dict(proposal.content))
    events = list(proposal.events.select_related("author"))
    mine = (actor.user is not None and proposal.proposed_by_id == actor.user.pk) or (
        actor.token is not None and proposal.proposed_by_token_id == actor.token.pk
    )
    decide = proposal.is_pending and actor.token is None and is_steward(actor, proposal.glossary.domain, proposal.term)
    current = proposal.term.version if proposal.term is not None else None
    return ProposalDetail(proposal, diff, events, decide, mine, current)


def steward_domain_ids(user) -> set[int]:
    """Domains whose glossary `user` stewards: where they are a steward (or an owner of a team naming no
    steward), and every domain below those."""
    if user is None or not user.is_authenticated:
        return set()
    rows = [(m.team_id, m.role) for m in memberships(user)]  # read once per request, for every page's badge
    steward_teams = {team for team, role in rows if role == TeamRole.STEWARD}
    owner_teams = {team for team, role in rows if role == TeamRole.OWNER}
    if owner_teams:
        with_stewards = set(
            TeamMembership.objects.filter(team_id__in=owner_teams, role=TeamRole.STEWARD).values_list(
                "team_id", flat=True
            )
        )
        steward_teams |= owner_teams - with_stewards
    if not steward_teams:
        return set()
    tree = domain_tree()
    top = [d.pk for node in tree.by_id.values() if (d := node.domain).owner_team_id in steward_teams]
    return {pk for domain_id in top for pk in tree.descendant_ids(domain_id)}


def steward_inbox(user) -> QuerySet[Proposal]:
    """Pending proposals `user` may decide, oldest first: the steward's review queue."""
    if user is None or not user.is_authenticated:
        return Proposal.objects.none()
    scope = Q(term__stewards=user)
    if user.is_staff:
        scope = Q()
    else:
        domains = steward_domain_ids(user)
        if domains:
            scope |= Q(glossary__domain_id__in=domains)
    ids = Proposal.objects.pending().filter(scope).values("pk")
    return (
        Proposal.objects.filter(pk__in=ids)
        .select_related("glossary__domain", "term", "proposed_by")
        .order_by("status", "created_at", "pk")
    )


def review_count(user) -> int:
    """Proposals waiting for this steward's review: the number for a navigation badge."""
    return steward_inbox(user).filter(status=ProposalStatus.OPEN).count()


def my_proposals(user) -> QuerySet[Proposal]:
    if user is None or not user.is_authenticated:
        return Proposal.objects.none()
    return Proposal.objects.filter(proposed_by=user).select_related("glossary__domain", "term").order_by("-created_at")


# ---- where terms are used --------------------------------------------------------------------------------


@dataclass
class ProductGlossary:
    """A product's terms and each field's terms, for the product page (two queries)."""

    terms: list[Term]
    by_field: dict[int, list[Term]]

    def for_field(self, field_id: int) -> list[Term]:
        return self.by_field.get(field_id, [])


def product_glossary(product: DataProduct) -> ProductGlossary:
    terms = [
        link.term
        for link in TermProductLink.objects.filter(product=product)
        .select_related("term__glossary__domain")
        .order_by("term__name_key")
    ]
    by_field: dict[int, list[Term]] = defaultdict(list)
    links = (
        TermFieldLink.objects.filter(field__port__product=product)
        .select_related("term__glossary__domain")
        .order_by("term__name_key")
    )
    for link in links:
        by_field[link.field_id].append(link.term)
    return ProductGlossary(terms, dict(by_field))


def open_suggestions(glossary: Glossary) -> QuerySet[LinkSuggestion]:
    return (
        LinkSuggestion.objects.filter(term__glossary=glossary, status=SuggestionStatus.OPEN)
        .select_related("term", "field__port__product__domain")
        .order_by("term__name_key", "field__port__product__name", "field__name")
    )
