"""POST /api/v1/sli: measurements from pipelines, bad input, idempotency, permissions."""

from __future__ import annotations

import pytest
import time_machine

from core.actors import Scope
from slo.models import Measurement
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

NOW = "2025-03-01T12:00:00+00:00"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def errors_of(response) -> dict[str, str]:
    assert response["Content-Type"].startswith("application/problem+json"), response.content
    return {e["pointer"]: e["detail"] for e in response.json().get("errors", [])}


def test_a_measurement_by_product_urn_and_name_is_stored_and_evaluated(post_sli, make_slo):
    slo = make_slo("completeness", "completeness", threshold=0.99)
    response = post_sli(
        {"product": "urn:dataproduct:sales:orders", "slo": "completeness", "value": 0.995, "key": "run-1"},
        expect=201,
    )
    body = response.json()
    assert body["action"] == "created"
    assert body["slo"] == slo.pk
    assert body["measured_at"].startswith("2025-03-01T12:00:00")  # omitted: the time it was received
    slo.refresh_from_db()
    assert slo.state == "met"
    assert slo.current_value == pytest.approx(0.995)


def test_by_id_and_by_domain_slug(post_sli, make_slo):
    slo = make_slo("volume", "volume")
    post_sli({"slo": slo.pk, "value": 2000, "measured_at": "2025-03-01T11:00:00Z"}, expect=201)
    post_sli(
        {"product": "sales/orders", "slo": "volume", "value": 2500, "measured_at": "2025-03-01T11:30:00Z"}, expect=201
    )
    assert Measurement.objects.filter(slo=slo).count() == 2


def test_resending_is_idempotent_with_a_key(post_sli, make_slo):
    slo = make_slo()
    body = {"slo": slo.pk, "value": 10, "measured_at": "2025-03-01T11:00:00Z", "key": "nightly-2025-03-01"}
    first = post_sli(body, expect=201).json()
    again = post_sli(body, expect=200).json()
    assert again["action"] == "duplicate"
    assert again["id"] == first["id"]
    assert Measurement.objects.filter(slo=slo).count() == 1


def test_resending_is_idempotent_without_a_key(post_sli, make_slo):
    slo = make_slo()
    body = {"slo": slo.pk, "value": 10, "measured_at": "2025-03-01T11:00:00Z"}
    post_sli(body, expect=201)
    post_sli(body, expect=200)
    assert Measurement.objects.filter(slo=slo).count() == 1


def test_a_key_reused_for_another_value_is_a_conflict(post_sli, make_slo):
    slo = make_slo()
    post_sli({"slo": slo.pk, "value": 10, "key": "k1", "measured_at": "2025-03-01T11:00:00Z"}, expect=201)
    response = post_sli({"slo": slo.pk, "value": 11, "key": "k1", "measured_at": "2025-03-01T11:00:00Z"}, expect=409)
    assert "/key" in errors_of(response)
    assert Measurement.objects.filter(slo=slo).get().value == 10


def test_unknown_product_is_named(post_sli, make_slo):
    make_slo()
    response = post_sli({"product": "sales/nope", "slo": "freshness", "value": 1}, expect=404)
    assert "sales/nope" in errors_of(response)["/product"]


def test_unknown_slo_name_is_named(post_sli, make_slo):
    make_slo()
    response = post_sli({"product": "sales/orders", "slo": "speed", "value": 1}, expect=404)
    assert "speed" in errors_of(response)["/slo"]


def test_unknown_slo_id_is_named(post_sli):
    response = post_sli({"slo": 999999, "value": 1}, expect=404)
    assert "999999" in errors_of(response)["/slo"]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"slo": "SLOT", "value": "12"}, "/value"),  # a number in a string
        ({"slo": "SLOT", "value": True}, "/value"),
        ({"slo": "SLOT", "value": None}, "/value"),
        ({"slo": "SLOT"}, "/value"),
        ({"slo": 1.5, "value": 1}, "/slo"),
        ({"slo": "SLOT", "value": 1, "measured_at": 1700000000}, "/measured_at"),
        ({"slo": "SLOT", "value": 1, "measured_at": "yesterday"}, "/measured_at"),
        ({"slo": "freshness", "value": 1}, "/product"),  # a name without its product
        ({"slo": "SLOT", "value": 1, "key": "k" * 201}, "/key"),
    ],
)
def test_wrong_types_are_400_naming_the_field(post_sli, make_slo, body, pointer):
    slo = make_slo()
    body = {k: (slo.pk if v == "SLOT" else v) for k, v in body.items()}
    response = post_sli(body, expect=400)
    assert pointer in errors_of(response)
    assert not Measurement.objects.exists()


def test_a_ratio_outside_0_1_is_refused_for_completeness(post_sli, make_slo):
    slo = make_slo("completeness", "completeness")
    response = post_sli({"slo": slo.pk, "value": 99.5}, expect=400)
    assert "ratio" in errors_of(response)["/value"]


def test_a_timestamp_without_zone_is_refused(post_sli, make_slo):
    slo = make_slo()
    response = post_sli({"slo": slo.pk, "value": 1, "measured_at": "2025-03-01T11:00:00"}, expect=400)
    assert "time zone" in errors_of(response)["/measured_at"]


def test_a_timestamp_in_the_future_is_refused(post_sli, make_slo):
    slo = make_slo()
    response = post_sli({"slo": slo.pk, "value": 1, "measured_at": "2025-03-01T12:10:00Z"}, expect=400)
    assert "future" in errors_of(response)["/measured_at"]


def test_a_timestamp_within_the_clock_skew_is_taken_as_now(post_sli, make_slo):
    slo = make_slo()
    body = post_sli({"slo": slo.pk, "value": 1, "measured_at": "2025-03-01T12:02:00Z"}, expect=201).json()
    assert body["measured_at"].startswith("2025-03-01T12:00:00")


def test_other_offsets_are_normalised_to_the_same_instant(post_sli, make_slo):
    slo = make_slo()
    post_sli({"slo": slo.pk, "value": 1, "measured_at": "2025-03-01T12:00:00+01:00"}, expect=201)
    assert Measurement.objects.get().measured_at.isoformat() == "2025-03-01T11:00:00+00:00"


def test_bulk_is_all_or_nothing_with_errors_by_index(post_sli, make_slo):
    slo = make_slo()
    response = post_sli(
        {
            "measurements": [
                {"slo": slo.pk, "value": 1},
                {"slo": slo.pk, "value": "x"},
                {"slo": slo.pk, "value": 2, "measured_at": "2025-03-01T10:00:00"},
            ]
        },
        expect=400,
    )
    assert set(errors_of(response)) == {"/measurements/1/value", "/measurements/2/measured_at"}
    assert not Measurement.objects.exists()


def test_bulk_with_an_unknown_objective_stores_nothing(post_sli, make_slo):
    slo = make_slo()
    response = post_sli(
        {"measurements": [{"slo": slo.pk, "value": 1}, {"product": "sales/orders", "slo": "nope", "value": 1}]},
        expect=404,
    )
    assert "/measurements/1/slo" in errors_of(response)
    assert not Measurement.objects.exists()


def test_bulk_stores_all_and_reports_duplicates(post_sli, make_slo):
    fresh = make_slo()
    volume = make_slo("volume", "volume")
    items = [
        {"slo": fresh.pk, "value": 60, "measured_at": "2025-03-01T11:00:00Z", "key": "a"},
        {"product": "urn:dataproduct:sales:orders", "slo": "volume", "value": 1200, "key": "b"},
    ]
    first = post_sli({"measurements": items}, expect=201).json()
    assert [r["action"] for r in first["results"]] == ["created", "created"]
    again = post_sli({"measurements": items}, expect=200).json()
    assert [r["action"] for r in again["results"]] == ["duplicate", "duplicate"]
    assert Measurement.objects.count() == 2
    volume.refresh_from_db()
    assert volume.state == "met"


def test_empty_bulk_is_refused(post_sli):
    response = post_sli({"measurements": []}, expect=400)
    assert "/measurements" in errors_of(response)


def test_it_rejects_a_token_of_another_team(post_sli, make_slo, world):
    slo = make_slo()
    other = bearer_client(world.other_team, [Scope.WRITE_SLI])
    response = post_sli({"slo": slo.pk, "value": 1}, client=other, expect=403)
    assert "sales" in response.json()["detail"]
    assert not Measurement.objects.exists()


def test_it_rejects_a_token_without_the_scope(post_sli, make_slo, world):
    slo = make_slo()
    writer = bearer_client(world.team, [Scope.READ, Scope.WRITE_PRODUCTS])
    response = post_sli({"slo": slo.pk, "value": 1}, client=writer, expect=403)
    assert "write:sli" in response.json()["detail"]


def test_it_rejects_outsider_session(post_sli, make_slo, world, user_client):
    slo = make_slo()
    post_sli({"slo": slo.pk, "value": 1}, client=user_client(world.outsider), expect=403)


def test_anonymous_is_refused(post_sli, make_slo):
    from rest_framework.test import APIClient

    slo = make_slo()
    response = post_sli({"slo": slo.pk, "value": 1}, client=APIClient())
    assert response.status_code == 401  # docs/slo.md: anonymous callers get 401, not 403


def test_a_member_of_the_owning_team_may_send_by_session(post_sli, make_slo, world, user_client):
    """Like product writes: people of the writing teams are not narrowed by scopes (docs/slo.md, Who may send)."""
    slo = make_slo()
    response = post_sli({"slo": slo.pk, "value": 60, "key": "by-hand"}, client=user_client(world.member), expect=201)
    assert response.json()["action"] == "created"
    assert Measurement.objects.filter(slo=slo, key="by-hand").exists()
