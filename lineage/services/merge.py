"""Order-independent merging: whatever order events arrive in, the stored state is the same.

Facets are kept per key with the event time they came with; a facet is replaced only by one from an event that is
as new or newer (ties broken by the facet's JSON, so two events of equal time also converge). A run's state is
decided by rank first (a terminal state beats START/RUNNING even if the COMPLETE arrived first), then time.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from lineage.models import RunState
from lineage.openlineage import parse_time

TERMINAL = frozenset({RunState.COMPLETE, RunState.FAIL, RunState.ABORT})
_RANK: dict[str, int] = {RunState.OTHER: 0, RunState.START: 1, RunState.RUNNING: 2}


def state_rank(state: str) -> int:
    return 3 if state in TERMINAL else _RANK.get(state, 0)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def merge_facets(facets: dict, times: dict, incoming: dict, when: datetime) -> bool:
    """Merge `incoming` facets seen at `when` into `facets`/`times` in place; True if anything changed."""
    stamp = when.isoformat()
    changed = False
    for key, value in incoming.items():
        known = times.get(key)
        if known is not None:
            known_time = datetime.fromisoformat(known)
            if known_time > when:
                continue
            if known_time == when and _canonical(facets.get(key)) >= _canonical(value):
                continue
        if facets.get(key) != value or known != stamp:
            facets[key] = value
            times[key] = stamp
            changed = True
    return changed


def beats(state: str, when: datetime, current_state: str, current_time: datetime) -> bool:
    """Does an event (state, when) decide a run's state over the one that decides it now?"""
    new = (state_rank(state), when, state)
    old = (state_rank(current_state), current_time, current_state)
    return new > old


def schema_fields(facets: dict) -> list[dict] | None:
    schema = facets.get("schema")
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        return None
    return [f for f in schema["fields"] if isinstance(f, dict) and isinstance(f.get("name"), str)]


def fields_fingerprint(fields: list[dict]) -> str:
    return hashlib.sha256(_canonical(fields).encode()).hexdigest()


def text_of(facets: dict, facet: str, key: str, limit: int) -> str:
    value = facets.get(facet)
    if isinstance(value, dict) and isinstance(value.get(key), str):
        return value[key][:limit]
    return ""


def parse_facet_time(facets: dict, facet: str, key: str) -> datetime | None:
    value = facets.get(facet)
    return parse_time(value.get(key)) if isinstance(value, dict) else None
