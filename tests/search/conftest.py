"""A small mesh built to tell ranking tiers, filters and sorts apart, indexed into each available backend."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from catalog.models import DataContract, DataProduct, InputPort, Tag
from search.base import SearchBackend
from tests.factories import DomainFactory, OutputPortFactory, ProductFactory, SchemaFieldFactory, TeamFactory


class FakeSynonyms:
    """Stands in for the glossary: an abbreviation and a multi-word term."""

    table = {
        "clv": ["customer lifetime value"],
        "customer lifetime value": ["clv"],
        "purchases": ["orders"],
    }

    def synonyms(self, phrase: str) -> list[str]:
        return self.table.get(phrase, [])


def available_backends() -> list[str]:
    # "postgresql-columns": the PostgreSQL engine with every filter that can be tested on search_words' facet
    # columns tested there (what it does for values most documents have), so the contract holds both ways.
    names = ["postgresql", "postgresql-columns"] if connection.vendor == "postgresql" else ["sqlite"]
    if os.environ.get("ELASTICSEARCH_URL"):
        names.append("elasticsearch")
    return names


def make_backend(name: str) -> SearchBackend:
    if name == "elasticsearch":
        from search.elastic import ElasticBackend

        return ElasticBackend(os.environ["ELASTICSEARCH_URL"], alias=f"test-search-{os.getpid()}", refresh=True)
    if name.startswith("postgresql"):
        from search.postgres import PostgresBackend

        return PostgresBackend()
    from search.sqlite import SqliteBackend

    return SqliteBackend()


@dataclass
class Mesh:
    products: dict[str, DataProduct]


def _product(domain, name, slug, **kwargs) -> DataProduct:
    tags = kwargs.pop("tags", [])
    product = ProductFactory(domain=domain, name=name, slug=slug, **kwargs)
    for tag in tags:
        product.tags.add(Tag.objects.get_or_create(name=tag)[0])
    return product


@pytest.fixture
def mesh(world, settings) -> Mesh:
    settings.SEARCH_SYNONYM_PROVIDER = "tests.search.conftest.FakeSynonyms"
    sales, finance = world.domain, world.other_domain
    logistics = DomainFactory(slug="logistics", name="Logistics", owner_team=TeamFactory(slug="ops", name="Ops"))
    p = {}
    p["orders"] = _product(sales, "Orders", "orders", tags=["orders", "core"], summary="Every order placed.")
    port = OutputPortFactory(product=p["orders"], name="orders", access_mode="open", contract_ref="orders-contract")
    DataContract.objects.create(contract_id="orders-contract", version="1.0.0", domain=sales)
    SchemaFieldFactory(port=port, name="order_id", description="Identifies the order.")
    SchemaFieldFactory(port=port, name="customer_id", description="Who ordered.")
    p["order_lines"] = _product(sales, "Order Lines", "order-lines", summary="One row per line of an order.")
    p["daily"] = _product(
        sales, "Daily Orders by Region", "daily-orders", kind="aggregate", summary="Order counts per region and day."
    )
    p["legacy"] = _product(
        sales, "Legacy Orders Export", "legacy-orders", status="deprecated", summary="The old export."
    )
    p["archive"] = _product(sales, "Old Orders Archive", "orders-archive", status="retired", summary="Gone.")
    p["invoices"] = _product(
        finance, "Customer Invoices", "customer-invoices", tags=["billing"], summary="Invoices sent to customers."
    )
    OutputPortFactory(product=p["invoices"], name="invoices", access_mode="on_request")
    p["revenue"] = _product(
        finance,
        "Revenue",
        "revenue",
        kind="consumer-aligned",
        summary="Monthly revenue.",
        description="Derived from the ledger after month end, per region.",
    )
    p["clv"] = _product(sales, "Customer Lifetime Value", "customer-lifetime-value", summary="Expected margin.")
    p["shipments"] = _product(logistics, "Shipments", "shipments", summary="Parcels on their way.")
    SchemaFieldFactory(
        port=OutputPortFactory(product=p["shipments"], name="parcels"),
        name="tracking_number",
        description="The carrier's number.",
    )
    p["pay_old"] = _product(sales, "Payments", "payments", status="deprecated", summary="Card payments, old.")
    p["pay_new"] = _product(finance, "Payments", "payments", summary="Card payments.")
    p["region"] = _product(logistics, "Region", "region", summary="Sales regions.")
    p["region_codes"] = _product(logistics, "Region Codes", "region-codes", summary="ISO codes.")
    p["stores"] = _product(logistics, "Stores", "stores", summary="Shops and outlets.")
    SchemaFieldFactory(
        port=OutputPortFactory(product=p["stores"], name="stores", access_mode="open"),
        name="region_id",
        description="Where the shop is.",
    )
    p["xss"] = _product(logistics, "<script>alert(1)</script> Returns", "returns", summary="Returned <b>parcels</b>.")
    for i in range(1, 13):
        p[f"sample{i}"] = _product(
            logistics, f"Sample Dataset {i:02d}", f"sample-{i:02d}", tags=["sample"], summary="A sample."
        )
    # Two products read the orders port: it has consumers, which the consumers sort and ranking use.
    for reader in (p["daily"], p["revenue"]):
        InputPort.objects.create(product=reader, name="orders", source_port=port)
    # The revenue product changed last.
    now = timezone.now()
    DataProduct.objects.update(updated_at=now - timedelta(days=10))
    DataProduct.objects.filter(pk=p["revenue"].pk).update(updated_at=now)
    return Mesh({k: DataProduct.objects.get(pk=v.pk) for k, v in p.items()})


@pytest.fixture(params=available_backends())
def backend(request, mesh, settings) -> Iterator[SearchBackend]:
    if request.param == "postgresql-columns":
        settings.SEARCH_COLUMN_FILTER_SHARE = 0
    engine = make_backend(request.param)
    engine.clear()
    engine.reindex()
    yield engine
    if request.param == "elasticsearch":
        engine.clear()
