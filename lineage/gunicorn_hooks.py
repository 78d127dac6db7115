"""Gunicorn server hooks for the lineage graph: `gunicorn -c python:lineage.gunicorn_hooks config.wsgi ...`.

Each worker holds its own graph. Without this, the first request that needs it in a fresh worker builds it
(seconds at 100k datasets, while that user waits); with it, every worker starts building in the background as
soon as it has loaded the application. Command-line options still apply alongside this file.
"""

from __future__ import annotations


def post_worker_init(worker) -> None:
    from lineage.graph import warm_up_in_background

    warm_up_in_background()
