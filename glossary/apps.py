from django.apps import AppConfig


class GlossaryConfig(AppConfig):
    name = "glossary"

    def ready(self) -> None:
        # Terms are search results of their own, products are found by their terms' names, and both follow
        # every approved change. The glossary never calls search directly: it announces, search listens.
        # Imported here, not at the top: they import models, which Django loads only after every AppConfig.
        from catalog.signals import announce_products_changed
        from glossary import search
        from glossary.signals import terms_changed
        from search.extensions import on_commit_index, register_product_enricher, register_source

        register_product_enricher(search.product_enricher)
        register_source(search.GlossaryTermSource())

        def reindex(sender, term_ids, product_ids, **kwargs) -> None:
            on_commit_index(search.DOC_TYPE, term_ids)
            announce_products_changed(product_ids)

        terms_changed.connect(reindex, dispatch_uid="glossary.search.reindex", weak=False)
