"""`manage.py harvest_dbt --domain D --manifest target/manifest.json [--catalog F] [--run-results F] [--mapping F]`"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from harvest.actors import platform_actor
from harvest.services.dbt import DbtFiles, harvest_dbt


def _load(path: str | None):
    if not path:
        return None
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from None
    try:
        return yaml.safe_load(text) if path.endswith((".yml", ".yaml")) else json.loads(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise CommandError(f"{path} is not valid JSON or YAML: {exc}") from None


class Command(BaseCommand):
    help = "Harvest a dbt project's target files (manifest, catalog, run results) into a domain."

    def add_arguments(self, parser):
        parser.add_argument("--domain", required=True)
        parser.add_argument("--manifest", required=True)
        parser.add_argument("--catalog")
        parser.add_argument("--run-results")
        parser.add_argument("--mapping", help="A mapping file (JSON or YAML): models to products and ports.")
        parser.add_argument("--namespace", default="", help="OpenLineage namespace of the datasets.")
        parser.add_argument("--connection", default="", help="A connection of the domain naming the host.")
        parser.add_argument("--retire-removed", action="store_true", help="Retire products whose models are gone.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        files = DbtFiles(
            manifest=_load(options["manifest"]),
            catalog=_load(options["catalog"]),
            run_results=_load(options["run_results"]),
            mapping=_load(options["mapping"]),
        )
        show = not options["no_progress"]

        def progress(stage: str, done: int, total: int) -> None:
            if not show or not total:
                return
            width = 30
            filled = width * done // total
            end = "\n" if done == total else ""
            self.stderr.write(f"\r{stage:<9} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending=end)
            self.stderr.flush()

        try:
            result = harvest_dbt(
                actor=platform_actor(),
                domain_slug=options["domain"],
                files=files,
                namespace=options["namespace"],
                connection=options["connection"],
                retire_removed=options["retire_removed"],
                progress=progress,
            )
        except ApplicationError as exc:
            raise CommandError(str(exc)) from None
        counts = result.summary.counts()
        self.stdout.write(
            f"Run {result.run.pk} ({result.project.name}, {result.namespace}): "
            + ", ".join(f"{n} {action}" for action, n in counts.items() if n)
        )
        for item in result.summary.items:
            if item["action"] not in ("unchanged",):
                reason = f" ({item['reason']})" if item.get("reason") else ""
                self.stdout.write(f"  {item['action']:<9} {item['kind']:<12} {item['ref']}{reason}")
