"""`manage.py governance_evaluate`: evaluate the governance policies over the catalog now (as the nightly run)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from governance import services


class Command(BaseCommand):
    help = "Evaluate every governance policy over every data product (or the given product ids); store findings, "
    "scores and health."

    def add_arguments(self, parser):
        parser.add_argument("product_ids", nargs="*", type=int, help="Only these products (default: all).")
        parser.add_argument("--batch-size", type=int, default=services.BATCH_SIZE)

    def handle(self, *args, product_ids: list[int], batch_size: int, **options):
        started = time.perf_counter()
        if product_ids:
            result = services.governance_evaluate(product_ids=product_ids)
        else:
            result = services.governance_evaluate_all(batch_size=max(1, batch_size))
        self.stdout.write(self.style.SUCCESS(f"Governance: {result.line()} in {time.perf_counter() - started:.1f}s."))
