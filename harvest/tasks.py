from celery import shared_task

from harvest.actors import platform_actor
from harvest.services.sql import harvest_due


@shared_task
def harvest_due_connections() -> int:
    """Beat's entry point: harvest every connection whose schedule is due."""
    return len(harvest_due(actor=platform_actor()))
