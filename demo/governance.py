"""The demo's governance: evaluate the policies over the freshly seeded mesh (seed_demo calls this at its end)."""

from __future__ import annotations

from governance.services import governance_evaluate_all


def seed_demo_governance() -> str:
    """The demo is written in bulk, past the writes that trigger evaluation: evaluate everything once."""
    return governance_evaluate_all().line()
