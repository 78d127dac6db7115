"""Backup and restore of the portal's database, for both profiles.

SQLite is copied with its online backup API: a consistent snapshot page by page while the portal keeps running
(a plain file copy of a WAL database can miss what is still in the -wal file). PostgreSQL goes through pg_dump's
custom format and pg_restore. The search index is derived state: it is not trusted from a backup but rebuilt from
the restored rows (`search_reindex`), whichever engine serves it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import connections

ALIAS = "default"


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class BackupResult:
    path: Path
    engine: str
    size: int


def engine_kind(alias: str = ALIAS) -> str:
    vendor = connections[alias].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"No backup support for the {vendor} database backend.")
    return vendor


def default_suffix(kind: str) -> str:
    return ".sqlite3" if kind == "sqlite" else ".pgdump"


def _pg_env_and_args(alias: str) -> tuple[dict[str, str], list[str]]:
    conf = connections[alias].settings_dict
    env = dict(os.environ)
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    args = []
    if conf.get("HOST"):
        args += ["--host", str(conf["HOST"])]
    if conf.get("PORT"):
        args += ["--port", str(conf["PORT"])]
    if conf.get("USER"):
        args += ["--username", str(conf["USER"])]
    return env, args


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed; install the PostgreSQL client tools (apt-get install postgresql-client)."
        )
    return path


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip() or result.stdout.strip()}")


def database_backup(*, target: Path, alias: str = ALIAS) -> BackupResult:
    """Write a consistent copy of the whole database to `target` (a new file)."""
    kind = engine_kind(alias)
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    connection = connections[alias]
    try:
        if kind == "sqlite":
            connection.ensure_connection()
            with sqlite3.connect(partial) as destination:
                connection.connection.backup(destination)
            destination.close()
        else:
            env, args = _pg_env_and_args(alias)
            name = connection.settings_dict["NAME"]
            _run(
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-acl", *args, "--file", str(partial), name],
                env,
            )
        partial.rename(target)  # a backup file that exists is a complete one
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(path=target, engine=kind, size=target.stat().st_size)


def _looks_like(path: Path, kind: str) -> bool:
    with path.open("rb") as file:
        head = file.read(16)
    return head.startswith(b"SQLite format 3") if kind == "sqlite" else head.startswith(b"PGDMP")


def database_restore(*, source: Path, alias: str = ALIAS) -> str:
    """Replace the whole database with the backup in `source`. Everything written since the backup is lost."""
    kind = engine_kind(alias)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} is not a file.")
    if not _looks_like(source, kind):
        expected = "an SQLite database" if kind == "sqlite" else "a pg_dump custom-format archive"
        raise BackupError(f"{source} is not {expected}, which this {kind} portal needs.")
    connection = connections[alias]
    if kind == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as backup:
            # Page by page into the live file, under SQLite's own locks: other processes see the old
            # database or the restored one, never a mix.
            backup.backup(connection.connection)
        backup.close()
    else:
        env, args = _pg_env_and_args(alias)
        name = connection.settings_dict["NAME"]
        connection.close()  # our own session must not hold locks on the tables being replaced
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-acl",
                "--single-transaction",
                *args,
                "--dbname",
                name,
                str(source),
            ],
            env,
        )
    return kind
