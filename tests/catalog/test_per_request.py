"""A person's team roles are read once per web request (core/per_request.py), and again after a membership
written in the same request; outside a request they are read every time."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from catalog.models import TeamMembership, TeamRole
from core import per_request
from core.actors import Actor
from tests.catalog.test_tasks_dispatch import web_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(world):
    return get_user_model().objects.create_user("newcomer", password="x")


def test_roles_are_read_once_per_request(world, newcomer, django_assert_num_queries):
    with web_request():
        with django_assert_num_queries(1):
            first = Actor(user=newcomer).roles_by_team
            second = Actor(user=newcomer).roles_by_team
        assert first == second == {}
        TeamMembership.objects.create(user=newcomer, team=world.team, role=TeamRole.MEMBER)
        assert Actor(user=newcomer).roles_by_team == {world.team.pk: TeamRole.MEMBER}
        TeamMembership.objects.filter(user=newcomer).delete()
        assert Actor(user=newcomer).roles_by_team == {}


def test_outside_a_request_roles_are_read_each_time(world, newcomer, django_assert_num_queries):
    with django_assert_num_queries(2):
        assert Actor(user=newcomer).roles_by_team == Actor(user=newcomer).roles_by_team == {}


def test_each_request_reads_them_afresh(world, newcomer):
    with web_request():
        assert Actor(user=newcomer).roles_by_team == {}
    TeamMembership.objects.bulk_create([TeamMembership(user=newcomer, team=world.team, role=TeamRole.OWNER)])
    with web_request():
        assert Actor(user=newcomer).roles_by_team == {world.team.pk: TeamRole.OWNER}


def test_answers_by_id_are_computed_once_per_id():
    asked: list[list[int]] = []

    @per_request.by_ids("tests.squares")
    def squares(ids: list[int]) -> dict[int, int]:
        asked.append(ids)
        return {pk: pk * pk for pk in ids if pk != 3}  # 3 has no answer

    with web_request():
        assert squares([1, 2, 3]) == {1: 1, 2: 4}
        assert squares([2, 1]) == {2: 4, 1: 1}
        assert squares([3, 4]) == {4: 16}
    assert asked == [[1, 2, 3], [4]]
    assert squares([1]) == {1: 1}  # outside a request: computed
    assert asked[-1] == [1]


def test_requests_that_may_write_keep_nothing():
    per_request._started(environ={"REQUEST_METHOD": "POST"})  # what request_started does for a POST
    try:
        calls = []
        per_request.remember(("tests", 1), lambda: calls.append(1))
        per_request.remember(("tests", 1), lambda: calls.append(1))
        assert calls == [1, 1]
    finally:
        per_request._finished()
