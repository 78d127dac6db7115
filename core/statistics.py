"""Planner statistics after a bulk load.

The query planner picks a plan from what it knows of each table's size and each index's selectivity. PostgreSQL's
autovacuum gathers that by itself, some time after a load; SQLite gathers it only when told (`ANALYZE`, or
`PRAGMA optimize`, which config/sqlite/base.py runs whenever a connection closes). Without statistics SQLite's
guesses were wrong on several pages at 100k products: the home page's open incidents of a team were found by
walking the team's 7,700 products instead of the 12 open incidents (35 ms instead of under 1 ms).

`analyze()` is run by commands that write many rows at once (seed_demo --scale), so that the next request does not
wait for a later optimize or autovacuum to find out. On PostgreSQL it vacuums too, outside a transaction: a bulk
load leaves the small tables its triggers keep (catalog_productcount: one update per inserted product) full of dead
row versions, and while autovacuum's workers are busy with the large new tables it does not reach them. After a
1M-product load the 19-row product count table held 104,000 dead versions and took 17 ms to read on every page.
"""

from __future__ import annotations

from django.db import connection

# Rows SQLite samples per index (PRAGMA analysis_limit): enough for the planner's choices, and the ANALYZE of a
# 100k-product world takes about 5 s instead of a minute.
SQLITE_ANALYSIS_LIMIT = 1000


def analyze() -> None:
    """Refresh the planner's statistics of every table of the default database (and vacuum, on PostgreSQL when
    no transaction is open)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute("VACUUM (ANALYZE)")
        else:
            cursor.execute("ANALYZE")
