"""Connection secrets: URLs are stored without their password, which comes from an environment variable or a file
named by the connection, read only when a harvest connects. Pure (no models)."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from core.errors import FieldError, ValidationFailed

# SQLAlchemy dialect -> OpenLineage namespace scheme.
SCHEMES = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite", "mssql": "sqlserver"}
DRIVERS = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql"}


class SecretMissing(Exception):
    pass


def parse_url(value: str, *, path: str = "/url") -> URL:
    """A SQLAlchemy URL without a password (one in it is refused: it would be stored)."""
    try:
        url = make_url(value.strip())
    except ArgumentError as exc:
        raise ValidationFailed([FieldError(path, f"Not a SQLAlchemy URL: {exc}.")]) from exc
    if url.password:
        raise ValidationFailed(
            [
                FieldError(
                    path,
                    "Leave the password out of the URL; name the environment variable or the file that holds it.",
                )
            ]
        )
    if url.get_backend_name() not in SCHEMES:
        raise ValidationFailed(
            [FieldError(path, f"Unsupported database '{url.get_backend_name()}': postgresql, mysql, mariadb, sqlite.")]
        )
    return url


def masked(value: str) -> str:
    """The URL as shown: any password (there should be none) and the query string's secrets hidden."""
    try:
        url = make_url(value)
    except ArgumentError:
        return "(unreadable URL)"
    if url.password:
        url = url.set(password="***")  # noqa: S106 - the mask shown, not a password
    return url.render_as_string(hide_password=True)


def host_port(value: str) -> str:
    try:
        url = make_url(value)
    except ArgumentError:
        return ""
    if not url.host:
        return ""
    port = url.port or {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}.get(url.get_backend_name())
    return f"{url.host}:{port}" if port else url.host


def namespace(value: str) -> str:
    """The OpenLineage namespace of the database behind the URL: postgres://host:port, sqlite://path."""
    url = make_url(value)
    scheme = SCHEMES.get(url.get_backend_name(), url.get_backend_name())
    if scheme == "sqlite":
        return f"sqlite://{url.database or ''}"
    return f"{scheme}://{host_port(value)}"


def password(*, env: str, file: str) -> str | None:
    """The password named by the connection; None when it names none; SecretMissing when the named one is absent."""
    if env:
        if env not in os.environ:
            raise SecretMissing(f"The environment variable {env} holding the password is not set.")
        return os.environ[env]
    if file:
        try:
            return Path(file).read_text().strip()
        except OSError as exc:
            raise SecretMissing(f"The password file {file} cannot be read: {exc.strerror or exc}.") from None
    return None


def engine_url(value: str, *, env: str, file: str) -> URL:
    """The URL to connect with: the installed driver chosen for the dialect, the password filled in."""
    url = make_url(value)
    if url.drivername in DRIVERS:
        url = url.set(drivername=DRIVERS[url.drivername])
    secret = password(env=env, file=file)
    return url.set(password=secret) if secret is not None else url
