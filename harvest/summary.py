"""The answer of a harvest: every item with what happened to it and why, and the counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

ACTIONS = ("created", "changed", "unchanged", "skipped", "removed", "retired", "failed")


@dataclass
class Summary:
    items: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    marks: dict[str, str] = field(default_factory=dict)  # kept on the run, for the next harvest to compare with

    def add(self, kind: str, ref: str, action: str, reason: str = "") -> None:
        item = {"kind": kind, "ref": ref, "action": action}
        if reason:
            item["reason"] = reason
        self.items.append(item)

    def counts(self) -> dict[str, int]:
        found = Counter(item["action"] for item in self.items)
        return {action: found.get(action, 0) for action in ACTIONS}

    def as_dict(self) -> dict[str, Any]:
        return {"counts": self.counts(), "items": self.items, "errors": self.errors}
