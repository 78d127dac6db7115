"""Planner statistics after a bulk load.

The query planner picks a plan from what it knows of each table's size and each index's selectivity. PostgreSQL's
autovacuum gathers that by itself, some time after a load; SQLite gathers it only when told (`ANALYZE`, or
`PRAGMA optimize`, which config/sqlite/base.py runs whenever a connection closes). Without statistics SQLite's
guesses were wrong on several pages at 100k products: the home page's open incidents of a team were found by
walking the team's 7,700 products instead of the 12 open incidents (35 ms instead of under 1 ms).

`analyze()` is run by commands that write many rows at once (seed_demo --scale), so that the next request does not
wait for a later optimize or autovacuum to find out.
"""

from __future__ import annotations

from django.db import connection

# Rows SQLite samples per index (PRAGMA analysis_limit): enough for the planner's choices, and the ANALYZE of a
# 100k-product world takes about 5 s instead of a minute.
SQLITE_ANALYSIS_LIMIT = 1000


def analyze() -> None:
    """Refresh the planner's statistics of every table of the default database."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
