"""Search: one interface (`search.base.SearchBackend`), an embedded backend per database, and Elasticsearch.

- `search.backends.get_backend()` for the configured backend, then `.search(SearchQuery(...))` and
  `.suggest(prefix)`; reads change nothing: `search.outbox.catch_up()` first indexes what committed writes left
  pending, for a read that must see them (the search page and API call it as a request starts);
- `search.indexing.on_commit_index_products(ids)` (and the domain, team and removal variants) in a write's
  transaction: they queue the keys in the index outbox (search.outbox), indexed in batches after commit.

Other apps use `search.extensions` only (enrichers, document sources, `on_commit_index`); the catalog's writes
reach search through `catalog.signals`. This package's own module stays empty: Django imports it while it loads
the apps, before any model may be imported.
"""
