"""Signals the catalog sends, so that its write paths need not know who reacts to them (search, the glossary,
governance, SLOs...). The catalog imports none of those apps; they connect here in their AppConfig.ready().

Sent inside the write's transaction, for receivers that record work durably with the write (the search index
outbox), so that it commits or rolls back with it; receivers must only write rows, never call out:
- `products_written(product_ids)`: products whose rows, ports, contracts or anything shown with them changed;
- `products_removed(product_ids)`: products deleted (their rows are gone once the write commits);
- `domains_written(domain_ids)`, `teams_written(team_ids)`: renamed or changed, with the products showing them;
- `fields_written(field_ids)`: schema fields created or changed (the glossary suggests links to its terms).
- `versions_recorded(version_ids)`: product versions stored (accepted changes of ports, fields, contracts);
  the notices app queues the telling of consumers with the write;
- `deprecations_written(deprecation_ids)`: a product or port deprecated (or its deprecation changed).

Sent after the write has committed:
- `products_changed(product_ids)`: for the apps that derive something from products (governance findings, SLO
  objectives from contracts). Receivers must be cheap or hand off to a task: they run in the request that made
  the write. A receiver that fails is logged and does not undo the write.

Other apps that change what a product shows (a rating, an SLO state, a grant) announce it through
`announce_products_changed` too, so that every derived view of the product hears of it the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

products_written = Signal()
products_removed = Signal()
domains_written = Signal()
teams_written = Signal()
fields_written = Signal()
versions_recorded = Signal()
deprecations_written = Signal()
products_changed = Signal()


def _ids(ids: Iterable[int]) -> list[int]:
    return sorted({int(i) for i in ids})


def announce_products_changed(ids: Iterable[int]) -> None:
    """Call inside the write: `products_written` now, `products_changed` once the write commits."""
    product_ids = _ids(ids)
    if not product_ids:
        return
    products_written.send(sender=None, product_ids=product_ids)
    transaction.on_commit(lambda: products_changed.send(sender=None, product_ids=product_ids), robust=True)


def announce_products_removed(ids: Iterable[int]) -> None:
    product_ids = _ids(ids)
    if product_ids:
        products_removed.send(sender=None, product_ids=product_ids)


def announce_domains_written(ids: Iterable[int]) -> None:
    domain_ids = _ids(ids)
    if domain_ids:
        domains_written.send(sender=None, domain_ids=domain_ids)


def announce_teams_written(ids: Iterable[int]) -> None:
    team_ids = _ids(ids)
    if team_ids:
        teams_written.send(sender=None, team_ids=team_ids)


def announce_fields_written(ids: Iterable[int]) -> None:
    field_ids = _ids(ids)
    if field_ids:
        fields_written.send(sender=None, field_ids=field_ids)


def announce_versions_recorded(ids: Iterable[int]) -> None:
    version_ids = _ids(ids)
    if version_ids:
        versions_recorded.send(sender=None, version_ids=version_ids)


def announce_deprecations_written(ids: Iterable[int]) -> None:
    deprecation_ids = _ids(ids)
    if deprecation_ids:
        deprecations_written.send(sender=None, deprecation_ids=deprecation_ids)
