"""Writes of the governance app: evaluating the policies into findings and scores, and refreshing health.

Evaluation is idempotent and safe to run twice at once: findings are matched to the open finding of the same
product and policy (locked while they are updated), a new one is inserted against a partial unique constraint
that admits one open finding per product and policy, and scores are upserted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from catalog.models import DataProduct, Team, TeamMembership
from core.bulk import insert_ignoring_conflicts, upsert
from core.notifications import notify
from governance import counts
from governance import health as health_module
from governance.models import Finding, FindingStatus, PendingEvaluation, ProductScore, Severity
from governance.policies import BY_ID, Batch, Policy, active_policies
from search.extensions import on_commit_index

log = logging.getLogger(__name__)

BATCH_SIZE = 500
DEFAULT_SEVERITY_WEIGHTS = {"error": 5.0, "warning": 2.0, "info": 1.0}


def severity_weights() -> dict[str, float]:
    return {**DEFAULT_SEVERITY_WEIGHTS, **(getattr(settings, "GOVERNANCE_SEVERITY_WEIGHTS", {}) or {})}


NEWS_LINES = 20  # findings listed in one team's message; the rest are counted


@dataclass
class TeamNews:
    """New error findings on one team's products during one evaluation run: counted in full, listed up to
    NEWS_LINES (a nightly run over a large mesh keeps a bounded amount per team, however many open)."""

    count: int = 0
    lines: list[str] = field(default_factory=list)
    product_urls: set[str] = field(default_factory=set)
    domain_slugs: set[str] = field(default_factory=set)

    def add(self, line: str) -> None:
        """One more finding: counted, and listed while fewer than NEWS_LINES are."""
        self.count += 1
        if len(self.lines) < NEWS_LINES:
            self.lines.append(line)

    def about(self, product: DataProduct) -> None:
        """Where the message points: the one product's page while there is one, else the domain's policy list."""
        if len(self.product_urls) <= 1:
            self.product_urls.add(product.get_absolute_url())
        self.domain_slugs.add(product.domain.slug)

    def listing(self) -> list[str]:
        """The lines kept, and how many more were counted."""
        more = self.count - len(self.lines)
        return [*self.lines, *([f"... and {more} more."] if more > 0 else [])]

    def merge(self, other: TeamNews) -> None:
        self.count += other.count
        self.lines += other.lines[: max(0, NEWS_LINES - len(self.lines))]
        if len(self.product_urls) <= 1:
            self.product_urls |= other.product_urls
        self.domain_slugs |= other.domain_slugs


@dataclass
class EvaluationResult:
    products: int = 0  # evaluated (in scope)
    out_of_scope: int = 0
    opened: int = 0
    resolved: int = 0
    still_open: int = 0
    # owner team id -> the error findings this run opened on its products (announced once per run)
    news: dict[int, TeamNews] = field(default_factory=dict)
    # owner team id -> the products this run found to be retirement candidates (no usage in 90 days), counted in
    # full and listed up to NEWS_LINES: at 1M unused products a full list was a million lines held to the end
    retiring: dict[int, TeamNews] = field(default_factory=dict)

    def add(self, other: EvaluationResult) -> None:
        for name in ("products", "out_of_scope", "opened", "resolved", "still_open"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.news, other.news), (self.retiring, other.retiring)):
            for team_id, news in theirs.items():
                mine.setdefault(team_id, TeamNews()).merge(news)

    def line(self) -> str:
        return (
            f"{self.products} products evaluated ({self.out_of_scope} out of scope), {self.opened} findings opened, "
            f"{self.resolved} resolved, {self.still_open} still open"
        )


def score_of(results: dict[str, str | None], policies: dict[str, Policy]) -> float:
    """0-100: the severity-weighted share of the applicable policies that pass."""
    weights = severity_weights()
    total = sum(weights[policies[pid].severity] for pid in results)
    if not total:
        return 100.0
    passed = sum(weights[policies[pid].severity] for pid, message in results.items() if message is None)
    return round(100.0 * passed / total, 1)


def governance_evaluate(
    *, product_ids: Iterable[int], claim: Callable[[list[int]], None] | None = None
) -> EvaluationResult:
    """Evaluate every active policy for these products: open, update and resolve findings, store scores and
    health, and tell each owning team about the error findings this run opened. Products that no longer exist
    are skipped; products out of scope lose their findings and score. `claim(ids)` runs first in each batch's
    write transaction (governance/pending.py takes its rows there)."""
    result = EvaluationResult()
    for chunk in _chunks(sorted(set(product_ids))):
        result.add(_evaluate_batch(chunk, claim=claim))
    _announce_new_errors(result.news)
    _announce_retirement_candidates(result.retiring)
    return result


def governance_evaluate_all(*, batch_size: int = BATCH_SIZE) -> EvaluationResult:
    """The nightly run: every product, batch by batch in id order (keyset pagination: one batch of ids in memory
    at a time, whatever the size of the catalog; a product created meanwhile is evaluated if its id comes later,
    and by its own on-change evaluation anyway)."""
    result = EvaluationResult()
    last = 0
    while True:
        ids = list(DataProduct.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        with transaction.atomic():
            # Products a write left pending (governance/pending.py) are evaluated here: deleted first, in the
            # batch's transaction, so a write committing meanwhile queues its product again.
            PendingEvaluation.objects.filter(product_id__in=ids).delete()
            result.add(_evaluate_batch(ids))
        last = ids[-1]
    # Scores of products deleted since are gone by cascade; findings of policies removed from the registry close.
    active = [p.id for p in active_policies()]
    result.resolved += (
        Finding.objects.open()
        .exclude(policy_id__in=active)
        .update(status=FindingStatus.RESOLVED, resolved_at=timezone.now())
    )
    _announce_new_errors(result.news)
    _announce_retirement_candidates(result.retiring)
    return result


def _evaluate_batch(ids: list[int], *, claim: Callable[[list[int]], None] | None = None) -> EvaluationResult:
    now = timezone.now()
    policies = {p.id: p for p in active_policies()}
    result = EvaluationResult()
    # Reading and checking come before the write transaction: on SQLite it holds the only writer lock from BEGIN,
    # and the checks are most of the work (every product write waited for them). What changes meanwhile is
    # evaluated again: the write that changed it queues its product again (governance/pending.py).
    products = list(DataProduct.objects.filter(pk__in=ids).select_related("owner_team", "domain").order_by("pk"))
    in_scope = [p for p in products if any(policy.applies(p) for policy in policies.values())]
    scope_ids = {p.pk for p in in_scope}
    result.products, result.out_of_scope = len(in_scope), len(products) - len(in_scope)

    inputs = health_module.gather_inputs(scope_ids, governance=False)  # the score is computed below
    # The health inputs already hold each product's SLO state: "none" means it declares no SLO.
    batch = Batch(
        in_scope,
        with_slos={pid for pid, i in inputs.items() if i.slo_state not in ("none", "")},
        # ... and the last day each was used (usage app), for the retirement-candidate policy.
        last_used={pid: i.last_used for pid, i in inputs.items() if i.last_used is not None},
    )

    outcome: dict[int, dict[str, str | None]] = {p.pk: {} for p in in_scope}
    by_pk = {p.pk: p for p in in_scope}
    for policy in policies.values():
        for pid, message in policy.check(batch).items():
            if policy.applies(by_pk[pid]):
                outcome[pid][policy.id] = message

    with transaction.atomic():
        if claim is not None:
            claim(ids)
        existing = {
            (f.product_id, f.policy_id): f
            for f in Finding.objects.open().filter(product_id__in=ids).select_for_update().order_by("pk")
        }
        to_create, to_update, to_resolve, seen = [], [], [], []
        for pid, results in outcome.items():
            for policy_id, message in results.items():
                found = existing.pop((pid, policy_id), None)
                if message is None:
                    if found is not None:
                        to_resolve.append(found.pk)
                    continue
                severity = policies[policy_id].severity
                if found is None:
                    to_create.append(
                        Finding(
                            product_id=pid,
                            policy_id=policy_id,
                            severity=severity,
                            message=message,
                            opened_at=now,
                            last_seen_at=now,
                        )
                    )
                else:
                    seen.append(found.pk)
                    if (found.message, found.severity) != (message, severity):
                        found.message, found.severity = message, severity
                        to_update.append(found)
        # Whatever is left open was not checked this time: product out of scope, or a policy no longer active.
        to_resolve += [f.pk for f in existing.values()]
        if to_create:
            insert_ignoring_conflicts(Finding, to_create)
            result.news = _news(
                by_pk, [(f.product_id, f.policy_id) for f in to_create if f.severity == Severity.ERROR], now
            )
            result.retiring = _retiring(by_pk, [f.product_id for f in to_create if f.policy_id == RETIREMENT], now)
        # Most findings are seen again unchanged: one UPDATE for all of them, a bulk CASE only for changed texts
        # (a CASE over thousands of rows costs seconds to build).
        if seen:
            Finding.objects.filter(pk__in=seen).update(last_seen_at=now)
        if to_update:
            Finding.objects.bulk_update(to_update, ["message", "severity"])
        if to_resolve:
            Finding.objects.filter(pk__in=to_resolve).update(status=FindingStatus.RESOLVED, resolved_at=now)
        result.opened, result.resolved, result.still_open = len(to_create), len(to_resolve), len(seen)

        cfg = health_module.config()
        before = dict(ProductScore.objects.filter(product_id__in=ids).values_list("product_id", "health"))
        scores = []
        for p in in_scope:
            results = outcome[p.pk]
            score = score_of(results, policies)
            failing = [policies[pid].severity for pid, message in results.items() if message is not None]
            figures = inputs[p.pk]
            figures.governance = score
            scores.append(
                ProductScore(
                    product_id=p.pk,
                    domain_id=p.domain_id,
                    score=score,
                    checked=len(results),
                    passed=len(results) - len(failing),
                    errors=failing.count("error"),
                    warnings=failing.count("warning"),
                    infos=failing.count("info"),
                    evaluated_at=now,
                    health_at=now,
                    **_health_columns(figures, cfg),
                )
            )
        if scores:
            upsert(
                ProductScore,
                scores,
                unique=["product"],
                update=[
                    "domain",
                    "score",
                    "checked",
                    "passed",
                    "errors",
                    "warnings",
                    "infos",
                    "evaluated_at",
                    "health",
                    "slo_compliance",
                    "rating_average",
                    "rating_count",
                    "consumers",
                    "health_at",
                ],
            )
        out_of_scope = [pid for pid in ids if pid not in scope_ids]
        if out_of_scope:
            ProductScore.objects.filter(product_id__in=out_of_scope).delete()
        _reindex_changed_health(before, {s.product_id: s.health for s in scores}, out_of_scope)
    return result


def _news(by_pk: dict[int, DataProduct], candidates: list[tuple[int, str]], now) -> dict[int, TeamNews]:
    """The error findings this batch really opened, by owning team. Read back by their `opened_at` (this batch's
    timestamp): a finding that an evaluation racing this one inserted first was skipped by the insert, belongs
    to that run, and is announced by it, once."""
    if not candidates:
        return {}
    wanted = set(candidates)
    rows = (
        Finding.objects.open()
        .filter(product_id__in={pid for pid, _ in wanted}, severity=Severity.ERROR, opened_at=now)
        .values_list("product_id", "policy_id", "message")
        .order_by("product_id", "policy_id")
    )
    news: dict[int, TeamNews] = {}
    for pid, policy_id, message in rows:
        if (pid, policy_id) not in wanted:
            continue
        product = by_pk[pid]
        item = news.setdefault(product.owner_team_id, TeamNews())
        title = BY_ID[policy_id].title if policy_id in BY_ID else policy_id
        item.add(f"- {product.name} ({product.identifier}): {title}. {message}")
        item.about(product)
    return news


RETIREMENT = "retirement-candidate"


def _retiring(by_pk: dict[int, DataProduct], candidates: list[int], now) -> dict[int, TeamNews]:
    """Retirement-candidate findings this batch really opened (read back by `opened_at`, as `_news` does)."""
    if not candidates:
        return {}
    opened = Finding.objects.open().filter(product_id__in=candidates, policy_id=RETIREMENT, opened_at=now)
    out: dict[int, TeamNews] = {}
    for pid, message in opened.values_list("product_id", "message").order_by("product_id"):
        product = by_pk[pid]
        out.setdefault(product.owner_team_id, TeamNews()).add(f"- {product.name} ({product.identifier}): {message}")
    return out


def _members_by_team(team_ids: list[int]) -> dict[int, list]:
    members: dict[int, list] = {}
    for m in TeamMembership.objects.filter(team_id__in=team_ids).select_related("user"):
        members.setdefault(m.team_id, []).append(m.user)
    return members


def _announce_retirement_candidates(retiring: dict[int, TeamNews]) -> None:
    """One message per owning team per run: its products nobody used for 90 days (inbox and mail)."""
    if not retiring:
        return
    members = _members_by_team(list(retiring))
    with transaction.atomic():
        for team_id, news in sorted(retiring.items()):
            if not members.get(team_id):
                continue
            notify(
                recipients=members[team_id],
                kind="governance.retirement_candidates",
                title=f"{news.count} product{'s' if news.count != 1 else ''} of your team unused for 90 days",
                body="\n".join(
                    [
                        "Nobody has used these published products for 90 days: they are candidates for retirement.",
                        "",
                        *news.listing(),
                        "",
                        "If nobody needs them any more, deprecate them and later retire them. If they are used but the "
                        "platform does not report it, have it send usage records (POST /api/v1/usage).",
                    ]
                ),
                url=reverse("governance_policy", args=[RETIREMENT]),
            )


def _announce_new_errors(news: dict[int, TeamNews]) -> None:
    """One message per owning team per evaluation run, however many error findings it opened on the team's
    products (in-app inbox and mail, after commit)."""
    if not news:
        return
    members = _members_by_team(list(news))
    teams = dict(Team.objects.filter(pk__in=list(news)).values_list("pk", "name"))
    with transaction.atomic():
        for team_id, item in sorted(news.items()):
            if not item.count or not members.get(team_id):
                continue
            if len(item.product_urls) == 1:
                url = next(iter(item.product_urls)) + "?tab=quality#governance"
            else:
                url = reverse("governance_policies")
                if len(item.domain_slugs) == 1:
                    url += f"?domain={next(iter(item.domain_slugs))}"
            body = "\n".join(
                [
                    "The governance policies found new errors on published products of your team:",
                    "",
                    *item.listing(),
                    "",
                    "Each finding says how to fix it on the product's page, section Health and governance.",
                ]
            )
            noun = "error finding" if item.count == 1 else "error findings"
            notify(
                recipients=members[team_id],
                kind="governance.errors_opened",
                title=f"{item.count} new governance {noun} for {teams.get(team_id, 'your team')}",
                body=body,
                url=url,
            )


def _reindex_changed_health(before: dict, after: dict, gone: list[int]) -> None:
    """Search hits show the stored health: queue the documents whose health changed. Queued as plain index work
    (on_commit_index), not as a product change, which would announce products_changed and evaluate again."""
    changed = [pid for pid, health in after.items() if before.get(pid) != health or pid not in before]
    changed += [pid for pid in gone if before.get(pid) is not None]
    if changed:
        on_commit_index("product", changed)


def _health_columns(figures: health_module.Inputs, cfg: dict) -> dict:
    return {
        "health": health_module.compute(figures, cfg).score,
        "slo_compliance": figures.slo_compliance,
        "rating_average": figures.rating_average,
        "rating_count": figures.rating_count,
        "consumers": figures.consumers,
    }


def health_refresh(*, product_ids: Iterable[int] | None = None) -> int:
    """Store the health of scored products again from the input apps (ratings, SLO results and grants change
    without a product write); None = every scored product. Returns how many rows were refreshed."""
    cfg = health_module.config()
    done = 0
    for chunk in _scored_chunks() if product_ids is None else _chunks(sorted(set(product_ids))):
        with transaction.atomic():
            rows = list(ProductScore.objects.filter(product_id__in=chunk).select_for_update().order_by("product_id"))
            inputs = health_module.gather_inputs([r.product_id for r in rows], governance=False)
            now = timezone.now()
            before = {row.product_id: row.health for row in rows}
            for row in rows:
                figures = inputs[row.product_id]
                figures.governance = row.score
                for name, value in _health_columns(figures, cfg).items():
                    setattr(row, name, value)
                row.health_at = now
            ProductScore.objects.bulk_update(
                rows, ["health", "slo_compliance", "rating_average", "rating_count", "consumers", "health_at"]
            )
            _reindex_changed_health(before, {row.product_id: row.health for row in rows}, [])
            done += len(rows)
    if product_ids is None:
        # Every score was rewritten: sum the domains' totals afresh, so that the float rounding of the triggers'
        # additions and subtractions never builds up (governance/counts.py).
        counts.SCORE_TRIGGERS.count_again()
    return done


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start : start + BATCH_SIZE]


def _scored_chunks() -> Iterator[list[int]]:
    """Every scored product id, a batch at a time (keyset pagination: bounded memory on any catalog)."""
    last = 0
    while True:
        ids = list(
            ProductScore.objects.filter(product_id__gt=last)
            .order_by("product_id")
            .values_list("product_id", flat=True)[:BATCH_SIZE]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]
