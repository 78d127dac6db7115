"""Evaluation: from an objective's measurements to its state, compliance and incidents.

Runs after new measurements (task with the objectives' ids) and every few minutes from beat (freshness breaches as
time passes). Its cost does not grow with the history: the timeline of each past UTC day is rolled up once into a
SloDay row (seconds met or at risk, seconds with a known state), and an evaluation reads only the raw measurements
of today (plus the one standing at midnight), or from the earliest day a late measurement or a changed definition
touched (`dirty_since`, `rollup_until` on the objective). Compliance over 7 and 30 days adds up the stored days and
today so far. Recomputing from the measurements still gives the same answer when run twice, late or out of order;
the objective row is locked while it runs, so two evaluations never open two incidents, and a measurement stored
concurrently either is seen or marks its day dirty for the evaluation its commit queues.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalog.models import TeamMembership
from catalog.signals import announce_products_changed
from core.notifications import notify
from slo import rules
from slo.models import (
    EVALUATION_FIELDS,
    Incident,
    Measurement,
    ServiceLevelObjective,
    SloDay,
    SloEvaluation,
    SloKind,
    SloState,
)
from slo.permissions import MANAGING_ROLES
from slo.signals import incidents_opened

WINDOW = timedelta(days=30)
WEEK = timedelta(days=7)


def stale_after() -> timedelta:
    """How long a measurement (other than freshness) stands for the objective's state: PORTAL_SLO_STALE_HOURS."""
    return timedelta(hours=float(getattr(settings, "PORTAL_SLO_STALE_HOURS", 72)))


def _points(slo: ServiceLevelObjective, start: datetime, now: datetime) -> list[tuple[datetime, float]]:
    recent = list(
        Measurement.objects.filter(slo=slo, measured_at__gte=start, measured_at__lte=now)
        .order_by("measured_at")
        .values_list("measured_at", "value")
    )
    before = (
        Measurement.objects.filter(slo=slo, measured_at__lt=start)
        .order_by("-measured_at")
        .values_list("measured_at", "value")
        .first()
    )
    return ([before] if before else []) + recent


def recompute_from(slo: ServiceLevelObjective, *, today: datetime, window_start: datetime) -> datetime:
    """From when the raw measurements must be read: today, or the first day whose rollup is missing or dirty."""
    start = slo.rollup_until
    if start is None or start > today or start < window_start:
        start = window_start  # never rolled up, or the clock went back: the whole window
    if slo.dirty_since is not None:
        start = min(start, rules.day_start(slo.dirty_since))
    return max(start, window_start)


def _rollup(slo: ServiceLevelObjective, segments, *, since: datetime, today: datetime, window_start: datetime) -> None:
    """Rewrite the objective's days from `since` up to yesterday, and drop those that left the window."""
    days = [
        SloDay(slo=slo, day=day, good_seconds=good, known_seconds=known)
        for day, (good, known) in rules.per_day(segments).items()
        if day < today.date()
    ]
    SloDay.objects.filter(slo=slo).filter(Q(day__gte=since.date()) | Q(day__lt=window_start.date())).delete()
    SloDay.objects.bulk_create(days)


def _compliance(slo: ServiceLevelObjective, segments, *, today: datetime) -> tuple[float | None, float | None]:
    """Over the last 7 and 30 whole UTC days plus today so far: stored days + today's part of the timeline."""
    days = dict(
        (day, (good, known))
        for day, good, known in SloDay.objects.filter(
            slo=slo, day__gte=(today - WINDOW).date(), day__lt=today.date()
        ).values_list("day", "good_seconds", "known_seconds")
    )
    partial = rules.per_day([seg for seg in segments if seg.end > today])
    days.update({day: totals for day, totals in partial.items() if day >= today.date()})

    def ratio(first_day) -> float | None:
        chosen = [totals for day, totals in days.items() if day >= first_day]
        known = sum(k for _, k in chosen)
        return sum(g for g, _ in chosen) / known if known > 0 else None

    return ratio((today - WEEK).date()), ratio((today - WINDOW).date())


def slo_evaluate(*, slo_id: int, now: datetime | None = None, changed: set[int] | None = None) -> str | None:
    """Evaluate one objective; answers its state (None if it no longer exists).

    A change of state re-indexes the product after commit; with `changed`, the product's id is added there instead,
    for the caller to re-index many products at once (one `products_changed` for a batch, not one each).
    """
    now = now or timezone.now()
    with transaction.atomic():
        slo = (
            ServiceLevelObjective.objects.select_for_update(of=("self",))
            .select_related("product__domain", "product__owner_team")
            .filter(pk=slo_id)
            .first()
        )
        if slo is None:
            return None
        objective = rules.Objective.of(slo)
        today = rules.day_start(now)
        window_start = today - WINDOW
        start = recompute_from(slo, today=today, window_start=window_start)
        points = _points(slo, start, now)
        stale = stale_after()
        segments = rules.timeline(objective, points, start=start, now=now, stale_after=stale)
        _rollup(slo, segments, since=start, today=today, window_start=window_start)
        last = max(points) if points else None
        previous_state = slo.state
        state = rules.state_now(objective, last, now, stale_after=stale)
        value = rules.current_value(objective, last, now) if state != SloState.NO_DATA else None
        if state != previous_state or slo.state_since is None:
            current = segments[-1]
            slo.state_since = current.start if current.state == state else (last[0] if last else now)
        slo.state = state
        slo.current_value = value
        slo.last_measured_at = last[0] if last else None
        slo.compliance_7d, slo.compliance_30d = _compliance(slo, segments, today=today)
        slo.evaluated_at = now
        slo.rollup_until = today
        slo.dirty_since = None
        slo.save(update_fields=[*EVALUATION_FIELDS, "rollup_until", "dirty_since", "updated_at"])
        if state != previous_state:
            SloEvaluation.objects.create(slo=slo, state=state, since=slo.state_since, value=value, evaluated_at=now)
            if changed is not None:
                changed.add(slo.product_id)
            else:
                announce_products_changed([slo.product_id])
        _incidents(slo, objective, state, value, now)
    return state


def _recipients(slo: ServiceLevelObjective) -> list:
    return [
        m.user
        for m in TeamMembership.objects.filter(
            team_id=slo.product.owner_team_id, role__in=MANAGING_ROLES
        ).select_related("user")
    ]


def describe_value(slo: ServiceLevelObjective, value: float | None) -> str:
    if value is None:
        return "no data"
    if slo.kind in (SloKind.FRESHNESS, SloKind.LATENCY):
        return humanize_seconds(value)
    if slo.kind in (SloKind.COMPLETENESS, SloKind.AVAILABILITY):
        return f"{value * 100:.2f}%"
    if slo.kind == SloKind.VOLUME:
        return f"{int(value):,} rows"
    return f"{value:g}"


def humanize_seconds(seconds: float) -> str:
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}".replace(".0 ", " ")
    return f"{seconds:.3g} s"


def _incidents(slo: ServiceLevelObjective, objective: rules.Objective, state: str, value, now: datetime) -> None:
    incident = Incident.objects.open().filter(slo=slo).first()
    product = slo.product
    url = product.get_tab_url("quality", "slos")
    if state == SloState.BREACHED:
        if incident is None:
            incident = Incident.objects.create(slo=slo, opened_at=slo.state_since or now, worst_value=value)
            incidents_opened.send(sender=None, incident_ids=[incident.pk])
        elif value is not None and (
            incident.worst_value is None
            or rules.badness(objective, value) > rules.badness(objective, incident.worst_value)
        ):
            incident.worst_value = value
            incident.save(update_fields=["worst_value"])
        if incident.notified_at is None:
            notify(
                recipients=_recipients(slo),
                kind="slo_breach",
                title=f"SLO breached: {product.name} — {slo.name}",
                body=(
                    f"The objective '{slo.name}' of {product.name} is breached since "
                    f"{incident.opened_at:%Y-%m-%d %H:%M} UTC (now: {describe_value(slo, value)})."
                ),
                url=url,
            )
            incident.notified_at = now
            incident.save(update_fields=["notified_at"])
    elif incident is not None and state in (SloState.MET, SloState.AT_RISK):
        incident.closed_at = max(slo.state_since or now, incident.opened_at)
        update = ["closed_at"]
        if incident.notified_at is not None:
            notify(
                recipients=_recipients(slo),
                kind="slo_recovered",
                title=f"SLO recovered: {product.name} — {slo.name}",
                body=(
                    f"The objective '{slo.name}' of {product.name} is met again since "
                    f"{incident.closed_at:%Y-%m-%d %H:%M} UTC, after a breach from "
                    f"{incident.opened_at:%Y-%m-%d %H:%M} UTC."
                ),
                url=url,
            )
            incident.recovery_notified_at = now
            update.append("recovery_notified_at")
        incident.save(update_fields=update)


def slos_evaluate(*, slo_ids: Iterable[int], now: datetime | None = None) -> dict[int, str | None]:
    """Evaluate each objective (each in its own transaction), then re-index the products whose state changed once."""
    changed: set[int] = set()
    states = {slo_id: slo_evaluate(slo_id=slo_id, now=now, changed=changed) for slo_id in slo_ids}
    if changed:
        with transaction.atomic():
            announce_products_changed(changed)
    return states
