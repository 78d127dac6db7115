"""Running one cell: a client for the principal, the request, the verdict, and the "nothing changed" check."""

from __future__ import annotations

import hashlib
import json

from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from core.actors import Scope
from tokens.services import token_create

from .core import PAGE_TOKEN, Entry

# The apps whose rows a refused write must leave alone. Left out: audit (it may record the refusal itself), and
# ApiToken (using a token stamps its last_used_at, which is bookkeeping, not a write by the caller).
GUARDED_APPS = ("catalog", "glossary", "lineage", "access", "ratings", "slo", "usage", "governance")
UNGUARDED_MODELS = {"catalog.apitoken"}


def _guarded_tables() -> list[tuple[str, str]]:
    tables: list[tuple[str, str]] = []
    for label in GUARDED_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            if model._meta.label_lower not in UNGUARDED_MODELS and model._meta.managed:
                pk_column = model._meta.pk.column
                assert pk_column is not None  # a primary key is a concrete field: it has a column
                tables.append((model._meta.db_table, pk_column))
    return tables


def fingerprint() -> dict[str, str]:
    """A digest of every guarded table's rows: an update shows as well as an insert or a delete.

    One query counts all tables; only the non-empty ones are read (raw, ordered by key), so it stays cheap."""
    tables = _guarded_tables()
    qn = connection.ops.quote_name
    # Table names come from the models, quoted by the backend: no caller input reaches this SQL.
    counts = " UNION ALL ".join(f"SELECT {i}, COUNT(*) FROM {qn(table)}" for i, (table, _) in enumerate(tables))  # noqa: S608
    out = {}
    with connection.cursor() as cursor:
        cursor.execute(counts)
        for index, count in cursor.fetchall():
            table, pk = tables[index]
            if not count:
                out[table] = "empty"
                continue
            cursor.execute(f"SELECT * FROM {qn(table)} ORDER BY {qn(pk)}")  # noqa: S608
            digest = hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()[:16]
            out[table] = f"{digest} ({count} rows)"
    return out


def _token_client(team, scopes, api: bool):
    issued = token_create(actor=None, team=team, name="matrix", scopes=scopes)
    if api:
        api_client = APIClient()
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
        return api_client
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {issued.secret}"
    return client


def client_for(principal: str, world, *, api: bool):
    if principal == "other-team token":
        return _token_client(world.other_team, list(Scope.values), api)
    if principal == PAGE_TOKEN:
        return _token_client(world.team, list(Scope.values), api)
    if principal.startswith("token["):
        return _token_client(world.team, [principal[len("token[") : -1]], api)
    client = APIClient() if api else Client()
    if principal != "anonymous":
        client.force_login(getattr(world, principal))
    return client


def prepare(entry: Entry, scene) -> tuple[str, object]:
    """Build what the entry needs (before the client and before the fingerprint): its URL and body."""
    kwargs = entry.kwargs(scene)
    query = entry.query(scene) if callable(entry.query) else entry.query
    body = entry.body(scene) if entry.body is not None else None
    return reverse(entry.route, kwargs=kwargs) + (f"?{query}" if query else ""), body


def perform(entry: Entry, principal: str, world, url: str, body):
    client = client_for(principal, world, api=not entry.is_page)
    method = entry.method.lower()
    if body is None:
        return getattr(client, method)(url)
    if entry.content_type:
        return client.generic(entry.method, url, body, content_type=entry.content_type)
    if entry.is_page:
        return getattr(client, method)(url, body)
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def describe(response) -> str:
    where = f" -> {response['Location']}" if response.has_header("Location") else ""
    body = getattr(response, "content", b"")[:300]
    return f"{response.status_code}{where} {body!r}"
