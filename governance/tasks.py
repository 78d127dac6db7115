"""Celery tasks of the governance app: they take ids and call services."""

from __future__ import annotations

from celery import shared_task

from core.dispatch import eager
from governance import pending, services


@shared_task
def evaluate_products(product_ids: list[int]) -> str:
    """After a product, contract or glossary-link write: the policies for those products.

    With a broker the worker evaluates them now. In the embedded profile (no broker) this runs in the web process
    after the response, and evaluating per write would cap ingestion (a fixed ~25 ms per call): the ids join the
    pending set instead, evaluated in one batch once it is due, or by the first read that needs them
    (governance/pending.py)."""
    if eager():
        pending.pending_record(product_ids=product_ids)
        result = pending.pending_evaluate_if_due()
        return result.line() if result is not None else f"{len(product_ids)} products queued for evaluation"
    return services.governance_evaluate(product_ids=product_ids).line()


@shared_task
def evaluate_all() -> str:
    """Nightly (CELERY_BEAT_SCHEDULE): every policy over every product, so that findings follow changes the
    catalog did not announce (an owner leaving a team, a source product retired) and policy changes."""
    return services.governance_evaluate_all().line()


@shared_task
def refresh_health() -> int:
    """Hourly: stored health follows new ratings, SLO results and grants, which are not product writes. Products
    left pending by writes (embedded profile) are evaluated first, so their scores are not stale for an hour."""
    pending.pending_evaluate()
    return services.health_refresh()
