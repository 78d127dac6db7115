"""The Celery app the fault tests' workers run (`celery -A tests.reliability.worker_app worker`): the portal's
own app and tasks, plus one drain that can be held at a gate, so a test can kill the worker while it is mid-task.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from config.celery import app

HOLD_SECONDS = 60  # a held task gives up waiting after this long (the test kills it well before)


@app.task(name="reliability.held_drain", acks_late=True, reject_on_worker_lost=True)
def held_drain(gate: str) -> int:
    """Record the attempt, wait while `<gate>/hold` exists, then drain the index outbox like search.drain_outbox."""
    from search import outbox

    gate_dir = Path(gate)
    attempt = len(list(gate_dir.glob("attempt-*"))) + 1
    (gate_dir / f"attempt-{attempt}").write_text(str(os.getpid()))
    deadline = time.monotonic() + HOLD_SECONDS
    while (gate_dir / "hold").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return outbox.drain()
