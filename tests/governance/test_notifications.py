"""The owning team hears about new error findings on its published products: one message per team per run."""

import pytest

from catalog.models import InputPort, LifecycleStatus
from core.models import Notification
from governance import services
from tests.factories import OutputPortFactory, ProductFactory, SchemaFieldFactory

pytestmark = pytest.mark.django_db

KIND = "governance.errors_opened"


def inbox(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=KIND).order_by("pk"))


@pytest.fixture
def broken(world, good_product):
    """Two published products of the sales team with three error findings between them."""
    port = good_product.output_ports.get()
    port.contract_ref = ""
    port.save()
    SchemaFieldFactory(port=port, name="home_address", classification="", description="Where.")
    portless = ProductFactory(domain=world.domain, slug="portless", name="Portless", description="x", version="1")
    return good_product, portless


def test_one_message_per_team_listing_every_new_error(world, broken, mailoutbox, django_capture_on_commit_callbacks):
    orders, portless = broken
    with django_capture_on_commit_callbacks(execute=True):
        services.governance_evaluate(product_ids=[orders.pk, portless.pk])
    for person in (world.owner, world.steward, world.member):
        messages = inbox(person)
        assert len(messages) == 1
        assert messages[0].title == "3 new governance error findings for Sales Team"
        body = messages[0].body
        assert "Orders (sales/orders): A data contract on every output port." in body
        assert "home_address" in body and "Portless (sales/portless): At least one output port." in body
        assert "Every field is described" not in body  # errors only, not warnings or infos
        assert messages[0].url == "/governance/?domain=sales"
    assert inbox(world.outsider) == []
    assert len(mailoutbox) == 3


def test_findings_still_open_are_not_announced_again(world, broken):
    orders, portless = broken
    services.governance_evaluate(product_ids=[orders.pk, portless.pk])
    services.governance_evaluate(product_ids=[orders.pk, portless.pk])
    assert len(inbox(world.owner)) == 1
    # Open findings whose message changes (another unclassified personal field, another port without a
    # contract) are not new either.
    SchemaFieldFactory(port=OutputPortFactory(product=orders, name="second", contract_ref=""), name="email")
    services.governance_evaluate(product_ids=[orders.pk])
    assert len(inbox(world.owner)) == 1
    # A new error later: a new message, about that one only, pointing at the product.
    retired = ProductFactory(domain=world.other_domain, slug="old", status=LifecycleStatus.RETIRED)
    InputPort.objects.create(product=orders, name="legacy", source_port=OutputPortFactory(product=retired))
    services.governance_evaluate(product_ids=[orders.pk])
    messages = inbox(world.owner)
    assert len(messages) == 2
    assert messages[1].title == "1 new governance error finding for Sales Team"
    assert "No input from a retired product" in messages[1].body and "Portless" not in messages[1].body
    assert messages[1].url == orders.get_absolute_url() + "?tab=quality#governance"


def test_only_new_errors_count(world, good_product):
    good_product.version = ""
    good_product.save()
    services.governance_evaluate(product_ids=[good_product.pk])
    assert inbox(world.owner) == []  # infos and warnings are on the page, not in the inbox


def test_nightly_run_sends_one_message_per_team(world, broken, monkeypatch):
    ledger = ProductFactory(domain=world.other_domain, slug="ledger", name="Ledger")  # finance: no output port
    monkeypatch.setattr(services, "NEWS_LINES", 2)
    services.governance_evaluate_all(batch_size=1)  # three batches, still one message per team
    sales, finance = inbox(world.owner), inbox(world.outsider)
    assert len(sales) == 1 and len(finance) == 1
    assert sales[0].title.startswith("3 new") and "... and 1 more." in sales[0].body
    assert finance[0].title == "1 new governance error finding for Finance Team"
    assert finance[0].url == ledger.get_absolute_url() + "?tab=quality#governance"  # one product: straight to it
