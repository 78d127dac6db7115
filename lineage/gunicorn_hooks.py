"""The gunicorn hook for the lineage graph, called from config.gunicorn (`gunicorn -c python:config.gunicorn`).

Each worker holds its own graph. Without this, the first request that needs it in a fresh worker builds it
(seconds at 100k datasets, while that user waits); with it, every worker starts building in the background as
soon as it has loaded the application, and the product graph after it.
"""

from __future__ import annotations

from lineage import graph
from lineage.selectors.product_graph import mesh_graph


def post_worker_init(worker):
    """Start building this worker's graphs in the background; returns the thread doing it."""
    return graph.warm_up_in_background(then=_build_product_graph)


def _build_product_graph(lineage: graph.LineageGraph) -> None:
    """The product graph too (6-7 s at 100k products): the first after-response governance batch of a worker, or
    its first product lineage read, would otherwise build it while writes and readers wait on the graph's lock."""
    with lineage.lock:
        mesh_graph(lineage)
