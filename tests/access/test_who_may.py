"""Who may do what, beyond deciding: hidden requests answer 404 like missing ones, the product's deciders ask for
nothing, and domain settings belong to the domain's owners while staff operate the delivery log."""

from typing import Any

import pytest

from access import deliveries, services
from access.models import AccessRequest, DeliveryStatus, DomainAccessSettings, Grant, WebhookDelivery
from core.actors import Actor
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

API = "/api/v1/access"


def _oscars_request(world, shop, *, question: bool = False) -> AccessRequest:
    req = services.access_request_create(actor=Actor(user=world.outsider), port=shop.port, purpose="x", duration_days=5)
    if question:
        services.access_request_ask_info(actor=Actor(user=world.owner), request_id=req.pk, reason="Which columns?")
    return req


def test_actions_on_a_request_one_cannot_see_answer_like_a_missing_one(world, shop, user_client, client):
    req = _oscars_request(world, shop, question=True)
    missing = req.pk + 1000
    member = user_client(world.member)  # in the owning team, but not a decider and not the requester
    for action, body in (
        ("decision", {"decision": "reject", "reason": "no"}),
        ("withdraw", {"reason": ""}),
        ("info", {"reason": "an answer"}),
    ):
        hidden = member.post(f"{API}/requests/{req.pk}/{action}", body, format="json")
        absent = member.post(f"{API}/requests/{missing}/{action}", body, format="json")
        assert hidden.status_code == absent.status_code == 404, action
        assert hidden.json()["detail"] == f"Access request {req.pk} does not exist."
    # Who sees the request but may not do the action is told so: the owner cannot withdraw or answer for Oscar.
    owner = user_client(world.owner)
    assert owner.post(f"{API}/requests/{req.pk}/withdraw", {}, format="json").status_code == 403
    assert owner.post(f"{API}/requests/{req.pk}/info", {"reason": "me"}, format="json").status_code == 403
    # The same on pages.
    client.force_login(world.member)
    assert client.post(f"/access/requests/{req.pk}/decide/", {"decision": "approve"}).status_code == 404
    assert client.post(f"/access/requests/{req.pk}/withdraw/", {}).status_code == 404
    assert client.post(f"/access/requests/{req.pk}/answer/", {"reason": "x"}).status_code == 404
    client.force_login(world.outsider)
    assert client.post(f"/access/requests/{req.pk}/decide/", {"decision": "approve"}).status_code == 403
    assert AccessRequest.objects.get(pk=req.pk).status == "needs_info"


def test_revoking_a_grant_one_cannot_see_is_a_404(world, shop, user_client, client):
    req = _oscars_request(world, shop)
    services.access_request_approve(actor=Actor(user=world.owner), request_id=req.pk)
    grant = Grant.objects.get(request=req)
    body = {"reason": "The project ended."}
    assert user_client(world.member).post(f"{API}/grants/{grant.pk}/revoke", body, format="json").status_code == 404
    # The holder sees the grant but does not decide: 403.
    assert user_client(world.outsider).post(f"{API}/grants/{grant.pk}/revoke", body, format="json").status_code == 403
    client.force_login(world.steward)
    assert client.post(f"/access/grants/{grant.pk}/revoke/", body).status_code == 404
    assert Grant.objects.get(pk=grant.pk).status == "active"


def test_the_products_deciders_ask_for_nothing(world, shop, user_client, client):
    # An owner decides, and nobody decides their own request: their request could wait for ever.
    refused = user_client(world.owner).post(
        f"{API}/requests",
        {"product": "sales/orders", "port": "orders_table", "purpose": "Mine", "duration_days": 3},
        format="json",
    )
    assert refused.status_code == 403
    assert "You decide access to this product's ports" in refused.json()["detail"]
    # The owning team already owns the data: no request for it, from any of its people.
    with pytest.raises(ValidationFailed) as for_team:
        services.access_request_create(
            actor=Actor(user=world.member), port=shop.port, team=world.team, purpose="x", duration_days=3
        )
    assert for_team.value.errors[0].path == "/team"
    # A steward asks while the domain's owners decide alone, and no longer once stewards decide too.
    services.access_request_create(actor=Actor(user=world.steward), port=shop.port, purpose="x", duration_days=3)
    DomainAccessSettings.objects.create(domain=world.domain, stewards_may_decide=True)
    with pytest.raises(PermissionDenied):
        services.access_request_create(
            actor=Actor(user=world.steward), port=shop.open_port, purpose="x", duration_days=3
        )
    assert list(AccessRequest.objects.values_list("requester__username", flat=True)) == ["stefan"]

    # The product page offers no request form to a decider, and no owning team as grantee to a member.
    client.force_login(world.owner)
    page = client.get(shop.product.get_tab_url("access")).content.decode()
    assert "You decide access to this product's ports" in page and "Send request" not in page
    client.force_login(world.member)
    page = client.get(shop.product.get_tab_url("access")).content.decode()
    assert "Send request" in page and f"team:{world.team.slug}" not in page
    # The form's own page says the same to a decider who opens it, and a crafted POST is refused.
    client.force_login(world.owner)
    form_page = client.get(f"/access/ports/{shop.port.pk}/request/").content.decode()
    assert "You decide access to this product's ports" in form_page and "Send request" not in form_page
    fields = {
        f"port{shop.port.pk}-grantee": "me",
        f"port{shop.port.pk}-purpose": "x",
        f"port{shop.port.pk}-duration_days": "3",
    }
    assert client.post(f"/access/ports/{shop.port.pk}/request/", fields).status_code == 403


@pytest.fixture
def failed_delivery(world, shop):
    req = _oscars_request(world, shop)
    services.access_request_approve(actor=Actor(user=world.owner), request_id=req.pk)
    # The endpoint is set after the grant (which so announced nothing); the failed row stands for an older one.
    DomainAccessSettings.objects.create(domain=world.domain, provisioning_url="https://hooks.example/provision")
    return WebhookDelivery.objects.create(
        domain=world.domain,
        grant=Grant.objects.get(request=req),
        event="grant.created",
        url="https://hooks.example/old",
        payload={},
        status=DeliveryStatus.FAILED,
        attempts=8,
    )


def test_owners_hold_the_secret_and_staff_operate_the_log(world, user_client, client, failed_delivery):
    url = f"{API}/domains/{world.domain.slug}/settings"
    secret = DomainAccessSettings.objects.get(domain=world.domain).signing_secret
    assert user_client(world.owner).get(url).json()["signing_secret"] == secret
    staff = user_client(world.staff)
    seen = staff.get(url).json()
    assert seen["signing_secret"] is None and seen["provisioning_url"] == "https://hooks.example/provision"
    assert staff.put(url, {"stewards_may_decide": True, "rotate_secret": True}, format="json").status_code == 403
    assert DomainAccessSettings.objects.get(domain=world.domain).signing_secret == secret
    assert [d["id"] for d in staff.get(f"{API}/domains/{world.domain.slug}/deliveries").json()["results"]] == [
        failed_delivery.pk
    ]

    client.force_login(world.staff)
    page = client.get(f"/access/domains/{world.domain.slug}/").content.decode()
    assert secret not in page and "Show the secret" not in page and "platform operator" in page
    assert "Send again" in page
    assert client.post(f"/access/domains/{world.domain.slug}/", {"rotate_secret": "on"}).status_code == 403
    sent = client.post(f"/access/deliveries/{failed_delivery.pk}/redeliver/")
    assert sent.status_code == 302
    failed_delivery.refresh_from_db()
    # Sent again to the current endpoint, attempts starting over (tasks run in-process; the host does not resolve).
    assert failed_delivery.url == "https://hooks.example/provision" and failed_delivery.attempts <= 1


def test_redelivery_is_hidden_from_others_and_needs_an_endpoint(world, user_client, failed_delivery):
    member = user_client(world.member)
    assert member.post(f"{API}/deliveries/{failed_delivery.pk}/redeliver").status_code == 404
    assert member.post(f"{API}/deliveries/{failed_delivery.pk + 99}/redeliver").status_code == 404
    DomainAccessSettings.objects.filter(domain=world.domain).update(provisioning_url="")
    with pytest.raises(Conflict, match="no provisioning endpoint"):
        deliveries.webhook_redeliver(actor=Actor(user=world.owner), delivery_id=failed_delivery.pk)
    with pytest.raises(NotFound):
        deliveries.webhook_redeliver(actor=Actor(user=world.outsider), delivery_id=failed_delivery.pk)
    assert WebhookDelivery.objects.get(pk=failed_delivery.pk).status == DeliveryStatus.FAILED


def test_a_descriptor_sets_the_longest_access_of_a_port(world, user_client):
    from core.actors import Scope
    from tests.conftest import bearer_client

    pipeline = bearer_client(world.team, [Scope.WRITE_PRODUCTS])
    body: dict[str, Any] = {"name": "Invoices", "output_ports": [{"name": "invoices", "max_access_days": 14}]}
    assert pipeline.put("/api/v1/products/sales/invoices", body, format="json").status_code in (200, 201)
    too_long = user_client(world.outsider).post(
        f"{API}/requests",
        {"product": "sales/invoices", "port": "invoices", "purpose": "Audit", "duration_days": 15},
        format="json",
    )
    assert too_long.status_code == 400 and "at most 14 days" in too_long.json()["errors"][0]["detail"]
    body["output_ports"][0]["max_access_days"] = 0
    bad = pipeline.put("/api/v1/products/sales/invoices", body, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["pointer"] == "/output_ports/0/max_access_days"


def test_embedded_profile_housekeeping_and_overdue_deliveries(
    world, shop, settings, client, django_capture_on_commit_callbacks
):
    """Without a worker a failed first attempt stays pending; the command (cron) or "Send again" moves it on."""
    from datetime import timedelta

    import time_machine
    from django.core.management import call_command
    from django.utils import timezone

    settings.ACCESS_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1/32"]
    DomainAccessSettings.objects.create(domain=world.domain, provisioning_url="http://127.0.0.1:9/closed")
    with django_capture_on_commit_callbacks(execute=True):
        req = services.access_request_create(
            actor=Actor(user=world.outsider), port=shop.open_port, purpose="x", duration_days=1
        )
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)  # connection refused, eagerly
    client.force_login(world.owner)
    assert "Send again" not in client.get(f"/access/domains/{world.domain.slug}/").content.decode()
    with pytest.raises(Conflict):
        deliveries.webhook_redeliver(actor=Actor(user=world.owner), delivery_id=delivery.pk)

    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert "Send again" in client.get(f"/access/domains/{world.domain.slug}/").content.decode()
        out = __import__("io").StringIO()
        call_command("access_housekeeping", stdout=out)
        assert out.getvalue().strip() == "1 grants expired, 0 holders reminded, 1 deliveries sent again."
    assert Grant.objects.get(request=req).status == "expired"
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert WebhookDelivery.objects.filter(event="grant.expired").count() == 1


def test_a_retired_product_grants_no_new_access(world, shop, user_client):
    shop.product.status = "retired"
    shop.product.save(update_fields=["status"])
    refused = user_client(world.outsider).post(
        f"{API}/requests",
        {"product": "sales/orders", "port": "orders_sample", "purpose": "x", "duration_days": 3},
        format="json",
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["pointer"] == "/product"
    assert not AccessRequest.objects.exists()
