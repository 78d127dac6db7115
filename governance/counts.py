"""Open findings per policy (governance.models.OpenFindingCount), kept by triggers on the findings table
(core/triggers.py): a finding opened adds one to its policy, one resolved or deleted takes one away."""

from __future__ import annotations

from core.triggers import TriggerSet
from governance.models import OpenFindingCount

_ADD = """INSERT INTO governance_openfindingcount (policy_id, n) SELECT NEW.policy_id, 1 WHERE NEW.status = 'open'
    ON CONFLICT (policy_id) DO UPDATE SET n = governance_openfindingcount.n + 1"""
_TAKE = """UPDATE governance_openfindingcount SET n = n - 1
    WHERE OLD.status = 'open' AND policy_id = OLD.policy_id"""

TRIGGER_SET = TriggerSet(
    summary="governance_openfindingcount",
    table="governance_finding",
    names=("governance_finding_count_insert", "governance_finding_count_delete", "governance_finding_count_update"),
    sqlite=(
        f"""CREATE TRIGGER IF NOT EXISTS governance_finding_count_insert AFTER INSERT ON governance_finding
        BEGIN {_ADD}; END""",
        f"""CREATE TRIGGER IF NOT EXISTS governance_finding_count_delete AFTER DELETE ON governance_finding
        BEGIN {_TAKE}; END""",
        f"""CREATE TRIGGER IF NOT EXISTS governance_finding_count_update AFTER UPDATE OF status, policy_id
        ON governance_finding WHEN OLD.status IS NOT NEW.status OR OLD.policy_id IS NOT NEW.policy_id
        BEGIN {_TAKE}; {_ADD}; END""",
    ),
    postgresql=(
        f"""CREATE OR REPLACE FUNCTION governance_finding_count() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('DELETE', 'UPDATE') THEN {_TAKE}; END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN {_ADD}; END IF;
            RETURN NULL;
        END $$""",
        """CREATE OR REPLACE TRIGGER governance_finding_count_insert AFTER INSERT ON governance_finding
        FOR EACH ROW EXECUTE FUNCTION governance_finding_count()""",
        """CREATE OR REPLACE TRIGGER governance_finding_count_delete AFTER DELETE ON governance_finding
        FOR EACH ROW EXECUTE FUNCTION governance_finding_count()""",
        """CREATE OR REPLACE TRIGGER governance_finding_count_update AFTER UPDATE OF status, policy_id
        ON governance_finding FOR EACH ROW
        WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.policy_id IS DISTINCT FROM NEW.policy_id)
        EXECUTE FUNCTION governance_finding_count()""",
    ),
    recount=(
        "DELETE FROM governance_openfindingcount",
        """INSERT INTO governance_openfindingcount (policy_id, n)
        SELECT policy_id, COUNT(*) FROM governance_finding WHERE status = 'open' GROUP BY policy_id""",
    ),
)


def open_per_policy() -> dict[str, int]:
    """Open findings per policy id in the whole mesh."""
    return dict(OpenFindingCount.objects.filter(n__gt=0).values_list("policy_id", "n"))


def _post_migrate(sender, using: str = "default", plan=None, **kwargs) -> None:
    TRIGGER_SET.install(using)
