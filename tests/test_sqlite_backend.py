"""The SQLite backend (config.sqlite): placeholder conversion remembered per statement, and `single_write()`.

SQLite only. There is no SQLite marker to deselect in the PostgreSQL pass (pyproject.toml's markers), so the
module skips itself there.
"""

from __future__ import annotations

import fcntl
import os
import threading
from typing import cast

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db import connection as default_connection
from django.db.backends.sqlite3 import base as django_sqlite

from catalog.models import Team
from config.sqlite import base as portal_sqlite
from config.sqlite.base import CursorWrapper
from tests.factories import TeamFactory

# The same proxy, typed as the project's backend (which it is whenever this module is not skipped).
connection = cast(portal_sqlite.DatabaseWrapper, default_connection)

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="tests the project's SQLite backend")


# Placeholder conversion -------------------------------------------------------------------------------------


@pytest.fixture
def memo(monkeypatch) -> dict[str, str]:
    """An empty memo for the test (the real one is shared by every cursor of the process), and a count of the
    conversions Django's own code does."""
    fresh: dict[str, str] = {}
    monkeypatch.setattr(CursorWrapper, "_converted", fresh)
    return fresh


@pytest.fixture
def conversions(monkeypatch) -> list[str]:
    done: list[str] = []
    real = django_sqlite.SQLiteCursorWrapper.convert_query

    def counting(self, query, *, param_names=None):
        done.append(query)
        return real(self, query, param_names=param_names)

    monkeypatch.setattr(django_sqlite.SQLiteCursorWrapper, "convert_query", counting)
    return done


def one_row(sql: str, params) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


@pytest.mark.django_db
def test_placeholders_and_a_literal_percent_are_converted(memo):
    sql = "SELECT %s, %s || '%%', %s * 2"

    assert one_row(sql, [7, "half", 21]) == (7, "half%", 42)
    assert one_row(sql, [1, "", 0]) == (1, "%", 0)  # the remembered text, with other parameters
    assert memo == {sql: "SELECT ?, ? || '%', ? * 2"}


@pytest.mark.django_db
def test_the_same_statement_is_converted_once(memo, conversions):
    sql = "SELECT %s || '%%' || %s"

    for n in range(3):
        assert one_row(sql, [n, "x"]) == (f"{n}%x",)
    assert one_row("SELECT %s + 1", [1]) == (2,)

    assert conversions == [sql, "SELECT %s + 1"]
    assert set(memo) == {sql, "SELECT %s + 1"}


@pytest.mark.django_db
def test_named_parameters_are_converted_every_time_and_not_remembered(memo, conversions):
    sql = "SELECT %(word)s || '%%'"

    assert one_row(sql, {"word": "a"}) == ("a%",)
    assert one_row(sql, {"word": "b"}) == ("b%",)

    assert conversions == [sql, sql]
    assert memo == {}


@pytest.mark.django_db
def test_a_full_memo_is_emptied_before_the_next_statement_goes_in(memo, monkeypatch):
    monkeypatch.setattr(portal_sqlite, "_QMARK_CACHE_SIZE", 3)
    statements = [f"SELECT %s + {n}" for n in range(4)]

    for n, sql in enumerate(statements[:3]):
        assert one_row(sql, [10]) == (10 + n,)
    assert set(memo) == set(statements[:3])

    assert one_row(statements[3], [10]) == (13,)
    assert memo == {statements[3]: "SELECT ? + 3"}
    assert one_row(statements[0], [10]) == (10,)  # converted again, and still right
    assert set(memo) == {statements[3], statements[0]}


# single_write() ---------------------------------------------------------------------------------------------


def locked_elsewhere() -> bool:
    """Whether the writer lock file is held: a second open file description of it cannot take the lock."""
    path = connection._lock_path()
    assert path is not None
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


@pytest.fixture
def file_database():
    path = connection._lock_path()
    if path is None:
        pytest.skip("an in-memory test database has no writer lock")
    assert path == str(connection.settings_dict["NAME"]) + ".writer-lock"
    return path


@pytest.mark.django_db(transaction=True)
def test_single_write_holds_the_writer_lock_for_the_block_only(file_database):
    team = TeamFactory(slug="platform")
    assert not connection._lock_held and not locked_elsewhere()

    with connection.single_write():
        assert connection._lock_held
        assert locked_elsewhere()
        Team.objects.filter(pk=team.pk).update(name="Renamed")

    assert not connection._lock_held
    assert not locked_elsewhere()
    assert os.path.exists(file_database)
    assert Team.objects.get(pk=team.pk).name == "Renamed"


@pytest.mark.django_db(transaction=True)
def test_single_write_lets_go_of_the_lock_when_the_block_fails(file_database):
    with pytest.raises(RuntimeError), connection.single_write():
        assert connection._lock_held
        raise RuntimeError("the statement failed")

    assert not connection._lock_held
    assert not locked_elsewhere()


@pytest.mark.django_db(transaction=True)
def test_single_write_does_nothing_inside_a_transaction(file_database):
    with transaction.atomic():
        assert connection._lock_held  # taken when the transaction began
        with connection.single_write():
            assert connection._lock_held
        # Still the transaction's: leaving single_write must not have let go of it.
        assert connection._lock_held
        assert locked_elsewhere()

    assert not connection._lock_held
    assert not locked_elsewhere()


@pytest.mark.django_db(transaction=True)
def test_a_second_single_write_waits_for_the_first(file_database):
    team = TeamFactory(slug="platform")
    started, entered = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    first = connections[DEFAULT_DB_ALIAS]
    assert isinstance(first, portal_sqlite.DatabaseWrapper)

    def second_writer() -> None:
        own = connections[DEFAULT_DB_ALIAS]  # this thread's connection, with its own lock file descriptor
        try:
            assert isinstance(own, portal_sqlite.DatabaseWrapper) and own is not first
            started.set()
            with own.single_write():
                entered.set()
                Team.objects.filter(pk=team.pk).update(name="Second")
        except BaseException as exc:
            errors.append(exc)
        finally:
            own.close()

    with first.single_write():
        Team.objects.filter(pk=team.pk).update(name="First")
        thread = threading.Thread(target=second_writer)
        thread.start()
        assert started.wait(5)
        assert not entered.wait(0.2)  # blocked on the lock this thread holds
    assert entered.wait(5)
    thread.join(5)

    assert not thread.is_alive()
    assert errors == []
    assert Team.objects.get(pk=team.pk).name == "Second"
