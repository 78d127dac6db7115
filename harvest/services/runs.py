"""HarvestRun bookkeeping: a run is written when it starts and again when it ends, outside the harvest's writes,
so a harvest that fails half-way still leaves its record (and what it wrote before the failure stays)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from catalog.models import Domain
from core.actors import Actor
from harvest.models import Connection, HarvestRun, RunStatus
from harvest.summary import Summary


def run_start(*, kind: str, domain: Domain, actor: Actor, connection: Connection | None = None) -> HarvestRun:
    with transaction.atomic():
        return HarvestRun.objects.create(
            kind=kind, domain=domain, connection=connection, triggered_by=actor.label[:200], started_at=timezone.now()
        )


def run_finish(*, run: HarvestRun, summary: Summary, error: str = "") -> HarvestRun:
    errors = [*summary.errors, *([error] if error else [])]
    if error:
        run.status = RunStatus.FAILED
    elif errors:
        run.status = RunStatus.PARTIAL
    else:
        run.status = RunStatus.OK
    run.finished_at = timezone.now()
    run.counts = summary.counts()
    run.summary = {"items": summary.items[:5000], "errors": errors[:200], **summary.marks}
    run.error = "\n".join(errors)[:10_000]
    with transaction.atomic():
        run.save(update_fields=["status", "finished_at", "counts", "summary", "error"])
        if run.connection_id is not None:
            Connection.objects.filter(pk=run.connection_id).update(last_run_at=run.started_at)
    return run
