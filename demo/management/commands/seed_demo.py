import time
from contextlib import nullcontext

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from core.statistics import analyze
from demo.access import seed_demo_access
from demo.build import Login, build_demo, catalog_has_data, demo_loaded, ensure_logins, reset_catalog
from demo.glossary import seed_demo_glossaries
from demo.governance import seed_demo_governance
from demo.mail import mails_held_back
from demo.ratings import seed_demo_ratings
from demo.scale import ScaleReport, generate
from demo.slo import seed_demo_slos
from demo.usage import seed_demo_usage
from search import outbox


class Command(BaseCommand):
    help = (
        "Load the demo mesh (domains, teams, people, ~80 data products with ports, schemas, contracts and "
        "lineage) and print the demo logins. Does nothing when the demo is already loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete all catalog data (and the demo's people) first, then load the demo.",
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            metavar="N",
            help="Also add N generated products spread over the domains (repeatable: each run adds N more).",
        )
        parser.add_argument(
            "--fields-per-product",
            type=int,
            default=20,
            metavar="F",
            help="Schema fields of each generated product (default 20).",
        )
        parser.add_argument(
            "--no-index", action="store_true", help="Leave the search index alone (run search_reindex later)."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2_000,
            metavar="B",
            help="Generated products written per transaction (default 2000).",
        )

    def handle(
        self, *args, reset: bool, scale: int, fields_per_product: int, batch_size: int, no_index: bool, **options
    ):
        # The demo's writes queue notifications whose mails would be printed in full by the console backend:
        # they are held back, and one line says what was queued (demo/mail.py).
        with mails_held_back() as held:
            logins = self._load(
                reset=reset,
                scale=scale,
                fields_per_product=fields_per_product,
                batch_size=batch_size,
                no_index=no_index,
            )
        if held.total:
            self.stdout.write(held.line())
        if logins:
            self._print_logins(logins)

    def _load(
        self, *, reset: bool, scale: int, fields_per_product: int, batch_size: int, no_index: bool
    ) -> list[Login]:
        """Load what was asked for; answers the demo logins to print."""
        if scale < 0 or fields_per_product < 0 or batch_size < 1:
            raise CommandError("--scale and --fields-per-product must be >= 0, --batch-size >= 1.")
        if reset:
            started = time.perf_counter()
            deleted = reset_catalog()
            self.stdout.write(f"Deleted {deleted:,} catalog rows in {time.perf_counter() - started:.1f}s.")

        demo_already = demo_loaded()
        if demo_already:
            self.stdout.write("The demo mesh is already loaded; nothing to do (use --reset to load it afresh).")
            logins = ensure_logins()
        elif catalog_has_data() and not scale:
            # `make run` calls this on every start; someone's own catalog is left alone rather than failing.
            self.stdout.write(
                self.style.WARNING(
                    "The catalog already holds domains, teams or products that are not the demo's; leaving them "
                    "alone. Run with --reset to delete them and load the demo, or with --scale N to add generated "
                    "products to the existing domains."
                )
            )
            return []
        elif catalog_has_data():
            logins = []
        else:
            started = time.perf_counter()
            result = build_demo()
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded the demo mesh in {time.perf_counter() - started:.1f}s: {result.counts.line()}."
                )
            )
            logins = result.logins

            terms = seed_demo_glossaries()
            self.stdout.write(f"Loaded demo glossaries: {terms} terms.")

            self.stdout.write(f"Loaded demo service levels: {seed_demo_slos()}.")

            self.stdout.write(f"Loaded demo access requests: {seed_demo_access()}.")

            self.stdout.write(f"Loaded demo ratings: {seed_demo_ratings()}.")

            self.stdout.write(f"Loaded demo usage: {seed_demo_usage()}.")

        result_written = bool(scale) or not demo_already
        if scale:
            self._scale(scale, fields_per_product, batch_size)
            # A bulk load: the planner's statistics now, before the evaluation and the indexing read the new rows.
            # Without them PostgreSQL planned the governance batches' joins for empty tables (67 products/s at 1M).
            self._analyze()
        if result_written:
            # The index is rebuilt whole below: the documents the scores change are not indexed one batch at a time.
            with outbox.held() if not no_index else nullcontext():
                self.stdout.write(f"Governance: {seed_demo_governance()}.")
        if result_written and not no_index:
            # The demo is written in bulk, past the services that keep the search index fresh: index it whole.
            call_command("search_reindex", stdout=self.stdout, stderr=self.stderr)
            if scale:
                self._analyze()  # and the search tables' statistics, which the search planner reads
        return logins

    def _analyze(self) -> None:
        began = time.perf_counter()
        analyze()
        self.stdout.write(f"Planner statistics refreshed in {time.perf_counter() - began:.1f}s.")

    def _scale(self, count: int, fields_per_product: int, batch_size: int) -> None:
        self.stdout.write(
            f"Generating {count:,} products with {fields_per_product} fields each, {batch_size:,} per batch..."
        )

        def progress(report: ScaleReport) -> None:
            self.stdout.write(
                f"  {report.products:>9,} products  {report.fields:>11,} fields  "
                f"{report.seconds:7.1f}s  {report.rows_per_second:>9,.0f} rows/s"
            )

        try:
            report = generate(
                count=count, fields_per_product=fields_per_product, batch_size=batch_size, progress=progress
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        last = report.first_number + report.products - 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {report.products:,} products (gen-{report.first_number:05d} to gen-{last:05d}), "
                f"{report.output_ports:,} output ports, {report.fields:,} fields, {report.input_ports:,} input ports "
                f"in {report.seconds:.1f}s: {report.rows:,} rows, {report.rows_per_second:,.0f} rows/s, "
                f"{report.products / report.seconds if report.seconds else 0:,.0f} products/s."
            )
        )

    def _print_logins(self, logins: list[Login]) -> None:
        width = max(len(login.username) for login in logins)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins (demo only; do not keep them on a shared server):"))
        for login in logins:
            secret = login.password if login.password is not None else "(password changed since; not shown)"
            self.stdout.write(f"  {login.username:<{width}}  password: {secret:<8}  {login.note}")
        self.stdout.write("")
