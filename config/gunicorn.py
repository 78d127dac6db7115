"""gunicorn's settings for the portal: `gunicorn -c python:config.gunicorn config.wsgi --bind ... --workers ...`.

`make prod` and the benchmarks start gunicorn with this file; options on the command line still apply on top.

- gthread workers. Threads per worker (`GUNICORN_THREADS`, or `--threads`): 4 on PostgreSQL, where requests
  wait on the network and threads overlap those waits; 1 on SQLite, where a request is all CPU in this process
  and writers queue on one lock anyway, so more threads only take turns on the GIL. Measured with
  bench/lineage.py, one OpenLineage event per request, 2 workers: about 345 events/s with 1 thread, 290 with 4.
- `reuse_port`: every worker opens its own listening socket with SO_REUSEPORT, and the kernel spreads new
  connections over them. With one shared socket, whichever worker wakes first accepts, and a handful of
  keep-alive clients (pipelines posting lineage, a proxy's upstream pool) can all land on one worker while the
  others idle: measured with 4 clients on 2 workers, every request went to one process. The cost: connections
  still queued on a worker's socket when that worker dies are reset.
- A shorter GIL switch interval in each worker (`PYTHON_SWITCH_INTERVAL_MS`, default 1 ms; Python's own is
  5 ms). Every database statement lets go of the GIL; with the default, a thread coming back from one can wait up
  to 5 ms behind another thread's Python work, which is what made 4 threads per worker slower than 1 here.
- Each worker builds its lineage graph as soon as it starts (lineage.gunicorn_hooks).
- Each worker runs the work that follows a response (search indexing, governance, SLO sync, notices) on a thread of
  its own, merged across requests (core.dispatch.BackgroundRunner), and finishes it when it stops. A pipeline
  sending one product per request then pays for batches, not for one-product follow-ups: see docs/tasks.md.
"""

from __future__ import annotations

import os
import sys

worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or (4 if os.environ.get("DATABASE_URL") else 1))
reuse_port = True


def set_switch_interval() -> None:
    interval_ms = float(os.environ.get("PYTHON_SWITCH_INTERVAL_MS", "1"))
    if interval_ms > 0:
        sys.setswitchinterval(interval_ms / 1000)


def post_worker_init(worker):
    """Returns the thread building the lineage graph (gunicorn ignores it; the benchmark waits on it)."""
    # Imported in the worker: the portal's apps are loaded only once gunicorn has loaded the WSGI application.
    from core.dispatch import start_background_runner
    from lineage.gunicorn_hooks import post_worker_init as build_lineage_graph

    set_switch_interval()
    start_background_runner()
    return build_lineage_graph(worker)


def worker_exit(server, worker):
    """Run the after-response work still pending before the worker goes."""
    from core.dispatch import stop_background_runner  # the worker's own, started in post_worker_init

    stop_background_runner()
