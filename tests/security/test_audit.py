"""The audit log: every state-changing request through pages and API, refused ones too, never a secret."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEntry
from core.actors import Scope
from tests.factories import ProductFactory
from tokens.services import token_create

pytestmark = pytest.mark.django_db


def _row_text(entry: AuditEntry) -> str:
    return " ".join(str(getattr(entry, f.attname)) for f in AuditEntry._meta.concrete_fields)


def test_a_token_write_is_recorded_with_token_team_route_object_and_status(world):
    ProductFactory(domain=world.domain, slug="orders")
    issued = token_create(actor=None, team=world.team, name="pipeline", scopes=[Scope.READ, Scope.WRITE_PRODUCTS])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")

    response = client.post("/api/v1/products/sales/orders/retire?secret=do-not-keep", REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 200
    entry = AuditEntry.objects.get()
    assert entry.method == "POST"
    assert entry.channel == "api"
    assert entry.path == "/api/v1/products/sales/orders/retire"  # no query string
    assert entry.route == "api-product-retire"
    assert entry.object_ref == "domain=sales, slug=orders"
    assert entry.status_code == 200
    assert entry.token_key_id == issued.token.key_id
    assert entry.team_slug == "sales-team"
    assert entry.user_id is None
    assert entry.client_ip == "10.1.2.3"
    text = _row_text(entry)
    assert issued.secret not in text
    assert issued.secret.split("_", 2)[2] not in text  # the random part may itself hold "_"
    assert "do-not-keep" not in text


def test_a_refused_write_is_recorded_with_its_status(world, other_team_client):
    ProductFactory(domain=world.domain, slug="orders")

    response = other_team_client.post("/api/v1/products/sales/orders/retire")

    assert response.status_code == 403
    entry = AuditEntry.objects.get()
    assert entry.status_code == 403
    assert entry.team_slug == "finance-team"


def test_an_unauthenticated_write_is_recorded_as_anonymous(world):
    response = APIClient().put("/api/v1/products/sales/orders", {"name": "x"}, format="json")

    assert response.status_code == 401
    entry = AuditEntry.objects.get()
    assert (entry.status_code, entry.username, entry.token_key_id, entry.actor_label) == (401, "", "", "anonymous")


def test_a_page_write_records_the_person_and_never_the_password(world):
    client = Client()
    response = client.post("/accounts/login/", {"username": "olivia", "password": "pass-word-123"})
    assert response.status_code == 302

    entry = AuditEntry.objects.get()
    assert entry.channel == "page"
    assert entry.route == "login"
    assert entry.username == "olivia"  # the person is known once the sign-in succeeded
    assert "pass-word-123" not in _row_text(entry)


def test_a_page_write_by_a_signed_in_person_names_them(world, client):
    client.force_login(world.owner)
    issued = token_create(actor=None, team=world.team, name="old", scopes=[Scope.READ])

    response = client.post(f"/teams/sales-team/tokens/{issued.token.key_id}/revoke/")

    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert (entry.username, entry.user_id, entry.route) == ("olivia", world.owner.pk, "token_revoke")
    assert entry.object_ref == f"slug=sales-team, key_id={issued.token.key_id}"


def test_reads_are_not_recorded(world, team_client, client):
    client.force_login(world.owner)
    team_client.get("/api/v1/products")
    client.get("/")
    assert not AuditEntry.objects.exists()


def test_a_failing_audit_write_never_breaks_the_request(world, client, caplog):
    client.force_login(world.owner)
    issued = token_create(actor=None, team=world.team, name="old", scopes=[Scope.READ])
    with mock.patch("audit.middleware.audit_request_record", side_effect=RuntimeError("disk full")):
        response = client.post(f"/teams/sales-team/tokens/{issued.token.key_id}/revoke/")

    assert response.status_code == 302
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    assert "audit entry not stored: POST /teams/sales-team/tokens/" in caplog.text


def _entry(**fields):
    defaults = {"channel": "api", "method": "POST", "path": "/api/v1/x", "status_code": 200}
    return AuditEntry.objects.create(**{**defaults, **fields})


def test_staff_browse_and_filter_the_log_page(world, client):
    _entry(username="olivia", path="/api/v1/products/sales/a", status_code=201)
    _entry(username="mia", path="/glossary/x", channel="page", status_code=403)
    client.force_login(world.staff)

    page = client.get("/audit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/api/v1/products/sales/a" in html and "/glossary/x" in html

    refused = client.get("/audit/", {"refused": "on"}).content.decode()
    assert "/glossary/x" in refused and "/api/v1/products/sales/a" not in refused
    by_person = client.get("/audit/", {"username": "olivia"}).content.decode()
    assert "/api/v1/products/sales/a" in by_person and "/glossary/x" not in by_person


def test_the_log_page_is_refused_to_people_who_are_not_staff(world, client):
    client.force_login(world.owner)
    assert client.get("/audit/").status_code == 403


def test_the_log_api_answers_staff_with_filters(world):
    with time_machine.travel("2026-01-01 12:00Z"):
        _entry(username="olivia", method="PUT")
    _entry(team_slug="sales-team", token_key_id="abc", method="DELETE", status_code=404)
    client = APIClient()
    client.force_authenticate(world.staff)

    everything = client.get("/api/v1/audit")
    assert everything.status_code == 200
    assert everything.json()["count"] == 2
    assert [e["method"] for e in everything.json()["results"]] == ["DELETE", "PUT"]  # newest first

    team = client.get("/api/v1/audit", {"team": "sales-team"}).json()["results"]
    assert [(e["actor"], e["status_code"]) for e in team] == [("token abc (sales-team)", 404)]
    january = client.get("/api/v1/audit", {"until": "2026-01-01"}).json()["results"]
    assert [e["username"] for e in january] == ["olivia"]


def test_the_log_api_names_a_bad_filter(world):
    client = APIClient()
    client.force_authenticate(world.staff)
    response = client.get("/api/v1/audit", {"since": "yesterday"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == "/since"


def test_the_log_api_is_refused_to_tokens_and_people_who_are_not_staff(world, team_client, user_client):
    assert team_client.get("/api/v1/audit").status_code == 403
    assert user_client(world.owner).get("/api/v1/audit").status_code == 403


def test_the_purge_deletes_only_entries_past_the_retention(world, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        _entry(path="/old")
    with time_machine.travel(timezone.now() - timedelta(days=29)):
        _entry(path="/recent")

    call_command("audit_purge")

    assert list(AuditEntry.objects.values_list("path", flat=True)) == ["/recent"]


def test_the_admin_shows_the_log_read_only(world, client):
    world.staff.is_superuser = True
    world.staff.save()
    entry = _entry(path="/x")
    client.force_login(world.staff)
    assert client.get("/admin/audit/auditentry/").status_code == 200
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/delete/").status_code == 403


def test_staff_find_the_log_in_their_menu_and_others_do_not(world, client):
    client.force_login(world.staff)
    assert 'href="/audit/"' in client.get("/").content.decode()
    client.force_login(world.owner)
    assert 'href="/audit/"' not in client.get("/").content.decode()
