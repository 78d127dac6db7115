"""Deprecating a product or port: shown, told at once and 14 and 3 days before the sunset, grants ended and the
port retired at the sunset; access requests warned before, refused after."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from access import services as access
from access.models import Grant, GrantStatus
from catalog.models import Deprecation, LifecycleStatus
from catalog.services.deprecations import deprecation_set
from core.actors import Actor
from core.errors import PermissionDenied, ValidationFailed
from core.models import Notification
from notices.models import DeprecationNotice, Notice
from notices.timeline import deprecations_tick
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def deprecate(consumers, world, callbacks, *, days: int = 30, port: bool = True) -> Deprecation:
    target = consumers.orders.output_ports.get(name="orders_table") if port else None
    with callbacks(execute=True):
        return deprecation_set(
            actor=Actor(user=world.owner),
            product=consumers.orders,
            port=target,
            sunset_on=timezone.localdate() + dt.timedelta(days=days),
            reason="Moved to orders v2.",
            replacement=consumers.ledger,
        )


def stages(deprecation) -> list[str]:
    return sorted(DeprecationNotice.objects.filter(deprecation=deprecation).values_list("stage", flat=True))


def told(kind_key: str) -> set[str]:
    return set(Notice.objects.filter(key__endswith=kind_key).values_list("user__username", flat=True))


def test_the_timeline_tells_consumers_three_times_then_ends_grants_at_sunset(
    consumers, world, django_capture_on_commit_callbacks
):
    deprecation = deprecate(consumers, world, django_capture_on_commit_callbacks)
    port_consumers = {"gina", "oscar", "fiona", "ana", "fred"}
    assert told(":announced") == port_consumers
    assert Notification.objects.filter(kind="notices.deprecation", recipient=consumers.gina).count() == 1
    today = timezone.localdate()
    assert deprecations_tick(today=today + dt.timedelta(days=10)) == 0  # 20 days left: nothing due
    assert deprecations_tick(today=today + dt.timedelta(days=16)) == 5  # 14 days left
    assert deprecations_tick(today=today + dt.timedelta(days=17)) == 0  # once
    assert deprecations_tick(today=today + dt.timedelta(days=27)) == 5  # 3 days left
    assert stages(deprecation) == ["14d", "3d", "announced"]
    grant = Grant.objects.get(user=consumers.gina)
    assert grant.status == GrantStatus.ACTIVE
    with time_machine.travel(timezone.now() + dt.timedelta(days=30), tick=False):
        assert deprecations_tick() == 5
        assert deprecations_tick() == 0
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REVOKED and "sunset" in grant.end_reason
    assert Notification.objects.filter(kind="access.grant_ended_at_sunset", recipient=consumers.gina).exists()
    deprecation.refresh_from_db()
    assert deprecation.retired_at is not None
    assert told(":sunset") == port_consumers
    consumers.orders.refresh_from_db()
    assert consumers.orders.status == LifecycleStatus.PUBLISHED  # only the port retired


def test_a_sunset_under_14_days_away_skips_the_14_day_reminder(consumers, world, django_capture_on_commit_callbacks):
    deprecation = deprecate(consumers, world, django_capture_on_commit_callbacks, days=10)
    assert stages(deprecation) == ["14d", "announced"]
    assert deprecations_tick(today=timezone.localdate() + dt.timedelta(days=1)) == 0


def test_deprecating_the_product_marks_it_and_retires_it_at_sunset(
    consumers, world, django_capture_on_commit_callbacks
):
    deprecate(consumers, world, django_capture_on_commit_callbacks, port=False)
    consumers.orders.refresh_from_db()
    assert consumers.orders.status == LifecycleStatus.DEPRECATED
    deprecations_tick(today=timezone.localdate() + dt.timedelta(days=30))
    consumers.orders.refresh_from_db()
    assert consumers.orders.status == LifecycleStatus.RETIRED


def test_only_owners_deprecate_and_the_date_must_be_ahead(consumers, world):
    with pytest.raises(PermissionDenied):
        deprecation_set(
            actor=Actor(user=world.outsider), product=consumers.orders, sunset_on=dt.date(2100, 1, 1), reason="x"
        )
    with pytest.raises(ValidationFailed) as refused:
        deprecation_set(
            actor=Actor(user=world.owner), product=consumers.orders, sunset_on=timezone.localdate(), reason=""
        )
    assert {e.path for e in refused.value.errors} == {"/sunset_on", "/reason"}


def test_requests_for_a_deprecated_port_are_warned_then_refused_after_sunset(
    consumers, world, django_capture_on_commit_callbacks
):
    deprecate(consumers, world, django_capture_on_commit_callbacks)
    port = consumers.orders.output_ports.get(name="orders_table")
    newcomer = UserFactory(username="nina")
    req = access.access_request_create(actor=Actor(user=newcomer), port=port, purpose="Reports", duration_days=5)
    assert "deprecated and will be retired on" in req.warning
    assert "Its replacement is finance/ledger." in req.warning
    late = UserFactory(username="lars")
    later = timezone.now() + dt.timedelta(days=31)
    with time_machine.travel(later, tick=False), pytest.raises(ValidationFailed) as refused:
        access.access_request_create(actor=Actor(user=late), port=port, purpose="Reports", duration_days=5)
    assert refused.value.errors[0].path == "/port"


def test_the_api_deprecates_and_the_product_page_shows_it(consumers, world, team_client, client):
    response = team_client.put(
        "/api/v1/products/sales/orders/deprecation",
        {
            "sunset_on": str(timezone.localdate() + dt.timedelta(days=20)),
            "reason": "Superseded.",
            "port": "orders_table",
            "replacement": "finance/ledger",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["port"] == "orders_table"
    listed = team_client.get("/api/v1/products/sales/orders/deprecation").json()["results"]
    assert [d["reason"] for d in listed] == ["Superseded."]
    for body, pointer in [
        ({"sunset_on": "soon"}, "/sunset_on"),
        ({"sunset_on": 20270101, "reason": "x"}, "/sunset_on"),
        ({"sunset_on": "2027-01-01", "reason": "x", "port": 5}, "/port"),
        ({"sunset_on": "2027-01-01", "reason": ["x"]}, "/reason"),
        (["2027-01-01"], ""),
    ]:
        bad = team_client.put("/api/v1/products/sales/orders/deprecation", body, format="json")
        assert bad.status_code == 400 and [e["pointer"] for e in bad.json()["errors"]] == [pointer], body
    assert [d.reason for d in Deprecation.objects.filter(product__slug="orders")] == ["Superseded."]
    client.force_login(consumers.gina)
    html = client.get("/products/sales/orders/").content.decode()
    assert "Deprecated:</strong>" in html and "Superseded." in html
    assert 'href="/products/finance/ledger/"' in html


def test_the_deprecation_form_takes_a_csrf_token_and_tells_consumers(
    consumers, world, django_capture_on_commit_callbacks
):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.owner)
    url = "/products/sales/orders/deprecate/"
    page = browser.get(url)
    assert page.status_code == 200
    token = page.cookies["csrftoken"].value
    form = {"port": "", "sunset_on": str(timezone.localdate() + dt.timedelta(days=40)), "reason": "Use ledger."}
    assert browser.post(url, form).status_code == 403  # no token
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(url, {**form, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert told(":announced") == {"gina", "oscar", "fiona", "ana", "fred"}
    outsider = Client()
    outsider.force_login(consumers.gina)
    assert outsider.get(url).status_code == 403
