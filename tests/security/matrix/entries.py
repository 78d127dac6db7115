"""All matrix entries, gathered from one module per app."""

from __future__ import annotations

from . import entries_catalog, entries_glossary

# Routes that reveal nothing of the catalog and write nothing of it: open to all, not in the matrix.
PUBLIC_ROUTES = {
    "healthz": "liveness probe: says only whether the database answers",
    "login": "the sign-in form itself (throttled by django-axes, see test_throttling)",
    "logout": "ends one's own session",
    "api-schema": "describes the API, not the catalog's contents",
    "api-docs": "Swagger UI over the schema",
}

ENTRIES = [*entries_catalog.ENTRIES, *entries_glossary.ENTRIES]
