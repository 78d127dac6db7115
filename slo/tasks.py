"""Celery tasks of the SLO app: they take ids (or the plain JSON the lineage receiver gathered) and call services."""

from __future__ import annotations

from celery import shared_task

from slo.evaluation import slos_evaluate
from slo.lineage_feed import measurements_from_observations
from slo.retention import measurements_prune
from slo.selectors import slos_due_for_evaluation
from slo.services import slos_sync_from_contracts


@shared_task
def evaluate_slos(slo_ids: list[int]) -> int:
    """After new measurements or a changed objective."""
    slos_evaluate(slo_ids=slo_ids)
    return len(slo_ids)


@shared_task
def evaluate_all_slos() -> int:
    """From beat: freshness objectives breach as time passes, values go stale, and compliance windows move on."""
    ids = slos_due_for_evaluation()
    slos_evaluate(slo_ids=ids)
    return len(ids)


@shared_task
def sync_contract_slos(product_ids: list[int]) -> int:
    """After products or contracts changed: objectives derived from the contracts' SLA properties."""
    result = slos_sync_from_contracts(product_ids=product_ids)
    slos_evaluate(slo_ids=result.evaluate)
    return result.created + result.updated + result.removed


@shared_task
def measure_from_lineage(observations: list[dict]) -> int:
    """After OpenLineage events were stored: freshness, volume and quality measurements from their facets."""
    return measurements_from_observations(observations=observations)


@shared_task
def prune_measurements() -> int:
    """From beat, daily: raw measurements past PORTAL_SLO_MEASUREMENT_RETENTION_DAYS (compliance uses rollups)."""
    return measurements_prune()
