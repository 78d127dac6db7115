"""The audit entry of an OpenLineage POST is written inside the ingestion transaction: one entry per request,
with the status the client got, even when the answer changes after the entry was written or the write rolls back."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEntry
from core.actors import Scope
from lineage.api import views
from lineage.models import LineageEvent
from tests.lineage.conftest import run_event
from tokens.services import token_create

pytestmark = pytest.mark.django_db

PATH = "/api/v1/lineage"
BATCH_PATH = "/api/v1/lineage/batch"


@pytest.fixture
def issued(world):
    return token_create(actor=None, team=world.team, name="pipeline", scopes=[Scope.READ, Scope.WRITE_LINEAGE])


@pytest.fixture
def client(issued):
    """Server errors come back as 500 answers instead of being raised into the test."""
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    return client


def statuses(path: str = PATH) -> list[int]:
    return list(AuditEntry.objects.filter(path=path).order_by("pk").values_list("status_code", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_stored_event_gets_one_entry_with_201_and_the_token(client, issued):
    response = client.post(PATH, run_event("load_orders"), format="json", REMOTE_ADDR="10.0.0.7")

    assert response.status_code == 201
    entry = AuditEntry.objects.get()  # the middleware did not add a second one
    assert (entry.path, entry.method, entry.route, entry.status_code) == (PATH, "POST", "api-lineage", 201)
    assert entry.token_key_id == issued.token.key_id
    assert entry.team_slug == "sales-team"
    assert entry.client_ip == "10.0.0.7"
    assert LineageEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_replay_gets_its_own_entry_with_200(client):
    event = run_event("load_orders")
    assert client.post(PATH, event, format="json").status_code == 201

    replay = client.post(PATH, event, format="json")

    assert replay.status_code == 200
    assert replay.json() == {"received": 1, "stored": 0, "duplicates": 1}
    assert statuses() == [201, 200]
    assert LineageEvent.objects.count() == 1


def test_a_batch_gets_one_entry_with_201(client, issued):
    events = [run_event("a"), run_event("b"), run_event("c")]

    response = client.post(BATCH_PATH, events, format="json")

    assert response.status_code == 201
    assert statuses(BATCH_PATH) == [201]
    assert AuditEntry.objects.count() == 1
    entry = AuditEntry.objects.get()
    assert (entry.route, entry.token_key_id) == ("api-lineage-batch", issued.token.key_id)
    assert LineageEvent.objects.count() == 3


def test_an_invalid_event_is_recorded_by_the_middleware_with_400(client, issued):
    event = run_event("load_orders")
    del event["eventTime"]

    response = client.post(PATH, event, format="json")

    assert response.status_code == 400
    assert statuses() == [400]
    assert AuditEntry.objects.get().token_key_id == issued.token.key_id
    assert not LineageEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_answer_that_fails_after_the_entry_is_recorded_again_with_500(client, monkeypatch):
    calls = []

    def status_then_fail(stored: int) -> int:
        calls.append(stored)
        if len(calls) == 1:
            return 201  # the in-transaction entry
        raise RuntimeError("building the answer failed")

    monkeypatch.setattr(views, "_answer_status", status_then_fail)

    response = client.post(PATH, run_event("load_orders"), format="json")

    assert response.status_code == 500
    assert calls == [1, 1]
    # The committed entry says 201, the middleware's says what the client really got.
    assert statuses() == [201, 500]
    assert LineageEvent.objects.count() == 1  # the write itself had committed


@pytest.mark.django_db(transaction=True)
def test_a_rollback_after_the_entry_takes_the_entry_with_it(client, monkeypatch):
    real = views.audit_record_in_transaction
    written_in_transaction = []

    def record_then_fail(request, *, status_code):
        real(request, status_code=status_code)
        # The entry is there, uncommitted, in the ingestion's transaction.
        written_in_transaction.append(AuditEntry.objects.filter(path=PATH, status_code=status_code).count())
        raise RuntimeError("failure after the audit entry, before the commit")

    monkeypatch.setattr(views, "audit_record_in_transaction", record_then_fail)

    response = client.post(PATH, run_event("load_orders"), format="json")

    assert response.status_code == 500
    assert written_in_transaction == [1]
    assert statuses() == [500]  # the 201 entry rolled back with the event; the middleware recorded the 500
    assert not LineageEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_entry_that_cannot_be_stored_fails_the_ingestion(client, monkeypatch):
    import audit.services

    def refuse(**kwargs):
        raise RuntimeError("audit table unavailable")

    # Only the in-transaction path: the middleware holds its own reference and still records the failure.
    monkeypatch.setattr(audit.services, "audit_request_record", refuse)

    response = client.post(PATH, run_event("load_orders"), format="json")

    assert response.status_code == 500
    assert not LineageEvent.objects.exists()  # no write without its entry
    assert statuses() == [500]
