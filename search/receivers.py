"""Search follows the catalog's writes: connected to catalog.signals in SearchConfig.ready()."""

from __future__ import annotations

from search.indexing import on_commit_index_domains, on_commit_index_products, on_commit_index_teams, on_commit_remove


def on_products_written(sender, product_ids, **kwargs) -> None:
    on_commit_index_products(product_ids)


def on_products_removed(sender, product_ids, **kwargs) -> None:
    on_commit_remove(f"product:{pk}" for pk in product_ids)


def on_domains_written(sender, domain_ids, **kwargs) -> None:
    on_commit_index_domains(domain_ids)


def on_teams_written(sender, team_ids, **kwargs) -> None:
    on_commit_index_teams(team_ids)
