"""Evaluation over time: states, compliance, incidents opened and closed, owners notified once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from core.models import Notification
from slo.evaluation import slo_evaluate
from slo.models import Incident, Measurement, SloEvaluation
from slo.rules import Objective, Segment, compliance, timeline, value_state
from slo.selectors import slo_summaries
from slo.tasks import evaluate_all_slos

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def measure(slo, value, at, key=None):
    return Measurement.objects.create(slo=slo, value=value, measured_at=at, key=key or f"k-{at.isoformat()}-{value}")


def test_freshness_moves_to_at_risk_then_breached_as_time_passes(make_slo, world, django_capture_on_commit_callbacks):
    slo = make_slo(threshold=3600, risk_margin=0.25)  # at most 1 h old; at risk after 45 min
    measure(slo, 0, T0)
    later = time_machine.travel(T0 + timedelta(minutes=10), tick=False)
    with django_capture_on_commit_callbacks(execute=True), later:
        evaluate_all_slos()
    slo.refresh_from_db()
    assert slo.state == "met"
    assert slo.current_value == pytest.approx(600)

    with time_machine.travel(T0 + timedelta(minutes=50), tick=False):
        assert slo_evaluate(slo_id=slo.pk) == "at_risk"
    slo.refresh_from_db()
    assert slo.state_since == T0 + timedelta(minutes=45)  # when the age crossed the line, not when it was noticed

    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(T0 + timedelta(hours=2), tick=False):
        assert slo_evaluate(slo_id=slo.pk) == "breached"
    slo.refresh_from_db()
    assert slo.state_since == T0 + timedelta(hours=1)
    incident = Incident.objects.get(slo=slo)
    assert incident.is_open
    assert incident.opened_at == T0 + timedelta(hours=1)
    assert incident.worst_value == pytest.approx(7200)
    assert [s.state for s in SloEvaluation.objects.filter(slo=slo).order_by("since")] == ["met", "at_risk", "breached"]


def test_owners_and_stewards_are_told_once_per_incident_and_on_recovery(
    make_slo, world, django_capture_on_commit_callbacks
):
    slo = make_slo(threshold=3600)
    measure(slo, 0, T0)
    with django_capture_on_commit_callbacks(execute=True):
        for minutes in (90, 120, 180):  # three evaluations while breached
            with time_machine.travel(T0 + timedelta(minutes=minutes), tick=False):
                slo_evaluate(slo_id=slo.pk)
    breach = Notification.objects.filter(kind="slo_breach")
    assert sorted(n.recipient.username for n in breach) == ["olivia", "stefan"]  # not mia, the member
    assert all("Orders" in n.title for n in breach)
    # Other apps (governance) may mail about the same product change; the SLO mails are one per owner/steward.
    assert [m.subject for m in mail.outbox if m.subject.startswith("SLO")] == ["SLO breached: Orders — freshness"] * 2

    measure(slo, 0, T0 + timedelta(minutes=200))  # the pipeline ran again
    later = time_machine.travel(T0 + timedelta(minutes=205), tick=False)
    with django_capture_on_commit_callbacks(execute=True), later:
        assert slo_evaluate(slo_id=slo.pk) == "met"
    incident = Incident.objects.get(slo=slo)
    assert incident.closed_at == T0 + timedelta(minutes=200)
    assert incident.worst_value == pytest.approx(180 * 60)
    assert Notification.objects.filter(kind="slo_recovered").count() == 2
    assert Notification.objects.filter(kind="slo_breach").count() == 2


def test_a_second_breach_opens_a_second_incident(make_slo):
    slo = make_slo("volume", "volume", min_rows=100, max_rows=None, risk_margin=0)
    for hour, rows in enumerate([50, 500, 40]):
        at = T0 + timedelta(hours=hour)
        measure(slo, rows, at)
        with time_machine.travel(at, tick=False):
            slo_evaluate(slo_id=slo.pk)
    incidents = list(Incident.objects.filter(slo=slo).order_by("opened_at"))
    assert [(i.opened_at, i.closed_at) for i in incidents] == [
        (T0, T0 + timedelta(hours=1)),
        (T0 + timedelta(hours=2), None),
    ]


def test_evaluating_twice_changes_nothing(make_slo):
    slo = make_slo("completeness", "completeness", threshold=0.99)
    measure(slo, 0.5, T0)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        slo_evaluate(slo_id=slo.pk)
        slo_evaluate(slo_id=slo.pk)
    assert Incident.objects.count() == 1
    assert SloEvaluation.objects.count() == 1


def test_an_old_measurement_goes_stale_into_no_data(make_slo, settings):
    settings.PORTAL_SLO_STALE_HOURS = 24
    slo = make_slo("completeness", "completeness", threshold=0.9)
    measure(slo, 0.95, T0)
    with time_machine.travel(T0 + timedelta(hours=25), tick=False):
        assert slo_evaluate(slo_id=slo.pk) == "no_data"


def test_compliance_is_the_share_of_known_time_met():
    objective = Objective("completeness", threshold=0.9, risk_margin=0)
    now = T0 + timedelta(days=10)
    points = [(T0, 0.95), (T0 + timedelta(days=8), 0.5), (T0 + timedelta(days=9), 0.99)]
    segments = timeline(objective, points, start=now - timedelta(days=30), now=now, stale_after=timedelta(days=30))
    # Known for 10 days: 8 met, 1 breached, 1 met.
    assert compliance(segments, since=now - timedelta(days=30)) == pytest.approx(0.9)
    # Last 7 days: 5 met, 1 breached, 1 met.
    assert compliance(segments, since=now - timedelta(days=7)) == pytest.approx(6 / 7)
    assert compliance([Segment(T0, now, "no_data", None)], since=T0) is None


def test_compliance_is_written_by_evaluation(make_slo):
    slo = make_slo("volume", "volume", min_rows=100, max_rows=1000, risk_margin=0)
    measure(slo, 500, T0)
    measure(slo, 5000, T0 + timedelta(days=3))
    with time_machine.travel(T0 + timedelta(days=4), tick=False):
        slo_evaluate(slo_id=slo.pk)
    slo.refresh_from_db()
    assert slo.compliance_7d == pytest.approx(0.75)
    assert slo.compliance_30d == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("objective", "value", "state"),
    [
        (Objective("latency", threshold=10, risk_margin=0.2), 7, "met"),
        (Objective("latency", threshold=10, risk_margin=0.2), 9, "at_risk"),
        (Objective("latency", threshold=10, risk_margin=0.2), 11, "breached"),
        (Objective("availability", threshold=0.99, risk_margin=0.5), 0.997, "met"),
        (Objective("availability", threshold=0.99, risk_margin=0.5), 0.993, "at_risk"),
        (Objective("availability", threshold=0.99, risk_margin=0.5), 0.98, "breached"),
        (Objective("volume", min_rows=100, max_rows=1000, risk_margin=0.1), 105, "at_risk"),
        (Objective("volume", min_rows=100, max_rows=1000, risk_margin=0.1), 950, "at_risk"),
        (Objective("volume", min_rows=100, max_rows=1000, risk_margin=0.1), 1001, "breached"),
        (Objective("custom", threshold=5, comparator="gte", risk_margin=0.1), 5.2, "at_risk"),
        (Objective("custom", threshold=5, comparator="gte", risk_margin=0.1), 4, "breached"),
    ],
)
def test_value_states(objective, value, state):
    assert value_state(objective, value) == state


def test_summaries_roll_up_per_product(make_slo, product):
    met = make_slo("a", "completeness", threshold=0.5)
    breached = make_slo("b", "completeness", threshold=0.99)
    make_slo("c", "completeness", threshold=0.99)  # no data
    measure(met, 0.9, T0)
    measure(breached, 0.1, T0)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        evaluate_all_slos()
    summary = slo_summaries([product.pk, 999999])
    assert summary[999999].state == "none"
    mine = summary[product.pk]
    assert (mine.state, mine.slo_count, mine.met, mine.breached, mine.no_data) == ("breached", 3, 1, 1, 1)
    assert mine.open_incidents == 1
    assert mine.compliance_30d == pytest.approx(0.5)  # mean of 1.0 and 0.0; the objective without data has none


def test_the_periodic_evaluation_looks_only_at_what_time_can_change(make_slo, settings):
    from slo.selectors import slos_due_for_evaluation

    settings.PORTAL_SLO_STALE_HOURS = 24
    fresh = make_slo("fresh", "freshness")
    recent = make_slo("recent", "completeness")
    going_stale = make_slo("stale", "completeness")
    never = make_slo("never", "completeness")
    measure(recent, 0.995, T0)
    measure(going_stale, 0.995, T0 - timedelta(hours=30))
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        for slo in (fresh, recent, going_stale):
            slo_evaluate(slo_id=slo.pk)
    going_stale.refresh_from_db()
    going_stale.state = "met"  # as it was before its last value aged past the limit
    going_stale.save()
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        assert set(slos_due_for_evaluation()) == {fresh.pk, going_stale.pk, never.pk}
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        assert recent.pk in slos_due_for_evaluation()  # compliance windows moved on
