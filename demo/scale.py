"""Many generated products at once, for load and search tests: `seed_demo --scale N`.

Rows go in with bulk_create, one transaction per batch, so a large run neither holds one huge transaction nor
pays a round trip per row. bulk_create returns primary keys on SQLite and PostgreSQL alike, which the ports and
fields of a batch need.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify

from catalog.models import AccessMode, DataProduct, Domain, InputPort, OutputPort, SchemaField, Tag
from demo.entities import ENTITIES, FieldDef, fields_for
from demo.mesh import DOMAINS, PRODUCTS
from demo.text import location, port_format, technical_fields

GENERATED_PREFIX = "gen-"
GENERATED_TAG = "generated"
_NUMBER = re.compile(r"^gen-(\d+)-")

CADENCES = ["Daily", "Weekly", "Monthly", "Hourly", "Quarterly", "Trailing 28-Day", "Year-to-Date", "Near Real-Time"]
CUTS = [
    "by Region",
    "by Channel",
    "by Country",
    "by Store",
    "by Category",
    "by Brand",
    "by Carrier",
    "by Segment",
    "by Cohort",
    "by Site",
    "by Supplier",
    "by Campaign",
    "by Device",
    "by Cost Centre",
    "",
]
MARKETS = [
    "DACH",
    "Nordics",
    "Benelux",
    "Iberia",
    "UK & Ireland",
    "France",
    "Italy",
    "Central Europe",
    "Baltics",
    "Global",
    "Marketplaces",
    "B2B",
    "Outlet Stores",
]
PURPOSES = [
    "for the weekly business review",
    "for the planning team",
    "feeding the pricing engine",
    "for regional managers",
    "used by the recommendation service",
    "for finance controlling",
    "behind the operations dashboard",
    "for the data science sandbox",
    "for the partner portal",
]
PORT_TYPES = ["table"] * 6 + ["view"] * 2 + ["topic", "file", "api"]
KIND_WEIGHTS = [("source-aligned", 3), ("aggregate", 4), ("consumer-aligned", 3)]
EXTERNAL = ["sap-erp", "salesforce", "workday", "hubspot", "snowplow", "zendesk", "wms", "adyen", "shop-backend"]


@dataclass
class ScaleReport:
    products: int = 0
    output_ports: int = 0
    fields: int = 0
    input_ports: int = 0
    tag_links: int = 0
    seconds: float = 0.0
    first_number: int = 0

    @property
    def rows(self) -> int:
        return self.products + self.output_ports + self.fields + self.input_ports + self.tag_links

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def next_generated_number() -> int:
    slugs = DataProduct.objects.filter(slug__startswith=GENERATED_PREFIX).values_list("slug", flat=True)
    numbers = [int(m[1]) for m in map(_NUMBER.match, slugs.iterator(chunk_size=10_000)) if m]
    return max(numbers, default=0) + 1


@dataclass(frozen=True)
class _Template:
    entity: str
    label: str  # plural display name, "Orders"
    fields: list[FieldDef]


def _templates(fields_per_product: int) -> dict[str, list[_Template]]:
    """Entities each demo domain writes about; domains the demo does not know get all of them."""
    label = {p.entity: p.name for p in PRODUCTS}
    by_domain: dict[str, list[_Template]] = {}
    every: list[_Template] = []
    for entity in ENTITIES:
        fields = fields_for(entity, fields_per_product) if fields_per_product > 0 else []
        template = _Template(entity, label.get(entity, entity.replace("_", " ").title()), fields)
        every.append(template)
    for p in PRODUCTS:
        by_domain.setdefault(p.domain, []).append(next(t for t in every if t.entity == p.entity))
    by_domain[""] = every
    return by_domain


def generate(
    *,
    count: int,
    fields_per_product: int = 20,
    batch_size: int = 2_000,
    seed: int = 7,
    progress: Callable[[ScaleReport], None] | None = None,
) -> ScaleReport:
    """Add `count` generated products (`gen-00001-...`), spread over the existing domains."""
    domains = list(Domain.objects.select_related("owner_team").order_by("slug"))
    if not domains:
        raise ValueError("There is no domain to put generated products in; load the demo first.")
    start = next_generated_number()
    rng = random.Random(seed * 1_000_003 + start)
    templates = _templates(fields_per_product)
    tag_names = [GENERATED_TAG, *sorted({d.slug for d in domains})]
    Tag.objects.bulk_create([Tag(name=n) for n in tag_names], ignore_conflicts=True)
    tag_ids = dict(Tag.objects.filter(name__in=tag_names).values_list("name", "id"))
    # Upstream ports to read from: the demo's own, then the generated ones as they appear.
    upstream: list[tuple[int, str, str]] = [
        (pid, f"{dslug}/{pslug}", name)
        for pid, dslug, pslug, name in OutputPort.objects.order_by("id").values_list(
            "id", "product__domain__slug", "product__slug", "name"
        )[:500]
    ]
    warehouses = {d.slug: d.warehouse for d in DOMAINS}
    tag_through = DataProduct.tags.through
    report = ScaleReport(first_number=start)
    began = time.perf_counter()
    number = start
    while report.products < count:
        size = min(batch_size, count - report.products)
        with transaction.atomic():
            products, specs = [], []
            for _ in range(size):
                domain = domains[(number - 1) % len(domains)]
                template = rng.choice(templates.get(domain.slug) or templates[""])
                kind = rng.choices([k for k, _ in KIND_WEIGHTS], weights=[w for _, w in KIND_WEIGHTS])[0]
                cadence, cut, market = rng.choice(CADENCES), rng.choice(CUTS), rng.choice(MARKETS)
                name = " ".join(part for part in (cadence, template.label, cut) if part) + f" ({market})"
                slug = f"{GENERATED_PREFIX}{number:05d}-{slugify(name)}"[:100].rstrip("-")
                summary = f"{cadence} {template.label.lower()} {cut.lower()} for {market}, {rng.choice(PURPOSES)}."
                products.append(
                    DataProduct(
                        domain=domain,
                        slug=slug,
                        name=name[:200],
                        summary=summary.replace("  ", " "),
                        description=f"{summary}\n\nGenerated by `seed_demo --scale` for load and search tests.",
                        owner_team_id=domain.owner_team_id,
                        kind=kind,
                        status="published",
                        version=f"{rng.randint(1, 3)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}",
                    )
                )
                specs.append((template, kind, rng.choice(PORT_TYPES)))
                number += 1
            DataProduct.objects.bulk_create(products)
            ports = []
            for product, (template, _, port_type) in zip(products, specs, strict=True):
                port_name = template.entity
                ports.append(
                    OutputPort(
                        product_id=product.pk,
                        name=port_name,
                        port_type=port_type,
                        location=location(
                            product.domain.slug,
                            warehouses.get(product.domain.slug) or product.domain.slug.upper().replace("-", "_"),
                            product.slug,
                            port_name,
                            port_type,
                        ),
                        format=port_format(product.domain.slug, port_type, rng),
                        access_mode=AccessMode.ON_REQUEST
                        if any(f.classification == "pii" for f in template.fields)
                        else AccessMode.OPEN,
                    )
                )
            OutputPort.objects.bulk_create(ports)
            fields = []
            for port, (template, kind, _) in zip(ports, specs, strict=True):
                defs = template.fields
                if defs and len(defs) >= 2 and fields_per_product >= 8:
                    # Swap the padding's tail for the technical columns real pipelines add.
                    defs = defs[:-2] + technical_fields(kind)
                fields += [
                    SchemaField(
                        port_id=port.pk,
                        name=f.name,
                        data_type=f.data_type,
                        description=f.description,
                        nullable=f.nullable,
                        primary_key=f.primary_key,
                        classification=f.classification,
                        position=i,
                    )
                    for i, f in enumerate(defs)
                ]
            SchemaField.objects.bulk_create(fields)
            inputs = []
            for product, port, (_, kind, _) in zip(products, ports, specs, strict=True):
                if kind == "source-aligned" or not upstream:
                    system = rng.choice(EXTERNAL)
                    inputs.append(InputPort(product_id=product.pk, name=system, external_source=system))
                else:
                    for position, (source_id, product_ref, source_name) in enumerate(
                        {u[1]: u for u in rng.sample(upstream, min(len(upstream), rng.randint(1, 3)))}.values()
                    ):
                        inputs.append(
                            InputPort(
                                product_id=product.pk,
                                name=f"{product_ref.replace('/', '-')}"[:120],
                                source_port_id=source_id,
                                source_product_ref=product_ref,
                                source_port_ref=source_name,
                                position=position,
                            )
                        )
                if len(upstream) < 5_000:
                    upstream.append((port.pk, f"{product.domain.slug}/{product.slug}", port.name))
            InputPort.objects.bulk_create(inputs)
            links = [tag_through(dataproduct_id=p.pk, tag_id=tag_ids[GENERATED_TAG]) for p in products]
            links += [tag_through(dataproduct_id=p.pk, tag_id=tag_ids[p.domain.slug]) for p in products]
            tag_through.objects.bulk_create(links)
        report.products += len(products)
        report.output_ports += len(ports)
        report.fields += len(fields)
        report.input_ports += len(inputs)
        report.tag_links += len(links)
        report.seconds = time.perf_counter() - began
        if progress is not None:
            progress(report)
    return report
