"""The request -> decision -> grant flow through the services and the REST API, with its rules."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from access import selectors, services
from access.models import AccessEvent, AccessRequest, DomainAccessSettings, Grant, GrantStatus
from core.actors import Actor, Scope
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.conftest import bearer_client

API = "/api/v1/access"


def ask(client, shop, **overrides):
    body = {"product": "sales/orders", "port": "orders_table", "purpose": "Churn model", "duration_days": 14}
    return client.post(f"{API}/requests", {**body, **overrides}, format="json")


def test_request_approve_grant_over_the_api(world, shop, user_client, django_capture_on_commit_callbacks):
    outsider, owner = user_client(world.outsider), user_client(world.owner)
    with django_capture_on_commit_callbacks(execute=True):
        created = ask(outsider, shop)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "pending" and body["requester"] == "oscar" and body["grant"] is None
    # The owner (not the steward: the domain did not allow stewards) is mailed about the new request.
    assert [m.to for m in mail.outbox] == [[world.owner.email]]
    assert "Access requested: Orders / orders_table" in mail.outbox[0].subject

    assert [r["id"] for r in owner.get(f"{API}/approvals").json()["results"]] == [body["id"]]
    with django_capture_on_commit_callbacks(execute=True):
        decided = owner.post(f"{API}/requests/{body['id']}/decision", {"decision": "approve"}, format="json")
    assert decided.status_code == 200, decided.json()
    grant = decided.json()["grant"]
    assert grant["status"] == "active" and grant["user"] == "oscar" and grant["active"] is True
    # Other apps may mail about the product too (governance findings after the re-index); pick the access mails.
    granted = [m.to for m in mail.outbox if "Access granted: Orders / orders_table" in m.subject]
    assert granted == [[world.outsider.email]]

    events = outsider.get(f"{API}/requests/{body['id']}/events").json()
    assert [(e["subject"], e["actor"], e["from_state"], e["to_state"]) for e in events] == [
        ("request", "oscar", "", "pending"),
        ("request", "olivia", "pending", "approved"),
        ("grant", "olivia", "", "active"),
    ]
    assert selectors.consumer_counts([shop.product.pk]) == {shop.product.pk: 1}
    assert selectors.user_has_held_grant(user=world.outsider, product=shop.product)
    assert not selectors.user_has_held_grant(user=world.member, product=shop.product)


def test_open_port_grants_at_once(world, shop, user_client):
    response = ask(user_client(world.outsider), shop, port="orders_sample", duration_days=7)
    assert response.status_code == 201
    assert response.json()["status"] == "approved"
    assert response.json()["grant"]["status"] == "active"
    assert response.json()["decided_by"] is None


def test_rules_on_requests(world, shop, user_client):
    client = user_client(world.outsider)
    too_long = ask(client, shop, duration_days=31)
    assert too_long.status_code == 400
    assert too_long.json()["errors"][0]["pointer"] == "/duration_days"
    assert "at most 30 days" in too_long.json()["errors"][0]["detail"]
    not_my_team = ask(client, shop, team="sales-team")
    assert not_my_team.status_code == 400 and not_my_team.json()["errors"][0]["pointer"] == "/team"
    no_purpose = ask(client, shop, purpose="  ")
    assert no_purpose.status_code == 400 and no_purpose.json()["errors"][0]["pointer"] == "/purpose"
    assert ask(client, shop).status_code == 201
    second = ask(client, shop)
    assert second.status_code == 409
    assert AccessRequest.objects.count() == 1
    # For a team one belongs to, the grant goes to the team.
    team_req = ask(client, shop, port="orders_sample", team="finance-team")
    assert team_req.json()["grant"]["team"] == "finance-team" and team_req.json()["grant"]["user"] is None


def test_only_owners_decide_and_never_their_own(world, shop, user_client):
    req = services.access_request_create(
        actor=Actor(user=world.member), port=shop.port, purpose="Reporting", duration_days=10
    )
    url = f"{API}/requests/{req.pk}/decision"
    # The requester and staff see the request, so they are refused (403); the others do not (404, as if missing).
    for who, code in ((world.member, 403), (world.staff, 403), (world.outsider, 404), (world.steward, 404)):
        response = user_client(who).post(url, {"decision": "approve"}, format="json")
        assert response.status_code == code, who
    assert AccessRequest.objects.get(pk=req.pk).status == "pending"
    # Tokens are nobody in person.
    token = bearer_client(world.team, [Scope.READ, Scope.WRITE_PRODUCTS])
    assert token.post(url, {"decision": "approve"}, format="json").status_code == 403
    # When the domain says so, stewards decide too.
    DomainAccessSettings.objects.create(domain=world.domain, stewards_may_decide=True)
    assert user_client(world.steward).post(url, {"decision": "approve"}, format="json").status_code == 200
    assert AccessRequest.objects.get(pk=req.pk).decided_by == world.steward


def test_reject_needs_a_reason_and_decisions_are_final(world, shop, user_client, django_capture_on_commit_callbacks):
    req = services.access_request_create(actor=Actor(user=world.outsider), port=shop.port, purpose="x", duration_days=5)
    owner = user_client(world.owner)
    url = f"{API}/requests/{req.pk}/decision"
    missing = owner.post(url, {"decision": "reject", "reason": ""}, format="json")
    assert missing.status_code == 400 and missing.json()["errors"][0]["pointer"] == "/reason"
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.post(url, {"decision": "reject", "reason": "Use the sample"}, format="json").status_code == 200
    rejected = [m for m in mail.outbox if "Access rejected" in m.subject]
    assert [m.to for m in rejected] == [[world.outsider.email]] and rejected[0].body.startswith("Use the sample")
    again = owner.post(url, {"decision": "approve"}, format="json")
    assert again.status_code == 409
    assert not Grant.objects.exists()
    withdraw = user_client(world.outsider).post(f"{API}/requests/{req.pk}/withdraw", {}, format="json")
    assert withdraw.status_code == 409


def test_ask_for_information_then_answer_then_withdraw(world, shop):
    oscar, olivia = Actor(user=world.outsider), Actor(user=world.owner)
    req = services.access_request_create(actor=oscar, port=shop.port, purpose="x", duration_days=5)
    services.access_request_ask_info(actor=olivia, request_id=req.pk, reason="Which columns?")
    with pytest.raises(Conflict):
        services.access_request_approve(actor=olivia, request_id=req.pk)
    with pytest.raises(PermissionDenied):
        services.access_request_provide_info(actor=olivia, request_id=req.pk, reason="me?")
    services.access_request_provide_info(actor=oscar, request_id=req.pk, reason="Only totals")
    with pytest.raises(PermissionDenied):
        services.access_request_withdraw(actor=olivia, request_id=req.pk)
    services.access_request_withdraw(actor=oscar, request_id=req.pk, reason="Found another way")
    states = list(AccessEvent.objects.filter(request=req).values_list("to_state", "reason"))
    assert states == [
        ("pending", "x"),
        ("needs_info", "Which columns?"),
        ("pending", "Only totals"),
        ("withdrawn", "Found another way"),
    ]
    # A withdrawn request no longer blocks a fresh one.
    services.access_request_create(actor=oscar, port=shop.port, purpose="again", duration_days=5)


def test_revoke_expire_remind_and_renew(world, shop):
    oscar, olivia = Actor(user=world.outsider), Actor(user=world.owner)
    req = services.access_request_create(actor=oscar, port=shop.port, purpose="x", duration_days=10)
    services.access_request_approve(actor=olivia, request_id=req.pk)
    grant = Grant.objects.get(request=req)
    with pytest.raises(PermissionDenied):  # the holder sees the grant, but does not decide
        services.grant_revoke(actor=oscar, grant_id=grant.pk, reason="no")
    with pytest.raises(NotFound):  # a member of the owning team does not even see it
        services.grant_revoke(actor=Actor(user=world.member), grant_id=grant.pk, reason="no")
    with pytest.raises(ValidationFailed):
        services.grant_revoke(actor=olivia, grant_id=grant.pk, reason="")

    with time_machine.travel(timezone.now() + timedelta(days=5)):
        assert services.grants_remind() == 1
        assert services.grants_remind() == 0  # once per grant
        # Renewal: a fresh request, approved, replaces the active grant.
        renewal = services.access_request_create(actor=oscar, port=shop.port, purpose="more", duration_days=20)
        services.access_request_approve(actor=olivia, request_id=renewal.pk)
    grant.refresh_from_db()
    assert grant.status == GrantStatus.RENEWED
    new = Grant.objects.get(request=renewal)
    assert selectors.consumer_counts([shop.product.pk]) == {shop.product.pk: 1}

    with time_machine.travel(new.expires_at + timedelta(minutes=1)):
        assert selectors.consumer_counts([shop.product.pk]) == {}  # past expiry counts as gone at once
        assert services.grants_expire() == 1
        assert services.grants_expire() == 0
    new.refresh_from_db()
    assert new.status == GrantStatus.EXPIRED
    assert AccessEvent.objects.filter(request=renewal, subject="grant", to_state="expired", actor=None).exists()
    assert selectors.user_has_held_grant(user=world.outsider, product=shop.product)

    third = services.access_request_create(actor=oscar, port=shop.port, purpose="x", duration_days=3)
    services.access_request_approve(actor=olivia, request_id=third.pk)
    third_grant = Grant.objects.get(request=third)
    services.grant_revoke(actor=olivia, grant_id=third_grant.pk, reason="Left the project")
    with pytest.raises(Conflict):
        services.grant_revoke(actor=olivia, grant_id=third_grant.pk, reason="again")
    assert Grant.objects.get(pk=third_grant.pk).end_reason == "Left the project"


def test_only_requester_deciders_and_staff_see_a_request(world, shop, user_client):
    req = services.access_request_create(actor=Actor(user=world.outsider), port=shop.port, purpose="x", duration_days=5)
    for who, code in [(world.outsider, 200), (world.owner, 200), (world.staff, 200), (world.member, 404)]:
        assert user_client(who).get(f"{API}/requests/{req.pk}").status_code == code, who
    assert user_client(world.member).get(f"{API}/requests").json()["results"] == []


def test_decision_median_per_domain(world, shop):
    olivia = Actor(user=world.owner)
    start = timezone.now() - timedelta(days=3)
    for hours, who in ((2, world.outsider), (6, world.member), (10, world.staff)):
        with time_machine.travel(start, tick=False):
            req = services.access_request_create(actor=Actor(user=who), port=shop.port, purpose="x", duration_days=2)
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            services.access_request_reject(actor=olivia, request_id=req.pk, reason="no")
    assert selectors.decision_hours_median_by_domain() == {world.domain.pk: 6.0}
    assert selectors.decision_hours_median_by_domain([world.other_domain.pk]) == {}
    assert selectors.decision_hours_median_by_domain(days=1) == {}
