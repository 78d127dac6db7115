"""A person browsing the catalog and an owner managing tokens, in a real browser."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from catalog.models import DataContract, SlaProperty
from tests.factories import OutputPortFactory, ProductFactory, SchemaFieldFactory
from tokens.models import ApiToken, hash_secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Not an assertion: a picture of the product page to look at after a run (not committed).
SCREENSHOT = Path(tempfile.gettempdir()) / "meshportal-product-page.png"


@pytest.fixture
def orders(world):
    product = ProductFactory(
        domain=world.domain,
        slug="orders",
        name="Orders",
        summary="Every order placed in the web shop.",
        description="One row per order line. See the **runbook** before backfilling.",
        version="1.2.0",
    )
    port = OutputPortFactory(
        product=product,
        name="orders_table",
        location="warehouse.sales.orders",
        format="parquet",
        contract_ref="orders-contract",
    )
    SchemaFieldFactory(port=port, name="order_id", data_type="bigint", nullable=False, primary_key=True, position=0)
    SchemaFieldFactory(port=port, name="customer_email", data_type="string", classification="pii", position=1)
    SchemaFieldFactory(port=port, name="amount", data_type="decimal(12,2)", position=2)
    contract = DataContract.objects.create(
        contract_id="orders-contract",
        name="Orders contract",
        version="1.0.0",
        status="active",
        purpose="Orders for finance reporting.",
    )
    SlaProperty.objects.create(contract=contract, name="latency", value="4", unit="h", position=0)
    SlaProperty.objects.create(contract=contract, name="retention", value="3", unit="y", position=1)
    return product


def test_browse_from_home_to_a_products_schema_and_contract(page, sign_in, world, orders):
    sign_in("mia")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome back, mia"
    assert page.get_by_role("link", name="Mesh Portal", exact=True).get_attribute("aria-current") == "page"

    page.get_by_role("region", name="Domains").get_by_role("link", name="Sales", exact=True).click()
    page.wait_for_url("**/domains/sales/")
    assert page.get_by_role("heading", level=1).inner_text() == "Sales"

    page.get_by_role("link", name="Orders", exact=True).click()
    page.wait_for_url("**/products/sales/orders/")
    assert page.get_by_text("urn:dataproduct:sales:orders").is_visible()
    tabs = page.get_by_role("navigation", name="Product sections")
    tabs.get_by_role("link", name=re.compile("^Schema")).click()
    page.wait_for_url("**/products/sales/orders/?tab=schema")
    schema = page.locator("table.schema-table")
    assert schema.get_by_role("rowheader").all_inner_texts() == ["order_id", "customer_email", "amount"]
    assert schema.locator(".classification-sensitive").inner_text().strip().lower() == "personal data (pii)"
    tabs.get_by_role("link", name="Contract and SLAs").click()
    page.wait_for_url("**/products/sales/orders/?tab=contract")
    sla = page.locator("table.sla-table")
    latency = sla.get_by_role("row", name=re.compile("latency")).inner_text()
    assert latency.split("\t")[:2] == ["latency", "4 h"]
    page.screenshot(path=SCREENSHOT, full_page=True)


def test_owner_creates_a_token_sees_it_once_and_revokes_it(page, sign_in, world):
    sign_in("olivia")
    page.locator("summary", has_text="olivia").click()  # the account menu
    page.get_by_role("link", name="API tokens of Sales Team").click()
    page.wait_for_url("**/teams/sales-team/tokens/")

    page.get_by_label("Name").fill("nightly orders")
    page.get_by_label("Publish products, ports and contracts").check()
    page.get_by_role("button", name="Create token").click()

    secret = page.locator("#token-secret").inner_text()
    assert re.fullmatch(r"mp_[0-9a-f]{12}_[A-Za-z0-9_-]+", secret)
    assert page.get_by_role("button", name="Copy").is_visible()  # the enhancement ran
    token = ApiToken.objects.get(team=world.team)
    assert token.secret_hash == hash_secret(secret.split("_", 2)[2])

    page.get_by_role("link", name="Back to the tokens of Sales Team").click()
    assert secret not in page.content()
    row = page.get_by_role("row", name=re.compile("nightly orders"))
    assert f"mp_{token.key_id}_…" in row.inner_text()

    row.get_by_role("button", name="Revoke token nightly orders").click()
    assert page.get_by_role("status").filter(has_text="is revoked").is_visible()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Revoked" in page.get_by_role("row", name=re.compile("nightly orders")).inner_text()


def test_members_are_refused_the_token_page(page, sign_in, world):
    sign_in("mia")
    response = page.goto("/teams/sales-team/tokens/")
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "You may not do this"
