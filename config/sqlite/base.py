"""SQLite with writers that queue instead of polling, and statements converted to SQLite's style once.

SQLite admits one writer at a time. A second writer that finds the database locked waits in SQLite's busy
handler, which sleeps in growing steps of up to 100 ms: under a few concurrent writers, most of the time goes to
sleeping past the moment the lock was freed. Here every transaction first takes an exclusive `flock` on a file
beside the database, so waiting writers are woken by the kernel the moment the previous one commits. The lock
belongs to the open file, so the kernel frees it if a process dies. Single autocommit statements do not take it;
they rely on the busy timeout unless they run inside `single_write()`, which takes the lock around them.

Before a connection closes (every CONN_MAX_AGE seconds in a server, at the end of a command) it runs `PRAGMA
optimize`, as SQLite advises for long-lived connections: usually nothing, but it analyzes the tables that this
connection's queries would have planned better with statistics (never analyzed, or grown a lot since), sampling
at most ANALYSIS_LIMIT rows per index. Without statistics SQLite's plans were wrong on several pages at 100k
products (core/statistics.py).
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.sqlite3 import base

log = logging.getLogger(__name__)

_QMARK_CACHE_SIZE = 2048
ANALYSIS_LIMIT = 400


class CursorWrapper(base.SQLiteCursorWrapper):
    """Remembers each statement's conversion from Django's `%s` placeholders to SQLite's `?`.

    Django rewrites every statement with a regular expression before running it; the same few hundred statements
    come back on every request, and the rewrite was about 5% of the CPU of a lineage ingestion request. Only the
    placeholder style is remembered (by statement text), never parameters or results.
    """

    _converted: dict[str, str] = {}

    def convert_query(self, query, *, param_names=None):
        if param_names is not None:
            return super().convert_query(query, param_names=param_names)
        converted = self._converted.get(query)
        if converted is None:
            converted = super().convert_query(query)
            if len(self._converted) >= _QMARK_CACHE_SIZE:
                self._converted.clear()  # statements built per call (long IN lists) do not pile up
            self._converted[query] = converted
        return converted


class DatabaseWrapper(base.DatabaseWrapper):
    _lock_fd: int | None = None
    _lock_held = False

    def _lock_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if self.is_in_memory_db() or name.startswith("file:"):
            return None
        return name + ".writer-lock"

    def _acquire_writer_lock(self) -> None:
        path = self._lock_path()
        if path is None or self._lock_held:
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._lock_held = True

    def _release_writer_lock(self) -> None:
        if self._lock_held and self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        self._lock_held = False

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=CursorWrapper)

    @contextmanager
    def single_write(self) -> Iterator[None]:
        """Hold the writer lock around one autocommit write statement, so that it queues behind the current
        writer instead of meeting a locked database and sleeping in SQLite's busy handler (1 ms at the least).
        Inside a transaction the lock is held already; nothing more is done."""
        if self.in_atomic_block or self._lock_held:
            yield
            return
        self._acquire_writer_lock()
        try:
            yield
        finally:
            self._release_writer_lock()

    def _start_transaction_under_autocommit(self):
        self._acquire_writer_lock()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private: not in django-stubs
        except BaseException:
            self._release_writer_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()  # type: ignore[misc]  # private: not in django-stubs
        finally:
            self._release_writer_lock()

    def _rollback(self):
        try:
            return super()._rollback()  # type: ignore[misc]  # private: not in django-stubs
        finally:
            self._release_writer_lock()

    def _optimize(self) -> None:
        if self.connection is None or self.in_atomic_block or self.is_in_memory_db():
            return
        try:
            with self.single_write():  # it may write the statistics tables: queue like any writer
                self.connection.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
                self.connection.execute("PRAGMA optimize")
        except Exception as exc:  # a closing connection must close; statistics can wait for the next one
            log.debug("PRAGMA optimize before closing failed: %s", exc)

    def _close(self):
        try:
            self._optimize()
            return super()._close()  # type: ignore[misc]  # private: not in django-stubs
        finally:
            self._release_writer_lock()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
