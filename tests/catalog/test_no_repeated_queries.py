"""The main pages, drawn for a person of the demo mesh with teams, approvals and reviews waiting, never run the
same statement twice: what several sections need (the person's teams and roles, the domain tree, the requests
they may decide, the search index's id span) is read once per request (core/per_request.py, search's `kept`)."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/products/sales/orders/",
    "/domains/sales/",
    "/products/",
    "/search/?q=orders",
    "/scorecards/",
    "/mesh/",
    "/governance/",
    "/glossary/",
    "/lineage/",
    "/access/approvals/",
    "/my-data/",
    "/inbox/",
]


def test_no_page_runs_a_statement_twice(client):
    call_command("seed_demo", stdout=StringIO())
    client.force_login(get_user_model().objects.get(username="demo"))
    repeated = {}
    for url in PAGES:
        assert client.get(url).status_code == 200, url  # the first request fills the per-process caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        counts = Counter(query["sql"] for query in captured.captured_queries)
        twice = [sql[:120] for sql, n in counts.items() if n > 1]
        if twice:
            repeated[url] = twice
    assert repeated == {}
