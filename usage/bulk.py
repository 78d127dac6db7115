"""A bulk of 10,000 records allocates some 100,000 small objects, none in a reference cycle; the cyclic garbage
collector would still walk every live object of the process several times meanwhile (40% of the ingestion's CPU
in bench/usage.py). Paused for the bulk, and run as usual afterwards."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
