import sys
import time

from django.core.management.base import BaseCommand

from search import outbox
from search.backends import backend_name, get_backend


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the database. Safe to re-run: documents are replaced and those of "
        "deleted rows dropped. The embedded engine keeps answering meanwhile; on Elasticsearch a new index is "
        "built and the alias switched to it when complete, so searches never see a partial index."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fresh",
            action="store_true",
            help="Embedded engine: empty the index first (faster when most documents changed; "
            "searches find less until it is done).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar on stderr.")

    def handle(self, *args, fresh: bool, no_progress: bool, **options):
        backend = get_backend()
        started = time.perf_counter()
        show = not no_progress

        def progress(done: int, total: int) -> None:
            if not show:
                return
            elapsed = time.perf_counter() - started
            rate = done / elapsed if elapsed else 0.0
            width = 30
            filled = int(width * done / total) if total else width
            eta = (total - done) / rate if rate else 0.0
            sys.stderr.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} "
                f"({100 * done / total if total else 100:.0f}%)  {rate:,.0f} docs/s  ETA {eta:,.0f}s   "
            )
            sys.stderr.flush()

        kwargs = {"fresh": True} if fresh and backend_name() != "elasticsearch" else {}
        # What the outbox holds now is covered by the rebuild, which reads every row after this point; rows
        # written (or written again) meanwhile have new tokens and stay pending.
        pending = outbox.snapshot()
        count = backend.reindex(progress, **kwargs)
        outbox.forget(pending)
        if show:
            sys.stderr.write("\n")
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {count:,} documents with the {backend_name()} backend in {seconds:.1f}s "
                f"({count / seconds if seconds else 0:,.0f} docs/s)."
            )
        )
