"""gunicorn's settings for the portal: `gunicorn -c python:config.gunicorn config.wsgi --bind ... --workers ...`.

`make prod` and the benchmarks start gunicorn with this file; options on the command line still apply on top.

- gthread workers. Threads per worker (`GUNICORN_THREADS`, or `--threads`): 4 on PostgreSQL, where requests
  wait on the network and threads overlap those waits; 1 on SQLite, where a request is all CPU in this process
  and writers queue on one lock anyway, so more threads only take turns on the GIL. Measured with
  bench/lineage.py, one OpenLineage event per request, 2 workers: about 345 events/s with 1 thread, 290 with 4.
- One listening socket shared by the workers (`reuse_port` off). A worker busy with a request is slower to
  accept, so new connections go to the idler one. With SO_REUSEPORT each worker had its own socket and the
  kernel hashed each connection to one of them, blind to load: measured with bench/ingest.py's 4 keep-alive
  clients on 2 workers, 3 runs of 8 put every request on one worker (one core idle, 58/s instead of 85/s); with
  the shared socket 7 runs of 7 split the CPU between 45/55 and 60/40.
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
reuse_port = False


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
