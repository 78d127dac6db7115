"""Products waiting for their policies to be evaluated again, in the embedded profile (no broker).

Evaluating governance costs about 25 ms per call whatever the number of products in it, so evaluating after every
one-product write capped ingestion at about 40 products/s. Instead, a committed product write records its ids
here (one INSERT ... ON CONFLICT DO NOTHING, after the response: `governance.tasks.evaluate_products` is handed
the ids by core.dispatch) and the pending set is evaluated in one batch when GOVERNANCE_BATCH rows are
pending or the oldest is GOVERNANCE_MAX_AGE_SECONDS old. Readers stay exact: the product page, the governance API
and the pages that aggregate findings evaluate what they depend on first (`catch_up_product`, `catch_up_all`).

Claiming: a change is never marked evaluated by a drain that did not see it.

- On PostgreSQL a drain deletes the rows it takes and evaluates those products in the same transaction,
  deleting before it reads any product. A write that commits after the products were read queues its row after
  that delete (the insert waits for the deleted row's lock), so the row is there again once the drain commits
  and the change is evaluated by the next drain.
- On SQLite a transaction holds the only writer lock from BEGIN, and evaluating is most of a drain's work: every
  product write would wait for it. So the drain reads the rows (product and token) and evaluates outside any
  transaction. Then, in the transaction that writes the findings, it deletes only the rows whose token is
  unchanged. Queuing a product that is pending already gives its row a new token, so a write that committed
  after the products were read leaves its row behind, and the next drain evaluates it again. A background drain
  first leases the rows it read (`claimed_at`, one short transaction) so that two drains never evaluate the same
  products; a lease runs out after LEASE (a drain that failed gives its rows back then), readers ignore leases,
  and queuing a product again clears its lease.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from contextlib import nullcontext
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from core.bulk import upsert
from governance import services
from governance.models import PendingEvaluation
from governance.services import EvaluationResult

log = logging.getLogger(__name__)

DRAIN_LIMIT = 5_000  # products one drain (or one read catching up) evaluates at most
_CHUNK = 900  # ids per IN (...) list
# SQLite: how long other background drains leave rows a drain took alone (one that failed or died gives them back
# then). Readers do not wait: they evaluate what they need themselves.
LEASE = timedelta(seconds=60)


def batch_size() -> int:
    return int(getattr(settings, "GOVERNANCE_BATCH", 100))


def max_age() -> float:
    return float(getattr(settings, "GOVERNANCE_MAX_AGE_SECONDS", 5))


def pending_record(*, product_ids: Iterable[int]) -> int:
    """Queue these products (one statement). A product already pending keeps its row and its age, and its row gets
    a new token: a drain that read the row before this write will not take it."""
    ids = sorted({int(pk) for pk in product_ids})
    rows = [PendingEvaluation(product_id=pk) for pk in ids]
    upsert(PendingEvaluation, rows, unique=["product_id"], update=["token", "claimed_at"])
    return len(ids)


def due() -> bool:
    """Enough products pending for a batch, or the oldest has waited long enough (one query)."""
    stats = PendingEvaluation.objects.aggregate(n=Count("pk"), oldest=Min("queued_at"))
    if not stats["n"]:
        return False
    return stats["n"] >= batch_size() or stats["oldest"] <= timezone.now() - timedelta(seconds=max_age())


def pending_evaluate(
    *, product_ids: Iterable[int] | None = None, limit: int = DRAIN_LIMIT, wait: bool = False
) -> EvaluationResult:
    """Claim pending rows (oldest first; only these products if given) and evaluate them, in batches of
    services.BATCH_SIZE, each batch one transaction that deletes its rows and writes their findings. Safe to run
    twice at once; rows queued after it began are left for the next one. On PostgreSQL a background drain
    (`wait=False`) skips rows another drain holds, a reader (`wait=True`) waits for that drain to commit, so
    that it then reads its outcome."""
    wanted = None if product_ids is None else sorted({int(pk) for pk in product_ids})
    result = EvaluationResult()
    remaining = limit
    # Rows queued after the drain began are the next drain's: a product written over and over does not keep
    # one drain going.
    started = timezone.now()
    # SQLite: one writer at a time, and a transaction holds the lock from BEGIN. The rows are read and the
    # products evaluated outside it; only the writes take the lock (see the module's docstring).
    claim_first = connection.features.has_select_for_update
    evaluated: set[int] = set()
    while remaining > 0:
        with transaction.atomic() if claim_first else nullcontext():
            rows = PendingEvaluation.objects.filter(queued_at__lte=started).order_by("queued_at", "product_id")
            if wanted is not None:
                rows = rows.filter(product_id__in=wanted[:_CHUNK])
            if claim_first:
                skip = not wait and connection.features.has_select_for_update_skip_locked
                rows = rows.select_for_update(skip_locked=skip)
            elif not wait:
                rows = rows.filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=timezone.now() - LEASE))
            size = min(remaining, services.BATCH_SIZE)
            # A product queued again while this drain evaluated it keeps its row and its age: it is the next
            # drain's, like rows queued after this one began.
            read = rows.values_list("product_id", "token")[: size + len(evaluated)]
            claimed = [(pk, token) for pk, token in read if pk not in evaluated][:size]
            if claimed and not claim_first and not wait:
                claimed = _lease(claimed)
            ids = [pk for pk, _token in claimed]
            if not ids:
                if wanted is None or len(wanted) <= _CHUNK:
                    break
                wanted = wanted[_CHUNK:]  # nothing pending in this slice of the ids asked for: on to the next
                continue
            if claim_first:
                # Delete before evaluating: a write committing from here on queues its product again (see above).
                PendingEvaluation.objects.filter(product_id__in=ids).delete()
                result.add(services.governance_evaluate(product_ids=ids))
            else:
                result.add(services.governance_evaluate(product_ids=ids, claim=_claim_unchanged(claimed)))
        remaining -= len(ids)
        evaluated.update(ids)
        if wanted is not None:
            wanted = [pk for pk in wanted if pk not in evaluated]
            if not wanted:
                break
    return result


def _lease(read: list[tuple[int, uuid.UUID]]) -> list[tuple[int, uuid.UUID]]:
    """Take the rows read for this drain (those no other drain took since, nor a write queued again), in one short
    write transaction; answers those taken. Two background drains then never evaluate the same products."""
    now = timezone.now()
    tokens = [token for _pk, token in read]
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE)
    with transaction.atomic():
        taken: set = set()
        for start in range(0, len(tokens), _CHUNK):
            rows = PendingEvaluation.objects.filter(token__in=tokens[start : start + _CHUNK])
            rows.filter(free).update(claimed_at=now)
            taken.update(rows.filter(claimed_at=now).values_list("token", flat=True))
    return [(pk, token) for pk, token in read if token in taken]


def _claim_unchanged(claimed: list[tuple[int, uuid.UUID]]):
    """Delete the claimed rows that no write queued again since they were read (same token): run in the
    evaluation's write transaction. A row queued again stays, and its product is evaluated by the next drain."""
    tokens = dict(claimed)

    def claim(ids: list[int]) -> None:
        wanted = [tokens[pk] for pk in ids if pk in tokens]
        for start in range(0, len(wanted), _CHUNK):
            PendingEvaluation.objects.filter(token__in=wanted[start : start + _CHUNK]).delete()

    return claim


def pending_evaluate_if_due() -> EvaluationResult | None:
    return pending_evaluate() if due() else None


def catch_up_product(product_id: int) -> None:
    """Before a read of one product's governance: evaluate it if a write left it pending (one EXISTS query when
    it is not). A failure is logged, never raised into the read, which then shows the last evaluation."""
    try:
        if PendingEvaluation.objects.filter(product_id=product_id).exists():
            pending_evaluate(product_ids=[product_id], wait=True)
    except Exception:
        log.exception("governance: evaluating product %s before a read failed", product_id)


def catch_up_all() -> None:
    """Before a read that aggregates over the mesh (dashboard, policies, domain figures): evaluate everything
    pending, up to DRAIN_LIMIT products (one EXISTS query when nothing is)."""
    try:
        if PendingEvaluation.objects.exists():
            pending_evaluate(limit=DRAIN_LIMIT, wait=True)
    except Exception:
        log.exception("governance: evaluating pending products before a read failed")
