"""Fixtures of the catalog's page tests: a small mesh with ports, fields, a contract and inputs."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from catalog.models import DataContract, DataProduct, InputPort, OutputPort, QualityRule, SlaProperty, Tag
from tests.factories import DomainFactory, OutputPortFactory, ProductFactory, SchemaFieldFactory


@dataclass
class Mesh:
    orders: DataProduct
    customers: DataProduct
    orders_port: OutputPort
    events_port: OutputPort
    contract: DataContract


@pytest.fixture
def mesh(world) -> Mesh:
    """Sales has a sub-domain and the 'orders' product, which reads 'customers' from finance."""
    emea = DomainFactory(slug="sales-emea", name="Sales EMEA", owner_team=world.team, parent=world.domain)
    world.domain.description = "Everything about **selling**.\n\n<script>alert('domain')</script>"
    world.domain.save()
    customers = ProductFactory(domain=world.other_domain, slug="customers", name="Customers")
    customers_port = OutputPortFactory(product=customers, name="customers_table")
    orders = ProductFactory(
        domain=world.domain,
        slug="orders",
        name="Orders",
        summary="Every order placed in the web shop.",
        description="Orders *as placed*, one row per order line.\n\n[Runbook](https://wiki.example.com/orders)",
        version="1.2.0",
        kind="source-aligned",
    )
    for name in ("orders", "web-shop"):
        orders.tags.add(Tag.objects.get_or_create(name=name)[0])
    orders_port = OutputPortFactory(
        product=orders,
        name="orders_table",
        port_type="table",
        location="warehouse.sales.orders",
        format="parquet",
        access_mode="on_request",
        contract_ref="orders-contract",
    )
    SchemaFieldFactory(
        port=orders_port,
        name="order_id",
        data_type="bigint",
        nullable=False,
        primary_key=True,
        position=0,
        description="Order number",
    )
    SchemaFieldFactory(
        port=orders_port,
        name="customer_email",
        data_type="string",
        classification="pii",
        position=1,
        description="Where the receipt goes",
    )
    SchemaFieldFactory(
        port=orders_port, name="amount", data_type="decimal(12,2)", classification="internal", position=2
    )
    events_port = OutputPortFactory(product=orders, name="order_events", port_type="topic", position=1)
    SchemaFieldFactory(port=events_port, object_name="header", name="event_id", position=0)
    SchemaFieldFactory(port=events_port, object_name="line", name="sku", position=0)
    contract = DataContract.objects.create(
        contract_id="orders-contract",
        name="Orders contract",
        version="1.0.0",
        status="active",
        purpose="Orders for finance reporting.",
        domain=world.domain,
    )
    SlaProperty.objects.create(contract=contract, name="latency", value="4", unit="h", position=0)
    SlaProperty.objects.create(contract=contract, name="retention", value="3", unit="y", position=1)
    QualityRule.objects.create(
        contract=contract,
        name="has rows",
        metric="rowCount",
        operator="mustBeGreaterThan",
        threshold=0,
        dimension="completeness",
        severity="error",
    )
    InputPort.objects.create(
        product=orders,
        name="customers_in",
        source_port=customers_port,
        source_product_ref="finance/customers",
        position=0,
    )
    InputPort.objects.create(product=orders, name="erp_in", external_source="sap://erp/VBAK", position=1)
    InputPort.objects.create(
        product=orders,
        name="pending_in",
        contract_ref="missing-contract",
        source_product_ref="marketing/campaigns",
        position=2,
    )
    ProductFactory(domain=emea, slug="emea-returns", name="EMEA Returns", kind="aggregate")
    return Mesh(
        orders=orders,
        customers=customers,
        orders_port=orders_port,
        events_port=events_port,
        contract=contract,
    )


@pytest.fixture
def signed_in(client, world):
    client.force_login(world.member)
    return client
