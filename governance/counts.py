"""Counters kept by triggers (core/triggers.py): open findings per policy (governance.models.OpenFindingCount),
where a finding opened adds one to its policy and one resolved or deleted takes one away; and the sums and counts
of each domain's product scores (governance.models.DomainScoreTotal), where a score written adds its values to its
domain and a score changed or deleted takes its old values away."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.triggers import TriggerSet
from governance.models import DomainScoreTotal, OpenFindingCount

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


# The statements below are put together from these constants and the column names only (no input reaches them;
# pyproject.toml lets ruff's S608 pass for this file).
_T = "governance_domainscoretotal"
_COLUMNS = "n, gov_sum, err_sum, warn_sum, slo_sum, slo_n, rating_sum, rating_n, cons_sum, cons_n, health_sum, health_n"


def _values(row: str) -> list[str]:
    """The summed values one score row (NEW or OLD) contributes, in _COLUMNS order."""
    return [
        "1",
        f"{row}.score",
        f"{row}.errors",
        f"{row}.warnings",
        f"COALESCE({row}.slo_compliance, 0)",
        f"CASE WHEN {row}.slo_compliance IS NULL THEN 0 ELSE 1 END",
        f"COALESCE({row}.rating_average, 0)",
        f"CASE WHEN {row}.rating_average IS NULL THEN 0 ELSE 1 END",
        f"COALESCE({row}.consumers, 0)",
        f"CASE WHEN {row}.consumers IS NULL THEN 0 ELSE 1 END",
        f"COALESCE({row}.health, 0)",
        f"CASE WHEN {row}.health IS NULL THEN 0 ELSE 1 END",
    ]


_NAMES = _COLUMNS.split(", ")
_NEW = ", ".join(_values("NEW"))
_ADD_SCORE = (
    f"INSERT INTO {_T} (domain_id, {_COLUMNS}, evaluated_at) VALUES (NEW.domain_id, {_NEW}, NEW.health_at) "
    "ON CONFLICT (domain_id) DO UPDATE SET "
    + ", ".join(f"{c} = {_T}.{c} + excluded.{c}" for c in _NAMES)
    + f", evaluated_at = CASE WHEN excluded.evaluated_at IS NULL THEN {_T}.evaluated_at"
    f" WHEN {_T}.evaluated_at IS NULL OR excluded.evaluated_at > {_T}.evaluated_at THEN excluded.evaluated_at"
    f" ELSE {_T}.evaluated_at END"
)
_old = _values("OLD")
_TAKE_SCORE = (
    f"UPDATE {_T} SET "
    + ", ".join(f"{c} = {c} - ({v})" for c, v in zip(_NAMES, _old, strict=True))
    + " WHERE domain_id = OLD.domain_id"
)
_WATCHED = "domain_id, score, errors, warnings, slo_compliance, rating_average, consumers, health, health_at"

SCORE_TRIGGERS = TriggerSet(
    summary=_T,
    table="governance_productscore",
    names=("governance_score_total_insert", "governance_score_total_delete", "governance_score_total_update"),
    sqlite=(
        f"""CREATE TRIGGER IF NOT EXISTS governance_score_total_insert AFTER INSERT ON governance_productscore
        BEGIN {_ADD_SCORE}; END""",
        f"""CREATE TRIGGER IF NOT EXISTS governance_score_total_delete AFTER DELETE ON governance_productscore
        BEGIN {_TAKE_SCORE}; END""",
        f"""CREATE TRIGGER IF NOT EXISTS governance_score_total_update AFTER UPDATE OF {_WATCHED}
        ON governance_productscore BEGIN {_TAKE_SCORE}; {_ADD_SCORE}; END""",
    ),
    postgresql=(
        f"""CREATE OR REPLACE FUNCTION governance_score_total() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('DELETE', 'UPDATE') THEN {_TAKE_SCORE}; END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN {_ADD_SCORE}; END IF;
            RETURN NULL;
        END $$""",
        """CREATE OR REPLACE TRIGGER governance_score_total_insert AFTER INSERT ON governance_productscore
        FOR EACH ROW EXECUTE FUNCTION governance_score_total()""",
        """CREATE OR REPLACE TRIGGER governance_score_total_delete AFTER DELETE ON governance_productscore
        FOR EACH ROW EXECUTE FUNCTION governance_score_total()""",
        f"""CREATE OR REPLACE TRIGGER governance_score_total_update AFTER UPDATE OF {_WATCHED}
        ON governance_productscore FOR EACH ROW EXECUTE FUNCTION governance_score_total()""",
    ),
    recount=(
        f"DELETE FROM {_T}",
        f"""INSERT INTO {_T} (domain_id, {_COLUMNS}, evaluated_at)
        SELECT domain_id, COUNT(*), COALESCE(SUM(score), 0), COALESCE(SUM(errors), 0), COALESCE(SUM(warnings), 0),
            COALESCE(SUM(slo_compliance), 0), COUNT(slo_compliance), COALESCE(SUM(rating_average), 0),
            COUNT(rating_average), COALESCE(SUM(consumers), 0), COUNT(consumers), COALESCE(SUM(health), 0),
            COUNT(health), MAX(health_at)
        FROM governance_productscore GROUP BY domain_id""",
    ),
)


def score_totals(domain_ids: list[int] | None = None) -> dict[int, Mapping[str, Any]]:
    """Per domain with scored products: its sums and counts, as selectors._AGGREGATES names them."""
    rows = DomainScoreTotal.objects.filter(n__gt=0)
    if domain_ids is not None:
        rows = rows.filter(domain_id__in=domain_ids)
    return {row["domain_id"]: row for row in rows.values("domain_id", *_NAMES, "evaluated_at")}


def _post_migrate(sender, using: str = "default", plan=None, **kwargs) -> None:
    TRIGGER_SET.install(using)
    SCORE_TRIGGERS.install(using)
