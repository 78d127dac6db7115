"""A product that passes every policy but SLOs and glossary links, and helpers to break it one policy at a time."""

import pytest

from catalog.models import DataContract
from tests.factories import OutputPortFactory, ProductFactory, SchemaFieldFactory

GOOD_DESCRIPTION = "Every confirmed order of the web shop, one row per order line, refreshed hourly from checkout."


@pytest.fixture
def contract(db):
    return DataContract.objects.create(contract_id="orders-contract", version="1.0.0", status="active")


@pytest.fixture
def good_product(world, contract):
    product = ProductFactory(
        domain=world.domain, slug="orders", name="Orders", description=GOOD_DESCRIPTION, version="1.2.0"
    )
    port = OutputPortFactory(product=product, name="orders_table", contract_ref=contract.contract_id)
    SchemaFieldFactory(port=port, name="order_id", classification="internal", description="The order.")
    SchemaFieldFactory(port=port, name="customer_email", classification="pii", description="Who ordered.")
    return product
