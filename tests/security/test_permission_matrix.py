"""The permission matrix: every route that writes or reveals anything, for every kind of caller, asserted.

Entries live in tests/security/matrix/entries_*.py (one module per app); docs/security.md says how to add one.
`test_every_route_is_in_the_matrix` fails when a URL pattern (or an API method) has no entry, naming it.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.security.matrix.core import API_PRINCIPALS, PAGE_PRINCIPALS, WRITE_METHODS, Entry, Outcome
from tests.security.matrix.entries import ENTRIES, PUBLIC_ROUTES
from tests.security.matrix.runner import describe, fingerprint, perform, prepare
from tests.security.matrix.scene import Scene

pytestmark = pytest.mark.django_db

SKIPPED_NAMESPACES = {"admin"}
API_METHODS = ("get", "post", "put", "patch", "delete")


def _cells():
    for entry in ENTRIES:
        principals = PAGE_PRINCIPALS if entry.is_page else API_PRINCIPALS
        for principal in principals:
            yield pytest.param(entry, principal, id=entry.cell_id(principal))


@pytest.fixture(autouse=True)
def _closed_portal(settings):
    # The matrix states the rules of a private portal (the default); PORTAL_PUBLIC_READ=true opens reads only.
    settings.PORTAL_PUBLIC_READ = False


@pytest.mark.parametrize(("entry", "principal"), _cells())
def test_cell(entry: Entry, principal: str, world, django_capture_on_commit_callbacks):
    expected: Outcome = entry.expect[principal]
    scene = Scene(world)
    url, body = prepare(entry, scene)
    guard = expected is not Outcome.OK and entry.method in WRITE_METHODS
    before = fingerprint() if guard else None
    with django_capture_on_commit_callbacks(execute=True):
        response = perform(entry, principal, world, url, body)
    assert expected.matches(response), (
        f"{entry.cell_id(principal)}: expected {expected.value}, got {describe(response)}"
    )
    if guard:
        after = fingerprint()
        changed = {table: (before[table], after[table]) for table in before if before[table] != after[table]}
        assert not changed, f"{entry.cell_id(principal)} was refused but wrote: {changed}"


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
        if name not in covered_routes:
            missing.append(f"route '{name}' (every method it answers)")
            continue
        if name in PUBLIC_ROUTES:
            continue
        for method in sorted(_api_methods(view)):
            if (name, method) not in covered:
                missing.append(f"{method} '{name}'")
    assert not missing, "Add these to the permission matrix (tests/security/matrix/entries_*.py): " + ", ".join(
        missing
    )


def test_the_matrix_names_only_real_routes():
    names = {name for name, _ in _routes()}
    stale = sorted({e.route for e in ENTRIES} - names)
    assert not stale, f"Matrix entries for routes that no longer exist: {stale}"
    duplicated = sorted({(e.route, e.method) for e in ENTRIES if ENTRIES.count(e) > 1})
    assert not duplicated
