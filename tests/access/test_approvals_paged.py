"""The approvals page shows one page of open requests (oldest first) and says how many are open."""

from __future__ import annotations

import re

from access import services, views
from core.actors import Actor
from tests.factories import UserFactory


def test_approvals_are_paginated_oldest_first(world, shop, client, monkeypatch):
    monkeypatch.setattr(views, "APPROVALS_PER_PAGE", 2)
    people = [UserFactory(username=f"consumer{i}") for i in range(3)]
    for person in people:
        services.access_request_create(actor=Actor(user=person), port=shop.port, purpose="p", duration_days=5)
    client.force_login(world.owner)

    first = client.get("/access/approvals/").content.decode()
    assert "3 open." in first
    assert "Page 1 of 2" in first
    assert re.findall(r"<strong>(consumer\d)</strong>", first) == ["consumer0", "consumer1"]
    second = client.get("/access/approvals/?page=2").content.decode()
    assert re.findall(r"<strong>(consumer\d)</strong>", second) == ["consumer2"]
