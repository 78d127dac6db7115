"""Recording drift: the open differences of a port follow what the latest harvest saw. A new difference opens a
Drift row, writes a schema-change entry and tells the owning team; a difference no longer seen resolves (with
its own entry). Products whose drift changed are announced, so governance re-evaluates them at once."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from catalog.models import OutputPort, TeamMembership
from catalog.signals import announce_products_changed
from core.notifications import notify
from harvest.drift import Difference
from harvest.models import Drift, HarvestRun, SchemaChange


def _label(d: Difference) -> str:
    if d.kind == "table_missing":
        return "the table is missing"
    if d.kind == "missing_column":
        return f"column {d.column} is missing"
    if d.kind == "new_column":
        return f"new column {d.column} ({d.observed})"
    if d.kind == "type_changed":
        return f"column {d.column} is {d.observed}, declared {d.declared}"
    return f"column {d.column} allows nulls, declared required"


def drift_record(*, port: OutputPort, found: list[Difference], run: HarvestRun | None) -> tuple[int, int]:
    """Open the new differences and resolve the ones gone; answers (opened, resolved)."""
    now = timezone.now()
    with transaction.atomic():
        open_rows = {(d.kind, d.column): d for d in Drift.objects.select_for_update().filter(port=port).open()}
        wanted = {d.key: d for d in found}
        new = [d for key, d in wanted.items() if key not in open_rows]
        gone = [row for key, row in open_rows.items() if key not in wanted]
        if not new and not gone:
            return 0, 0
        Drift.objects.bulk_create(
            Drift(
                port=port,
                product_id=port.product_id,
                kind=d.kind,
                column=d.column[:200],
                declared=d.declared[:200],
                observed=d.observed[:200],
                breaking=d.breaking,
                opened_at=now,
                run=run,
            )
            for d in new
        )
        if gone:
            Drift.objects.filter(pk__in=[row.pk for row in gone]).update(resolved_at=now)
        SchemaChange.objects.bulk_create(
            [
                *(
                    SchemaChange(
                        port=port,
                        product_id=port.product_id,
                        at=now,
                        change="opened",
                        kind=d.kind,
                        column=d.column[:200],
                        declared=d.declared[:200],
                        observed=d.observed[:200],
                        breaking=d.breaking,
                        run=run,
                    )
                    for d in new
                ),
                *(
                    SchemaChange(
                        port=port,
                        product_id=port.product_id,
                        at=now,
                        change="resolved",
                        kind=row.kind,
                        column=row.column,
                        declared=row.declared,
                        observed=row.observed,
                        breaking=row.breaking,
                        run=run,
                    )
                    for row in gone
                ),
            ]
        )
        if new:
            _tell_owners(port, new)
        announce_products_changed([port.product_id])
    return len(new), len(gone)


def _tell_owners(port: OutputPort, new: list[Difference]) -> None:
    product = port.product
    people = [m.user for m in TeamMembership.objects.filter(team_id=product.owner_team_id).select_related("user")]
    breaking = any(d.breaking for d in new)
    title = (
        f"{product.name}: the table behind port {port.label} breaks its contract"
        if breaking
        else f"{product.name}: the table behind port {port.label} has changed"
    )
    body = "A harvest of the live table found: " + "; ".join(_label(d) for d in new) + "."
    notify(recipients=people, kind="harvest.drift", title=title, body=body, url=product.get_absolute_url())
