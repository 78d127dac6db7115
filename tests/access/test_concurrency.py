"""Two approvers at once: one decision. Real threads on PostgreSQL (row locks), and the rule on any database."""

import threading

import pytest
from django.db import connection

from access import services
from access.models import AccessEvent, AccessRequest, Grant
from catalog.models import TeamRole
from core.actors import Actor
from core.errors import Conflict
from tests.factories import MembershipFactory, UserFactory


def test_second_decision_is_a_conflict(world, shop):
    req = services.access_request_create(actor=Actor(user=world.outsider), port=shop.port, purpose="x", duration_days=5)
    services.access_request_approve(actor=Actor(user=world.owner), request_id=req.pk)
    other_owner = UserFactory(username="otto")
    MembershipFactory(team=world.team, user=other_owner, role=TeamRole.OWNER)
    with pytest.raises(Conflict):
        services.access_request_reject(actor=Actor(user=other_owner), request_id=req.pk, reason="late")
    assert Grant.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_make_one_decision(world, shop):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (DATABASE_URL)")
    other_owner = UserFactory(username="otto")
    MembershipFactory(team=world.team, user=other_owner, role=TeamRole.OWNER)
    req = services.access_request_create(actor=Actor(user=world.outsider), port=shop.port, purpose="x", duration_days=5)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def decide(user, decision: str) -> None:
        try:
            barrier.wait()
            services.access_request_decide(actor=Actor(user=user), request_id=req.pk, decision=decision, reason="r")
            outcomes.append(decision)
        except Conflict:
            outcomes.append("conflict")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(world.owner, "approve")),
        threading.Thread(target=decide, args=(other_owner, "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(outcomes).count("conflict") == 1
    final = AccessRequest.objects.get(pk=req.pk)
    winner = next(o for o in outcomes if o != "conflict")
    assert final.status == {"approve": "approved", "reject": "rejected"}[winner]
    assert Grant.objects.filter(request=req).count() == (1 if winner == "approve" else 0)
    assert AccessEvent.objects.filter(request=req, subject="request").exclude(to_state="pending").count() == 1
