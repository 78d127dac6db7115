"""Products per domain, owning team and status (catalog.models.ProductCount), kept by triggers on the product table.

Every write to `catalog_dataproduct` goes through them, whatever wrote it (the services, bulk_create, a seed,
raw SQL, a cascade): an insert adds one to its (domain, team, status), a delete takes one away, an update that changes
any of the three moves one. They are (re)installed after every `migrate` (core/triggers.py, from catalog.apps).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from catalog.models import LifecycleStatus, ProductCount
from core.triggers import TriggerSet

TRIGGERS = ("catalog_product_count_insert", "catalog_product_count_delete", "catalog_product_count_update")

_ADD = """INSERT INTO catalog_productcount (domain_id, owner_team_id, status, n)
    VALUES (NEW.domain_id, NEW.owner_team_id, NEW.status, 1)
    ON CONFLICT (domain_id, owner_team_id, status) DO UPDATE SET n = catalog_productcount.n + 1"""
_TAKE = """UPDATE catalog_productcount SET n = n - 1
    WHERE domain_id = OLD.domain_id AND owner_team_id = OLD.owner_team_id AND status = OLD.status"""

_SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[0]} AFTER INSERT ON catalog_dataproduct BEGIN {_ADD}; END",
    f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[1]} AFTER DELETE ON catalog_dataproduct BEGIN {_TAKE}; END",
    f"""CREATE TRIGGER IF NOT EXISTS {TRIGGERS[2]} AFTER UPDATE OF domain_id, owner_team_id, status
    ON catalog_dataproduct WHEN OLD.domain_id IS NOT NEW.domain_id OR OLD.owner_team_id IS NOT NEW.owner_team_id
    OR OLD.status IS NOT NEW.status
    BEGIN {_TAKE}; {_ADD}; END""",
]

_POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION catalog_product_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN {_TAKE}; END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN {_ADD}; END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE TRIGGER {TRIGGERS[0]} AFTER INSERT ON catalog_dataproduct
    FOR EACH ROW EXECUTE FUNCTION catalog_product_count()""",
    f"""CREATE OR REPLACE TRIGGER {TRIGGERS[1]} AFTER DELETE ON catalog_dataproduct
    FOR EACH ROW EXECUTE FUNCTION catalog_product_count()""",
    f"""CREATE OR REPLACE TRIGGER {TRIGGERS[2]} AFTER UPDATE OF domain_id, owner_team_id, status
    ON catalog_dataproduct FOR EACH ROW WHEN (OLD.domain_id IS DISTINCT FROM NEW.domain_id
    OR OLD.owner_team_id IS DISTINCT FROM NEW.owner_team_id OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION catalog_product_count()""",
]

_RECOUNT = [
    "DELETE FROM catalog_productcount",
    """INSERT INTO catalog_productcount (domain_id, owner_team_id, status, n)
    SELECT domain_id, owner_team_id, status, COUNT(*) FROM catalog_dataproduct
    GROUP BY domain_id, owner_team_id, status""",
]


TRIGGER_SET = TriggerSet(
    summary="catalog_productcount",
    table="catalog_dataproduct",
    names=TRIGGERS,
    sqlite=tuple(_SQLITE),
    postgresql=tuple(_POSTGRES),
    recount=tuple(_RECOUNT),
)


def installed(using: str = "default") -> set[str]:
    return TRIGGER_SET.installed(using)


def install(using: str = "default") -> bool:
    return TRIGGER_SET.install(using)


def _post_migrate(sender, using: str = "default", plan=None, **kwargs) -> None:
    install(using)


def _kept(*, visible: bool = True, **filters):
    rows = ProductCount.objects.filter(n__gt=0, **filters)
    return rows.exclude(status=LifecycleStatus.RETIRED) if visible else rows


def visible_per_domain(domain_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Products that are not retired, per domain id (domains without any are left out): a read of the kept
    counts, a few rows whatever the number of products."""
    rows = _kept() if domain_ids is None else _kept(domain_id__in=list(domain_ids))
    return _summed(rows.values_list("domain_id", "n"))


def per_domain_of_teams(team_ids: Iterable[int], *, visible: bool) -> dict[int, int]:
    """The teams' products per domain id (retired ones only when `visible` is false)."""
    return _summed(_kept(visible=visible, owner_team_id__in=list(team_ids)).values_list("domain_id", "n"))


def per_status(*, domain_id: int | None = None) -> dict[str, int]:
    """Products per status, in the whole mesh or in one domain (not its sub-domains)."""
    rows = _kept(visible=False) if domain_id is None else _kept(visible=False, domain_id=domain_id)
    return _summed(rows.values_list("status", "n"))


def published_total() -> int:
    """Published products in the whole mesh."""
    return sum(n for _, n in _kept(status=LifecycleStatus.PUBLISHED).values_list("domain_id", "n"))


def _summed(pairs) -> dict:
    counts: dict = defaultdict(int)
    for key, n in pairs:
        counts[key] += n
    return dict(counts)
