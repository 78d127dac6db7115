"""Access fixtures: the sales domain's 'orders' product with a port on request (30 days max) and an open one."""

from dataclasses import dataclass

import pytest

from catalog.models import AccessMode, DataProduct, LifecycleStatus, OutputPort
from tests.factories import OutputPortFactory, ProductFactory


@dataclass
class Shop:
    product: DataProduct
    port: OutputPort  # on request, at most 30 days
    open_port: OutputPort


@pytest.fixture
def shop(world) -> Shop:
    product = ProductFactory(domain=world.domain, slug="orders", name="Orders", status=LifecycleStatus.PUBLISHED)
    port = OutputPortFactory(
        product=product, name="orders_table", access_mode=AccessMode.ON_REQUEST, max_access_days=30
    )
    open_port = OutputPortFactory(product=product, name="orders_sample", access_mode=AccessMode.OPEN, position=1)
    return Shop(product, port, open_port)
