"""The gunicorn hook for the lineage graph, called from config.gunicorn (`gunicorn -c python:config.gunicorn`).

Each worker holds its own graph. Without this, the first request that needs it in a fresh worker builds it
(seconds at 100k datasets, while that user waits); with it, every worker starts building in the background as
soon as it has loaded the application.
"""

from __future__ import annotations

from lineage import graph


def post_worker_init(worker):
    """Start building this worker's graph in the background; returns the thread doing it."""
    return graph.warm_up_in_background()
