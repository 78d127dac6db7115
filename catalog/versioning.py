"""Holding producers to versioning: a breaking change needs a new major version (docs/notices.md).

The verdict on a write, given its classified changes (`catalog.diff`): accepted (nothing breaks, or the major
version went up), a warning (something breaks without a major bump, and the domain chose to warn), or refused.
The write services and the dry runs (`?dry_run=true`, the CLI's `diff`) ask this one function. Settings-free,
like `catalog.diff`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from catalog.diff import Change
from core.errors import ApplicationError, FieldError

REFUSE = "refuse"
WARN = "warn"
_MAJOR = re.compile(r"^\s*v?(\d+)")


def major(version: str) -> int | None:
    """The major number of a version: 2 for '2.1.0' or 'v2'; None when it has none."""
    match = _MAJOR.match(version or "")
    return int(match.group(1)) if match else None


def major_bumped(before: str, after: str) -> bool:
    old, new = major(before), major(after)
    if new is None:
        return False
    return old is None or new > old


@dataclass(frozen=True)
class Verdict:
    status: str  # "accepted" | "warning" | "refused"
    breaking: list[Change] = field(default_factory=list)
    bumped: bool = False
    version_path: str = "/version"

    @property
    def refused(self) -> bool:
        return self.status == "refused"

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.status,
            "majorBumped": self.bumped,
            "breakingPaths": [c.path for c in self.breaking],
        }

    def error(self, subject: str) -> BreakingChangeRefused:
        return BreakingChangeRefused(subject, self)


def judge(changes: list[Change], *, before_version: str, after_version: str, policy: str = REFUSE,
          version_path: str = "/version") -> Verdict:  # fmt: skip
    broken = [c for c in changes if c.breaking]
    bumped = major_bumped(before_version, after_version)
    if not broken or bumped:
        return Verdict("accepted", broken, bumped, version_path)
    return Verdict("warning" if policy == WARN else "refused", broken, bumped, version_path)


class BreakingChangeRefused(ApplicationError):
    """A breaking change without a major version bump: each breaking field named by its pointer."""

    def __init__(self, subject: str, verdict: Verdict):
        errors = [FieldError(c.path, f"Breaking: {c.reason}.") for c in verdict.breaking]
        errors.append(FieldError(verdict.version_path, "Raise the major version to publish a breaking change."))
        super().__init__(
            message=(
                f"{subject}: {len(verdict.breaking)} breaking change(s) without a major version bump; nothing "
                "was stored."
            ),
            status=409,
            code="breaking-change",
            errors=errors,
        )
