"""Who is told of a change to a product, and how: recipients from grants, input ports, lineage and follows;
each person once, by the channel and frequency they chose; a fixed number of queries for 500 consumers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.models import AccessRequest, Grant
from catalog.models import ProductVersion
from core.actors import Actor
from core.models import Notification
from notices import recipients
from notices.follows import follow_create, preferences_set
from notices.models import Follow, FollowTarget, Frequency, Notice
from notices.services import digests_send, versions_announce
from tests.factories import UserFactory
from tests.notices.conftest import orders_body

pytestmark = pytest.mark.django_db


def test_consumers_come_from_grants_input_ports_lineage_and_follows(consumers):
    found = recipients.consumers({consumers.orders.pk})
    by_name = {user.username: sorted(found[user.pk]) for user in (consumers.gina, consumers.oscar, consumers.fiona,
                                                                    consumers.ana, consumers.fred)}  # fmt: skip
    assert by_name == {
        "gina": ["grant"],
        "oscar": ["input port", "lineage"],
        "fiona": ["input port", "lineage"],
        "ana": ["lineage"],
        "fred": ["follow"],
    }
    assert len(found) == 5  # the producers themselves consume nothing


def test_a_term_follower_is_a_consumer_of_the_products_linked_to_it(consumers, world, publish):
    from glossary.models import Glossary, Term, TermProductLink

    glossary = Glossary.objects.create(domain=world.domain)
    term = Term.objects.create(glossary=glossary, slug="order", name="Order", definition="An order.")
    TermProductLink.objects.create(term=term, product=consumers.orders)
    tess = UserFactory(username="tess")
    follow_create(actor=Actor(user=tess), target=term)
    assert recipients.consumers({consumers.orders.pk})[tess.pk] == {"follow"}


def test_a_breaking_change_with_a_bump_tells_every_consumer_once(consumers, world, publish):
    mail.outbox.clear()
    Notification.objects.all().delete()
    publish(orders_body(version="2.0.0", drop="note"))
    notices = Notice.objects.filter(kind="breaking_change")
    told = sorted(notices.values_list("user__username", flat=True))
    assert told == ["ana", "fiona", "fred", "gina", "oscar"]
    inbox = Notification.objects.filter(kind="notices.breaking_change")
    assert sorted(inbox.values_list("recipient__username", flat=True)) == told
    assert inbox.first().title == "Breaking change to Orders 2.0.0"
    assert "/outputPorts/orders_table/fields/note: field removed (breaking)" in inbox.first().body
    assert sorted(m.to[0].split("@")[0] for m in mail.outbox) == told  # each by mail too (the default)
    # The task is idempotent: announcing the same version again tells nobody twice.
    versions_announce(version_ids=[ProductVersion.objects.latest("pk").pk])
    assert Notification.objects.filter(kind="notices.breaking_change").count() == 5


def test_each_person_is_told_by_the_channel_and_frequency_they_chose(consumers, world, publish):
    preferences_set(
        actor=Actor(user=consumers.gina), choices={"breaking_change": {"frequency": "immediately", "mail": False}}
    )
    preferences_set(actor=Actor(user=consumers.fred), choices={"breaking_change": {"frequency": "off"}})
    preferences_set(actor=Actor(user=consumers.ana), choices={"breaking_change": {"frequency": "digest"}})
    mail.outbox.clear()
    publish(orders_body(version="2.0.0", drop="note"))
    inbox = set(
        Notification.objects.filter(kind="notices.breaking_change").values_list("recipient__username", flat=True)
    )
    assert inbox == {"gina", "oscar", "fiona"}
    mailed = {m.to[0].split("@")[0] for m in mail.outbox}
    assert "gina" not in mailed and {"oscar", "fiona"} <= mailed
    assert not Notice.objects.filter(user=consumers.fred).exists()
    waiting = Notice.objects.get(user=consumers.ana)
    assert waiting.frequency == Frequency.DIGEST and waiting.sent_at is None

    assert digests_send() == 1
    digest = Notification.objects.get(recipient=consumers.ana, kind="notices.digest")
    assert "Breaking change to Orders 2.0.0" in digest.body
    assert Notice.objects.get(user=consumers.ana).sent_at is not None
    assert digests_send() == 0  # sent once


def test_a_compatible_change_is_a_new_version_in_the_daily_digest_by_default(consumers, world, publish):
    body = orders_body()
    body["output_ports"][0]["fields"].append({"name": "currency", "type": "string"})
    publish(body)
    notices = Notice.objects.filter(kind="new_version")
    assert notices.count() == 5 and all(n.sent_at is None for n in notices)
    assert not Notification.objects.filter(kind="notices.new_version").exists()


def test_the_author_of_a_change_is_not_told_of_it(consumers, world, publish):
    follow_create(actor=Actor(user=world.owner), target=consumers.orders)
    publish(orders_body(version="2.0.0", drop="note"))
    assert not Notice.objects.filter(user=world.owner).exists()


def _add_consumers(consumers, count: int) -> None:
    users = [UserFactory.build(username=f"c{count}-{i}", email=f"c{i}@example.com") for i in range(count)]
    for user in users:
        user.set_unusable_password()
    users = type(users[0]).objects.bulk_create(users)
    port = consumers.orders.output_ports.get(name="orders_table")
    half = count // 2
    now = timezone.now()
    requests = AccessRequest.objects.bulk_create(
        AccessRequest(
            port=port, product=consumers.orders, requester=u, purpose="x", duration_days=30, status="approved"
        )
        for u in users[:half]
    )
    Grant.objects.bulk_create(
        Grant(request=r, port=port, product=consumers.orders, user=r.requester, starts_at=now,
              expires_at=now + timedelta(days=30))
        for r in requests
    )  # fmt: skip
    Follow.objects.bulk_create(
        Follow(user=u, target=FollowTarget.PRODUCT, product=consumers.orders) for u in users[half:]
    )


def _announce_queries(consumers, world, publish) -> tuple[int, int]:
    publish(orders_body(version=f"{ProductVersion.objects.count() + 1}.0.0",
                                                                    drop="note"))  # fmt: skip
    version = ProductVersion.objects.latest("pk")
    Notice.objects.filter(version=version).delete()
    recipients.consumers({consumers.orders.pk})  # the lineage graph is read once per process
    with CaptureQueriesContext(connection) as queries:
        told = versions_announce(version_ids=[version.pk])
    # Reads and updates are counted; the rows written (notices, inbox entries) are inserted in batches whose
    # size the database's parameter limit sets (999 on SQLite), which is one statement on PostgreSQL.
    inserts = {q["sql"].split('"')[1] for q in queries.captured_queries if q["sql"].startswith("INSERT")}
    assert inserts <= {"notices_notice", "catalog_notification"}, inserts
    return len([q for q in queries.captured_queries if not q["sql"].startswith("INSERT")]), told


def test_telling_500_consumers_takes_as_many_queries_as_telling_10(consumers, world, publish):
    _add_consumers(consumers, 10)
    few, told_few = _announce_queries(consumers, world, publish)
    assert told_few == 15
    _add_consumers(consumers, 500)
    many, told_many = _announce_queries(consumers, world, publish)
    assert told_many == 515
    assert many == few, f"{few} queries for 15 people, {many} for 515"
