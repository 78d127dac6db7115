"""CSV show-back exports. Cells are guarded as in the mesh dashboard's export (governance.views._cell): text a
spreadsheet would run as a formula (= + - @, tab, CR) gets a leading quote, and hidden costs stay empty."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from usage.selectors import Showback, Totals

HEAD = ["month", "queries", "rows_read", "bytes_read", "compute_seconds", "cost", "currency"]


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _figures(t: Totals) -> list[list]:
    """One row per currency (a row without cost when it is hidden or nothing was billed)."""
    base = [t.queries, t.rows_read, t.bytes_read, t.compute_seconds]
    if not t.cost_visible or not t.cost:
        return [[*base, None, None]]
    return [[*base, amount, currency] for currency, amount in sorted(t.cost.items())]


def showback_csv(board: Showback, *, line_head: list[str], line_cells) -> str:
    """Months first (`month` = YYYY-MM, the line columns empty), then one block per line (consumer or product)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*line_head, *HEAD])
    blank = [None] * len(line_head)
    for month, totals in zip(board.months, board.by_month, strict=True):
        for figures in _figures(totals):
            writer.writerow([cell(v) for v in (*blank, month.strftime("%Y-%m"), *figures)])
    for line in board.lines:
        for figures in _figures(line.totals):
            writer.writerow([cell(v) for v in (*line_cells(line), "*", *figures)])
    return out.getvalue()
