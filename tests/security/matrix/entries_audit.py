"""Audit log: staff people only, by page or by API session; tokens belong to teams and are never staff."""

from __future__ import annotations

from .core import Entry, api_write, page_write

ENTRIES = [
    Entry("api-audit", "GET", api_write(None, roles=(), staff=True)),
    Entry("audit_log", "GET", page_write(roles=(), staff=True)),
]
