"""POST /api/v1/usage: records from platforms, bad input, idempotency, permissions, rollups."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine

from core.actors import Scope
from tests.conftest import bearer_client
from usage.models import UsageDay, UsageMonth, UsageRecord

from .conftest import record

pytestmark = pytest.mark.django_db

NOW = "2025-03-02T12:00:00+00:00"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def errors_of(response) -> dict[str, str]:
    assert response["Content-Type"].startswith("application/problem+json"), response.content
    return {e["pointer"]: e["detail"] for e in response.json().get("errors", [])}


def test_one_record_is_stored_and_rolled_up(post_usage, port, world):
    body = post_usage(record(), expect=201).json()
    assert body == {"received": 1, "created": 1, "updated": 0, "unchanged": 0}
    stored = UsageRecord.objects.get()
    assert (stored.port_id, stored.team_id, stored.queries, stored.cost) == (
        port.pk,
        world.other_team.pk,
        10,
        Decimal("1.25"),
    )
    month = UsageMonth.objects.get()
    assert (str(month.month), month.queries, month.days, month.team_id) == ("2025-03-01", 10, 1, world.other_team.pk)
    assert UsageDay.objects.get().bytes_read == 5_000_000


def test_a_bulk_posted_twice_is_stored_once(post_usage, port, world):
    records = [record(f"2025-02-{d:02d}", queries=d) for d in range(1, 29)] + [
        record("2025-03-01", user="mia", team=None)
    ]
    first = post_usage({"records": records}, expect=201).json()
    assert first["created"] == 29
    again = post_usage({"records": records}, expect=200).json()
    assert again == {"received": 29, "created": 0, "updated": 0, "unchanged": 29}
    assert UsageRecord.objects.count() == 29
    feb = UsageMonth.objects.get(month="2025-02-01", team=world.other_team)
    assert feb.queries == sum(range(1, 29)) and feb.days == 28
    assert UsageMonth.objects.get(month="2025-03-01").user_id == world.member.pk


def test_a_corrected_record_replaces_the_old_one_and_the_rollups_follow(post_usage, port):
    post_usage(record(queries=10, cost="1.00"), expect=201)
    body = post_usage(record(queries=25, cost="2.50"), expect=201).json()
    assert body["updated"] == 1
    assert UsageRecord.objects.get().queries == 25
    month = UsageMonth.objects.get()
    assert (month.queries, month.days) == (25, 1)
    assert month.cost == Decimal("2.5")


def test_a_currency_change_moves_the_cost_between_rollup_rows(post_usage, port):
    post_usage(record(cost="3", currency="EUR"), expect=201)
    post_usage(record(cost="4", currency="USD"), expect=201)
    rows = {m.currency: (m.cost, m.days) for m in UsageMonth.objects.all()}
    assert rows["USD"] == (Decimal(4), 1)
    assert rows["EUR"] == (Decimal(0), 0)


def test_by_port_id(post_usage, port):
    body = record(port=port.pk)
    del body["product"]
    post_usage(body, expect=201)
    assert UsageRecord.objects.get().port_id == port.pk


def test_bad_fields_are_named_and_nothing_is_stored(post_usage, port):
    bad = [
        record(day="2025-03-01T10:00:00"),  # no zone
        record(day="2025-03-03"),  # tomorrow
        record(queries=-1),
        record(rows_read="12"),
        record(compute_seconds=True),
        record(cost="-2"),
        record(currency="eur"),
        record(team=None),
        record(day="2023-01-01"),  # older than the retention
        "nope",
    ]
    response = post_usage({"records": [record(), *bad]}, expect=400)
    errors = errors_of(response)
    assert set(errors) == {
        "/records/1/day",
        "/records/2/day",
        "/records/3/queries",
        "/records/4/rows_read",
        "/records/5/compute_seconds",
        "/records/6/cost",
        "/records/7/currency",
        "/records/8/team",
        "/records/9/day",
        "/records/10",
    }
    assert "zone" in errors["/records/1/day"]
    assert "future" in errors["/records/2/day"]
    assert UsageRecord.objects.count() == 0


def test_a_port_id_out_of_range_is_a_field_error(post_usage, port):
    body = record(port=2**70)
    del body["product"]
    assert "/port" in errors_of(post_usage(body, expect=400))


def test_a_day_given_as_a_time_with_a_zone_is_its_utc_day(post_usage, port):
    post_usage(record(day="2025-03-02T01:30:00+03:00"), expect=201)
    assert str(UsageRecord.objects.get().day) == "2025-03-01"


def test_unknown_ports_and_consumers_are_each_named(post_usage, port):
    response = post_usage(
        {
            "records": [
                record(),
                record(port="nope"),
                record(product="sales/ghost"),
                record(team="ghost-team"),
                record(port=999999, product=""),
            ]
        },
        expect=404,
    )
    assert set(errors_of(response)) == {"/records/1/port", "/records/2/port", "/records/3/team", "/records/4/port"}
    assert UsageRecord.objects.count() == 0


def test_the_same_record_twice_in_one_request_is_refused(post_usage, port):
    response = post_usage({"records": [record(), record(queries=3)]}, expect=400)
    assert "/records/1" in errors_of(response)


def test_a_key_used_for_another_record_is_a_conflict(post_usage, port):
    post_usage(record(key="k-1"), expect=201)
    response = post_usage(record(day="2025-02-27", key="k-1"), expect=409)
    assert "/key" in errors_of(response)
    assert UsageRecord.objects.count() == 1


def test_bulk_size_limits(post_usage, port):
    assert "/records" in errors_of(post_usage({"records": []}, expect=400))
    assert "/records" in errors_of(post_usage({"records": [record()] * 10_001}, expect=400))


def test_permissions(post_usage, port, world, user_client):
    # A token without the scope, and a token of another team, may not send.
    post_usage(record(), client=bearer_client(world.team, [Scope.READ, Scope.WRITE_SLI]), expect=403)
    post_usage(record(), client=bearer_client(world.other_team, list(Scope.values)), expect=403)
    post_usage(record(), client=user_client(world.outsider), expect=403)
    assert UsageRecord.objects.count() == 0
    post_usage(record(), client=user_client(world.member), expect=201)
    post_usage(record(day="2025-02-01"), client=user_client(world.staff), expect=201)


def test_usage_feeds_the_health_score(post_usage, port, product):
    from governance.health import Inputs, compute, product_health

    assert product_health([product.pk])[product.pk].parts["usage"] is None  # never reported: unknown
    post_usage(
        {"records": [record("2025-03-01", queries=5000), record("2025-03-01", team="sales-team", queries=10)]},
        expect=201,
    )
    health = product_health([product.pk])[product.pk]
    assert health.inputs.active_consumers == 2 and health.inputs.queries_30d == 5010
    usage = health.parts["usage"]
    assert usage is not None and 0 < usage < 1
    assert compute(Inputs(active_consumers=0, queries_30d=0)).parts["usage"] == 0.0  # used before, not lately


def test_active_consumers_without_a_grant_reach_search_ranking(post_usage, port, product):
    from search.documents import build

    assert build("product", [product.pk])[0][0].consumers == 0
    post_usage(record("2025-03-01", team="finance-team"), expect=201)
    assert build("product", [product.pk])[0][0].consumers == 1
