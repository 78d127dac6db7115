"""Celery tasks of the governance app: they take ids and call services."""

from __future__ import annotations

from celery import shared_task

from governance import services


@shared_task
def evaluate_products(product_ids: list[int]) -> str:
    """After a product, contract or glossary-link write: the policies for those products."""
    return services.governance_evaluate(product_ids=product_ids).line()


@shared_task
def evaluate_all() -> str:
    """Nightly (CELERY_BEAT_SCHEDULE): every policy over every product, so that findings follow changes the
    catalog did not announce (an owner leaving a team, a source product retired) and policy changes."""
    return services.governance_evaluate_all().line()


@shared_task
def refresh_health() -> int:
    """Hourly: stored health follows new ratings, SLO results and grants, which are not product writes."""
    return services.health_refresh()
