"""Writes of the governance app: evaluating the policies into findings and scores, and refreshing health.

Evaluation is idempotent and safe to run twice at once: findings are matched to the open finding of the same
product and policy (locked while they are updated), a new one is inserted against a partial unique constraint
that admits one open finding per product and policy, and scores are upserted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import DataProduct
from governance import health as health_module
from governance.models import Finding, FindingStatus, ProductScore
from governance.policies import Batch, Policy, active_policies

log = logging.getLogger(__name__)

BATCH_SIZE = 500
DEFAULT_SEVERITY_WEIGHTS = {"error": 5.0, "warning": 2.0, "info": 1.0}


def severity_weights() -> dict[str, float]:
    return {**DEFAULT_SEVERITY_WEIGHTS, **(getattr(settings, "GOVERNANCE_SEVERITY_WEIGHTS", {}) or {})}


@dataclass
class EvaluationResult:
    products: int = 0  # evaluated (in scope)
    out_of_scope: int = 0
    opened: int = 0
    resolved: int = 0
    still_open: int = 0

    def add(self, other: EvaluationResult) -> None:
        for name in ("products", "out_of_scope", "opened", "resolved", "still_open"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

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


def governance_evaluate(*, product_ids: Iterable[int]) -> EvaluationResult:
    """Evaluate every active policy for these products: open, update and resolve findings, store scores and
    health. Products that no longer exist are skipped; products out of scope lose their findings and score."""
    ids = sorted(set(product_ids))
    result = EvaluationResult()
    for start in range(0, len(ids), BATCH_SIZE):
        result.add(_evaluate_batch(ids[start : start + BATCH_SIZE]))
    return result


def governance_evaluate_all(*, batch_size: int = BATCH_SIZE) -> EvaluationResult:
    """The nightly run: every product, in batches (ids read up front so writes do not disturb the cursor)."""
    ids = list(DataProduct.objects.order_by("pk").values_list("pk", flat=True))
    result = EvaluationResult()
    for start in range(0, len(ids), batch_size):
        result.add(_evaluate_batch(ids[start : start + batch_size]))
    # Scores of products deleted since are gone by cascade; findings of policies removed from the registry close.
    active = [p.id for p in active_policies()]
    result.resolved += (
        Finding.objects.open()
        .exclude(policy_id__in=active)
        .update(status=FindingStatus.RESOLVED, resolved_at=timezone.now())
    )
    return result


def _evaluate_batch(ids: list[int]) -> EvaluationResult:
    now = timezone.now()
    policies = {p.id: p for p in active_policies()}
    result = EvaluationResult()
    with transaction.atomic():
        products = list(DataProduct.objects.filter(pk__in=ids).select_related("owner_team").order_by("pk"))
        in_scope = [p for p in products if any(policy.applies(p) for policy in policies.values())]
        scope_ids = {p.pk for p in in_scope}
        result.products, result.out_of_scope = len(in_scope), len(products) - len(in_scope)

        inputs = health_module.gather_inputs(scope_ids)
        batch = Batch(in_scope)
        # The health inputs already hold each product's SLO state: "none" means it declares no SLO.
        batch.__dict__["with_slos"] = {pid for pid, i in inputs.items() if i.slo_state not in ("none", "")}

        outcome: dict[int, dict[str, str | None]] = {p.pk: {} for p in in_scope}
        by_pk = {p.pk: p for p in in_scope}
        for policy in policies.values():
            for pid, message in policy.check(batch).items():
                if policy.applies(by_pk[pid]):
                    outcome[pid][policy.id] = message

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
            Finding.objects.bulk_create(to_create, ignore_conflicts=True)
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
            ProductScore.objects.bulk_create(
                scores,
                update_conflicts=True,
                unique_fields=["product"],
                update_fields=[
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


def _reindex_changed_health(before: dict, after: dict, gone: list[int]) -> None:
    """Search hits show the stored health: queue the documents whose health changed. Queued as plain index work
    (on_commit_index), not as a product change, which would announce products_changed and evaluate again."""
    from catalog.search import on_commit_index

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
    if product_ids is None:
        ids = list(ProductScore.objects.order_by("product_id").values_list("product_id", flat=True))
    else:
        ids = sorted(set(product_ids))
    cfg = health_module.config()
    done = 0
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        with transaction.atomic():
            rows = list(ProductScore.objects.filter(product_id__in=chunk).select_for_update().order_by("product_id"))
            inputs = health_module.gather_inputs([r.product_id for r in rows])
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
    return done
