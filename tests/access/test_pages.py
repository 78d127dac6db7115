"""The access pages without a browser: product page section, form errors next to fields, inbox and navigation."""

from access import services
from access.models import AccessRequest, Grant
from core.actors import Actor


def test_product_page_shows_terms_form_and_consumers(world, shop, client):
    client.force_login(world.outsider)
    page = client.get(shop.product.get_tab_url("access")).content.decode()
    assert 'id="access"' in page and "At most 30 days." in page
    assert "Team Finance Team" in page  # the grantee choice offers the person's teams
    assert "Nobody holds access yet." in page

    bad = client.post(
        f"/access/ports/{shop.port.pk}/request/",
        {
            f"port{shop.port.pk}-grantee": "me",
            f"port{shop.port.pk}-purpose": "Churn",
            f"port{shop.port.pk}-duration_days": "45",
        },
    )
    assert bad.status_code == 400
    assert "This port grants at most 30 days at a time." in bad.content.decode()
    assert not AccessRequest.objects.exists()

    ok = client.post(
        f"/access/ports/{shop.port.pk}/request/",
        {
            f"port{shop.port.pk}-grantee": "me",
            f"port{shop.port.pk}-purpose": "Churn",
            f"port{shop.port.pk}-duration_days": "20",
        },
        follow=True,
    )
    assert "Your request is with the product&#x27;s owners." in ok.content.decode()
    req = AccessRequest.objects.get()
    again = client.get(shop.product.get_tab_url("access")).content.decode()
    assert f'Your request <a href="/access/requests/{req.pk}/">#{req.pk}</a> is pending.' in again


def test_inbox_with_count_decide_and_audit(world, shop, client):
    req = services.access_request_create(
        actor=Actor(user=world.outsider), port=shop.port, purpose="Churn", duration_days=5
    )
    client.force_login(world.owner)
    inbox = client.get("/access/approvals/").content.decode()
    assert 'aria-label="1 waiting">1</span>' in inbox and "Churn" in inbox
    missing_reason = client.post(f"/access/requests/{req.pk}/decide/", {"decision": "reject", "reason": ""})
    assert missing_reason.status_code == 400
    assert "Give a reason for the rejection." in missing_reason.content.decode()
    done = client.post(f"/access/requests/{req.pk}/decide/", {"decision": "approve", "next": "inbox"}, follow=True)
    assert "Nothing waits for your decision." in done.content.decode()
    detail = client.get(f"/access/requests/{req.pk}/").content.decode()
    assert "Audit trail" in detail and "olivia" in detail and "Revoke" in detail
    assert Grant.objects.get(request=req).status == "active"
    product_page = client.get(shop.product.get_tab_url("access")).content.decode()
    assert "Consumers (1)" in product_page and "oscar" in product_page


def test_pages_refuse_outsiders(world, shop, client):
    req = services.access_request_create(actor=Actor(user=world.outsider), port=shop.port, purpose="x", duration_days=5)
    client.force_login(world.member)
    assert client.get(f"/access/requests/{req.pk}/").status_code == 404
    assert client.post(f"/access/requests/{req.pk}/decide/", {"decision": "approve"}).status_code == 404
    assert client.get(f"/access/domains/{world.domain.slug}/").status_code == 403
    nav = client.get("/access/requests/").content.decode()
    assert "Approvals" not in nav  # members decide nothing
    client.force_login(world.owner)
    settings_page = client.get(f"/access/domains/{world.domain.slug}/").content.decode()
    assert "Signing secret" in settings_page
    refused = client.post(f"/access/domains/{world.domain.slug}/", {"provisioning_url": "http://10.0.0.1/x"})
    assert refused.status_code == 400 and "ACCESS_WEBHOOK_ALLOWED_HOSTS" in refused.content.decode()
