"""The permission matrix: every route that writes or reveals anything, for every kind of caller, asserted.

Entries live in tests/security/matrix/entries_*.py (one module per app); docs/security.md says how to add one.
`test_every_route_is_in_the_matrix` fails when a URL pattern (or an API method) has no entry, naming it.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import build_world
from tests.security.matrix.core import API_PRINCIPALS, PAGE_PRINCIPALS, Entry, Outcome
from tests.security.matrix.entries import ENTRIES, PENDING_APPS, PUBLIC_ROUTES
from tests.security.matrix.runner import describe, fingerprint, perform, prepare
from tests.security.matrix.scene import Scene

pytestmark = pytest.mark.django_db

SKIPPED_NAMESPACES = {"admin"}
API_METHODS = ("get", "post", "put", "patch", "delete")


def _fresh_world_needed(entry: Entry, principal: str) -> bool:
    """Allowed writes change the world, so each gets its own; every other cell shares one (and changes nothing)."""
    return entry.writes and entry.expect[principal] is Outcome.OK


def _cells(fresh: bool):
    cells = []
    for entry in ENTRIES:
        for principal in PAGE_PRINCIPALS if entry.is_page else API_PRINCIPALS:
            if _fresh_world_needed(entry, principal) == fresh:
                cells.append(pytest.param(entry, principal, id=entry.cell_id(principal) + entry.suffix))
    return cells


@pytest.fixture(autouse=True)
def _closed_portal(settings):
    # The matrix states the rules of a private portal (the default); PORTAL_PUBLIC_READ=true opens reads only.
    settings.PORTAL_PUBLIC_READ = False


def check_cell(entry: Entry, principal: str, scene: Scene) -> None:
    expected: Outcome = entry.expect[principal]
    url, body = prepare(entry, scene)
    guard = expected is not Outcome.OK and entry.writes
    before = fingerprint() if guard else None
    response = perform(entry, principal, scene.world, url, body)
    assert expected.matches(response), (
        f"{entry.cell_id(principal)}: expected {expected.value}, got {describe(response)}"
    )
    if before is not None:  # the write was guarded
        after = fingerprint()
        changed = {table: (before[table], after[table]) for table in before if before[table] != after[table]}
        assert not changed, f"{entry.cell_id(principal)} was refused but wrote: {changed}"


@pytest.fixture(scope="class")
def shared_scene(django_db_setup, django_db_blocker):
    """One world with every object built, for the cells that must not change it; rolled back after the class."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield Scene(build_world()).build_everything()
        transaction.set_rollback(True)


class TestSharedWorld:
    """Reads, and writes the matrix refuses: each runs in a savepoint over the shared scene."""

    @pytest.mark.parametrize(("entry", "principal"), _cells(fresh=False))
    def test_cell(self, entry: Entry, principal: str, shared_scene: Scene, db):
        check_cell(entry, principal, shared_scene)


@pytest.mark.parametrize(("entry", "principal"), _cells(fresh=True))
def test_allowed_write(entry: Entry, principal: str, world):
    check_cell(entry, principal, Scene(world))


# ---- the matrix must cover every route ---------------------------------------------------------------------


def _routes(patterns=None, namespace=""):
    """(route name, view) for every URL pattern below the root resolver, admin excluded."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name in SKIPPED_NAMESPACES or pattern.namespace in SKIPPED_NAMESPACES:
                continue
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL pattern {pattern.pattern} has no name; the matrix addresses routes by name"
            yield namespace + pattern.name, pattern.callback


def _api_methods(view) -> set[str]:
    cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
    if cls is None:
        return set()
    return {m.upper() for m in API_METHODS if hasattr(cls, m)}


def test_every_route_is_in_the_matrix():
    covered = {(e.route, e.method) for e in ENTRIES}
    covered_routes = {e.route for e in ENTRIES} | set(PUBLIC_ROUTES)
    missing = []
    for name, view in _routes():
        if name not in covered_routes and name.startswith(PENDING_APPS):
            continue
        if name not in covered_routes:
            missing.append(f"route '{name}' (every method it answers)")
            continue
        if name in PUBLIC_ROUTES:
            continue
        for method in sorted(_api_methods(view)):
            if (name, method) not in covered:
                missing.append(f"{method} '{name}'")
    assert not missing, "Add these to the permission matrix (tests/security/matrix/entries_*.py): " + ", ".join(missing)


def test_the_matrix_names_only_real_routes():
    names = {name for name, _ in _routes()}
    stale = sorted({e.route for e in ENTRIES} - names)
    assert not stale, f"Matrix entries for routes that no longer exist: {stale}"
    ids = Counter(e.cell_id("") + e.suffix for e in ENTRIES)
    assert not [i for i, n in ids.items() if n > 1], "two entries share a route, method and note"
