"""PreparedExists: the SQL is compiled once per connection, the answer is asked of the database on every call."""

from __future__ import annotations

import threading

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from catalog.models import Team
from core.prepared import PreparedExists
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def counted(factory):
    """The factory, and a list that grows by one each time it is called."""
    calls: list[int] = []

    def wrapper():
        calls.append(1)
        return factory()

    return wrapper, calls


def test_each_call_asks_the_database():
    exists = PreparedExists(lambda: Team.objects.filter(slug="platform"))
    TeamFactory(slug="other")  # a row that does not match

    assert exists() is False
    team = TeamFactory(slug="platform")
    assert exists() is True
    team.delete()
    assert exists() is False


def test_the_filter_is_kept_in_the_compiled_sql():
    TeamFactory(slug="platform")

    assert PreparedExists(lambda: Team.objects.filter(slug="platform"))() is True
    assert PreparedExists(lambda: Team.objects.filter(slug="nobody"))() is False
    assert PreparedExists(lambda: Team.objects.exclude(slug="platform"))() is False


def test_the_query_is_built_once_per_connection(django_assert_num_queries):
    factory, calls = counted(lambda: Team.objects.filter(slug="platform"))
    exists = PreparedExists(factory)

    with django_assert_num_queries(3):  # still one query per call
        for _ in range(3):
            exists()
    TeamFactory(slug="platform")
    assert exists() is True

    assert len(calls) == 1
    assert list(exists.compiled.values.keys()) == [connections[DEFAULT_DB_ALIAS]]


def test_another_connection_compiles_its_own():
    factory, calls = counted(lambda: Team.objects.filter(slug="platform"))
    exists = PreparedExists(factory)
    assert exists() is False
    answers: list[bool] = []
    errors: list[BaseException] = []

    def in_another_thread() -> None:
        thread_connection = connections[DEFAULT_DB_ALIAS]
        try:
            answers.append(exists())
            answers.append(exists())
            answers.append(thread_connection in exists.compiled.values)
        except BaseException as exc:
            errors.append(exc)
        finally:
            thread_connection.close()

    thread = threading.Thread(target=in_another_thread)
    thread.start()
    thread.join(timeout=10)

    assert errors == []
    assert answers == [False, False, True]
    assert len(calls) == 2  # once for this thread's connection, once for the other's
