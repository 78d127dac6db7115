from django.apps import AppConfig


class GlossaryConfig(AppConfig):
    name = "glossary"

    def ready(self) -> None:
        # Terms are search results of their own, products are found by their terms' names, and both follow
        # every approved change. The glossary never calls search directly: it announces, search listens.
        from catalog.search import on_commit_index, on_commit_index_products
        from catalog.search.documents import register_product_enricher, register_source
        from glossary import search
        from glossary.signals import terms_changed

        register_product_enricher(search.product_enricher)
        register_source(search.GlossaryTermSource())

        def reindex(sender, term_ids, product_ids, **kwargs) -> None:
            on_commit_index(search.DOC_TYPE, term_ids)
            on_commit_index_products(product_ids)

        terms_changed.connect(reindex, dispatch_uid="glossary.search.reindex", weak=False)
