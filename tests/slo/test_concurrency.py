"""Two pipelines sending the same measurement at once store it once; parallel evaluations open one incident."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from core.actors import Actor, Scope
from core.models import Notification
from slo.evaluation import slo_evaluate
from slo.models import Incident, Measurement
from slo.services import MeasurementIn, measurements_record
from tokens.services import token_create

pytestmark = pytest.mark.django_db(transaction=True)


def in_parallel(work: Callable[[int], object], n: int = 4) -> tuple[list, list[BaseException]]:
    barrier = threading.Barrier(n)
    results: list = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results.append(work(i))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_parallel_resends_store_one_measurement(world, make_slo):
    slo = make_slo("rows", "volume")
    actor = Actor(token=token_create(actor=None, team=world.team, name="t", scopes=[Scope.WRITE_SLI]).token)
    at = datetime.now(UTC) - timedelta(minutes=1)

    def send(_: int):
        item = MeasurementIn(value=2000, measured_at=at, slo_id=slo.pk, key="nightly")
        return measurements_record(actor=actor, items=[item])[0].created

    created, errors = in_parallel(send)
    assert errors == []
    assert sorted(created) == [False, False, False, True]
    assert Measurement.objects.count() == 1


def test_parallel_evaluations_open_one_incident_and_notify_once(world, make_slo):
    slo = make_slo("rows", "volume", min_rows=1000)
    Measurement.objects.create(slo=slo, value=5, measured_at=datetime.now(UTC) - timedelta(minutes=1), key="a")
    states, errors = in_parallel(lambda _: slo_evaluate(slo_id=slo.pk))
    assert errors == []
    assert states == ["breached"] * 4
    assert Incident.objects.count() == 1
    assert Notification.objects.filter(kind="slo_breach").count() == 2  # olivia and stefan, once each
