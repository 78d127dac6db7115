"""Evaluation's cost stays bounded: past days are rolled up, late measurements and new thresholds recompute them,
and raw measurements past the retention are pruned without changing what the objective shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from core.actors import Actor
from slo import evaluation
from slo.evaluation import slo_evaluate
from slo.models import Measurement, SloDay
from slo.retention import measurements_prune
from slo.rules import Objective, compliance, timeline
from slo.services import MeasurementIn, SloSpec, measurements_record, slo_update

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def record(world, slo, value, at, capture):
    with time_machine.travel(max(at, T0) + timedelta(minutes=1), tick=False), capture(execute=True):
        measurements_record(
            actor=Actor(user=world.owner), items=[MeasurementIn(value=value, measured_at=at, slo_id=slo.pk)]
        )


def evaluate_at(slo, at):
    with time_machine.travel(at, tick=False):
        slo_evaluate(slo_id=slo.pk)
    slo.refresh_from_db()
    return slo


def full_recompute(slo, now):
    """What compliance over 30 days must be: the whole window's timeline from every raw measurement."""
    start = evaluation.rules.day_start(now) - timedelta(days=30)
    points = list(Measurement.objects.filter(slo=slo).values_list("measured_at", "value"))
    segments = timeline(Objective.of(slo), points, start=start, now=now, stale_after=evaluation.stale_after())
    return compliance(segments, since=start)


def test_compliance_from_daily_rollups_equals_a_full_recompute(make_slo, world, django_capture_on_commit_callbacks):
    slo = make_slo("volume", "volume", min_rows=100, max_rows=None, risk_margin=0)
    for day in range(12):
        for hour in (1, 9, 17):
            at = T0 + timedelta(days=day, hours=hour)
            value = 50 if (day + hour) % 5 == 0 else 500
            Measurement.objects.create(slo=slo, value=value, measured_at=at, key=f"{day}-{hour}")
            evaluate_at(slo, at + timedelta(minutes=5))
    now = T0 + timedelta(days=12, hours=3)
    slo = evaluate_at(slo, now)
    assert SloDay.objects.filter(slo=slo).count() == 12  # every past day with data, rolled up once
    assert slo.compliance_30d == pytest.approx(full_recompute(slo, now))
    assert 0 < slo.compliance_30d < 1


def test_an_evaluation_reads_only_todays_measurements_once_the_past_is_rolled_up(make_slo, monkeypatch):
    slo = make_slo("completeness", "completeness", threshold=0.9)
    for day in range(20):
        Measurement.objects.create(slo=slo, value=0.95, measured_at=T0 + timedelta(days=day), key=f"d{day}")
    now = T0 + timedelta(days=20, hours=6)
    evaluate_at(slo, now)  # the first evaluation reads the whole window
    starts: list[datetime] = []
    real_points = evaluation._points

    def points(s, start, at):
        starts.append(start)
        return real_points(s, start, at)

    monkeypatch.setattr(evaluation, "_points", points)
    evaluate_at(slo, now + timedelta(minutes=5))
    assert starts == [datetime(2025, 3, 21, tzinfo=UTC)]  # midnight today: not 30 days of measurements


def test_a_late_measurement_for_a_rolled_up_day_is_counted(make_slo, world, django_capture_on_commit_callbacks):
    slo = make_slo("completeness", "completeness", threshold=0.9, risk_margin=0)
    for day in range(6):
        record(world, slo, 0.95, T0 + timedelta(days=day), django_capture_on_commit_callbacks)
    now = T0 + timedelta(days=6)
    assert evaluate_at(slo, now).compliance_30d == pytest.approx(1.0)
    # Yesterday's rollup is written; a pipeline now reports a bad value from three days ago.
    late = T0 + timedelta(days=3, hours=6)
    with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
        measurements_record(
            actor=Actor(user=world.owner), items=[MeasurementIn(value=0.5, measured_at=late, slo_id=slo.pk)]
        )
    slo.refresh_from_db()
    assert slo.dirty_since is None  # the evaluation queued by the commit recomputed from that day
    assert slo.compliance_30d == pytest.approx(full_recompute(slo, now))
    assert slo.compliance_30d == pytest.approx(1 - 18 / (6 * 24))  # breached from 18:00 to the next midnight


def test_a_changed_threshold_judges_the_rolled_up_days_again(make_slo, world, django_capture_on_commit_callbacks):
    slo = make_slo("completeness", "completeness", threshold=0.9, risk_margin=0)
    for day in range(4):
        Measurement.objects.create(slo=slo, value=0.95, measured_at=T0 + timedelta(days=day), key=f"d{day}")
    now = T0 + timedelta(days=4)
    assert evaluate_at(slo, now).compliance_30d == pytest.approx(1.0)
    spec = SloSpec(name=slo.name, kind="completeness", threshold=0.99, risk_margin=0)
    with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
        slo_update(actor=Actor(user=world.owner), slo=slo, spec=spec)
    slo.refresh_from_db()
    assert slo.compliance_30d == pytest.approx(0.0)


def test_prune_keeps_the_window_and_the_value_standing_at_the_cutoff(make_slo, settings):
    settings.PORTAL_SLO_MEASUREMENT_RETENTION_DAYS = 40
    fresh = make_slo("fresh", "freshness", threshold=86400)
    rows = make_slo("rows", "volume")
    Measurement.objects.create(slo=fresh, value=0, measured_at=T0 - timedelta(days=60), key="old")
    Measurement.objects.create(slo=fresh, value=0, measured_at=T0 - timedelta(days=50), key="older-but-latest")
    for day in range(60):
        Measurement.objects.create(slo=rows, value=2000, measured_at=T0 - timedelta(days=day), key=f"d{day}")
    with time_machine.travel(T0, tick=False):
        deleted = measurements_prune()
        assert slo_evaluate(slo_id=fresh.pk) == "breached"  # its last run, 50 days ago, still counts
    # fresh: the 60-day-old one; rows: days 42..59 (day 40 is on the cutoff, day 41 stands at the cutoff).
    assert deleted == 1 + 18
    assert list(Measurement.objects.filter(slo=fresh).values_list("key", flat=True)) == ["older-but-latest"]
    kept = Measurement.objects.filter(slo=rows)
    assert kept.count() == 42
    assert min(kept.values_list("measured_at", flat=True)) == T0 - timedelta(days=41)


def test_a_retention_shorter_than_the_window_fails_the_system_check(settings):
    settings.PORTAL_SLO_MEASUREMENT_RETENTION_DAYS = 7
    with pytest.raises(SystemCheckError, match="PORTAL_SLO_MEASUREMENT_RETENTION_DAYS"):
        call_command("check")


def test_the_sparkline_shows_the_latest_thirty_values_in_time_order(make_slo, product):
    from slo.selectors import TREND_POINTS, product_slos

    slo = make_slo("rows", "volume")
    other = make_slo("other", "volume")
    for n in range(45):
        Measurement.objects.create(slo=slo, value=n, measured_at=T0 + timedelta(hours=n), key=f"r{n}")
    Measurement.objects.create(slo=other, value=7, measured_at=T0, key="o")
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        rows = {row.slo.name: row.trend for row in product_slos(product).rows}
    assert rows["rows"] == [float(n) for n in range(45 - TREND_POINTS, 45)]
    assert rows["other"] == [7.0]
