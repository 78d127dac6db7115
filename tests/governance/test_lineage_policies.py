"""The policies on lineage: declared inputs nobody reads, reads nobody declared, and reads without access."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from access import services as access_services
from catalog.models import AccessMode, InputPort
from core.actors import Actor, Scope
from core.models import Notification
from governance import services
from governance.models import Finding, FindingStatus
from tests.conftest import bearer_client
from tests.factories import OutputPortFactory, ProductFactory
from tests.lineage.conftest import dataset, run_event

pytestmark = [pytest.mark.django_db]

WH = "postgres://wh:5432"
UNOBSERVED, UNDECLARED, NO_ACCESS = "declared-inputs-observed", "observed-inputs-declared", "observed-reads-have-access"


def when(days_ago: int = 0) -> str:
    return (timezone.now() - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def send(world):
    client = bearer_client(world.team, [Scope.READ, Scope.WRITE_LINEAGE])

    def send(job: str, inputs: list[str], outputs: list[str], *, days_ago: int = 0) -> None:
        event = run_event(
            job,
            [dataset(WH, name) for name in inputs],
            [dataset(WH, name) for name in outputs],
            event_time=when(days_ago),
        )
        response = client.post("/api/v1/lineage", event, format="json")
        assert response.status_code == 201, response.content

    return send


@pytest.fixture
def mesh(world):
    """orders (sales, port on request) and revenue (finance), each with a port lineage can map."""
    orders = ProductFactory(domain=world.domain, slug="orders", name="Orders")
    port = OutputPortFactory(product=orders, name="orders", location=f"{WH}/sales.orders")
    revenue = ProductFactory(domain=world.other_domain, slug="revenue", name="Revenue")
    OutputPortFactory(product=revenue, name="revenue", location=f"{WH}/finance.revenue")
    return orders, port, revenue


def declare(consumer, port, *, days_ago: int = 60) -> InputPort:
    declared = InputPort.objects.create(product=consumer, name="orders-in", source_port=port)
    InputPort.objects.filter(pk=declared.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return declared


def evaluate(*products) -> None:
    services.governance_evaluate(product_ids=[p.pk for p in products])


def open_finding(product, policy_id: str) -> Finding | None:
    return Finding.objects.open().filter(product=product, policy_id=policy_id).first()


def grant(world, port) -> None:
    req = access_services.access_request_create(
        actor=Actor(user=world.outsider), port=port, purpose="Revenue reporting", duration_days=30,
        team=world.other_team,
    )  # fmt: skip
    access_services.access_request_approve(actor=Actor(user=world.owner), request_id=req.pk)


def test_declared_and_observed_raises_nothing(world, mesh, send):
    orders, port, revenue = mesh
    declare(revenue, port)
    grant(world, port)
    send("build_revenue", ["sales.orders"], ["finance.revenue"])
    evaluate(orders, revenue)
    assert not Finding.objects.open().filter(policy_id__in=[UNOBSERVED, UNDECLARED, NO_ACCESS]).exists()


def test_declared_but_not_observed_opens_on_the_consumer_and_resolves_when_seen(world, mesh, send):
    orders, port, revenue = mesh
    declare(revenue, port)
    send("build_revenue", ["finance.bookings"], ["finance.revenue"])  # its pipelines report, from elsewhere
    evaluate(orders, revenue)
    finding = open_finding(revenue, UNOBSERVED)
    assert finding is not None
    assert finding.message == "Declared but not observed for 30 days: sales/orders (input orders-in)."
    assert open_finding(orders, UNOBSERVED) is None

    send("build_revenue_from_orders", ["sales.orders"], ["finance.revenue"])
    evaluate(revenue)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED


def test_the_reads_of_a_producer_leave_out_the_inputs_its_consumers_declare(world, mesh, send):
    """A product read by many consumers must not read all their input ports when it alone is evaluated: no
    check of the producer looks at them. Its consumers' own evaluations do."""
    from lineage.selectors.reads import product_reads

    orders, port, revenue = mesh
    declared = declare(revenue, port)
    send("build_revenue_from_orders", ["sales.orders"], ["finance.revenue"])

    of_producer = product_reads([orders.pk])
    assert of_producer.declared == []
    assert list(of_producer.observed) == [(orders.pk, revenue.pk)]  # observed reads out of it stay (grants check)
    assert of_producer.observed[(orders.pk, revenue.pk)].declared is True

    of_consumer = product_reads([revenue.pk])
    assert [(r.producer, r.consumer, r.input_port) for r in of_consumer.declared] == [
        (orders.pk, revenue.pk, declared.name)
    ]
    assert product_reads([orders.pk, revenue.pk]).declared == of_consumer.declared


def test_a_read_last_seen_long_ago_counts_as_not_observed(world, mesh, send):
    _orders, port, revenue = mesh
    declare(revenue, port)
    send("build_revenue", ["sales.orders"], ["finance.revenue"], days_ago=45)
    send("build_revenue_now", ["finance.bookings"], ["finance.revenue"])
    evaluate(revenue)
    assert open_finding(revenue, UNOBSERVED) is not None


def test_declared_input_of_a_product_without_lineage_is_not_flagged(world, mesh, send):
    _orders, port, revenue = mesh
    declare(revenue, port)
    send("unrelated", ["sales.orders"], ["sales.orders_copy"])  # lineage exists, but none for revenue's ports
    evaluate(revenue)
    assert open_finding(revenue, UNOBSERVED) is None


def test_a_newly_declared_input_has_the_window_to_be_seen(world, mesh, send):
    _orders, port, revenue = mesh
    declare(revenue, port, days_ago=2)
    send("build_revenue", ["finance.bookings"], ["finance.revenue"])
    evaluate(revenue)
    assert open_finding(revenue, UNOBSERVED) is None


def test_observed_but_not_declared_opens_and_resolves_when_declared(world, mesh, send):
    orders, port, revenue = mesh
    send("build_revenue", ["sales.orders"], ["tmp.stage"])
    send("publish_revenue", ["tmp.stage"], ["finance.revenue"])
    evaluate(orders, revenue)
    finding = open_finding(revenue, UNDECLARED)
    assert finding is not None
    assert "Observed but not declared: its pipelines read sales/orders" in finding.message
    assert open_finding(orders, UNDECLARED) is None

    declare(revenue, port, days_ago=0)
    evaluate(revenue)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED


def test_a_read_without_a_grant_on_an_on_request_port_is_flagged_to_the_producing_team(world, mesh, send):
    orders, port, revenue = mesh
    declare(revenue, port)
    send("build_revenue", ["sales.orders"], ["finance.revenue"])
    evaluate(orders, revenue)
    finding = open_finding(orders, NO_ACCESS)
    assert finding is not None
    assert finding.message == (
        "Observed reads without an active grant on an on-request port: finance/revenue reads orders."
    )
    assert open_finding(revenue, NO_ACCESS) is None
    # An error finding: the producing team's inbox says so.
    told = Notification.objects.filter(kind="governance.errors_opened", recipient=world.owner).get()
    assert "Observed reads hold access" in told.body

    grant(world, port)
    evaluate(orders)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED


def test_reads_on_an_open_port_need_no_grant(world, mesh, send):
    orders, port, revenue = mesh
    port.access_mode = AccessMode.OPEN
    port.save()
    declare(revenue, port)
    send("build_revenue", ["sales.orders"], ["finance.revenue"])
    evaluate(orders)
    assert open_finding(orders, NO_ACCESS) is None


def test_lineage_policies_cost_fixed_queries(world, send, django_assert_num_queries):
    def build(n: int):
        source = ProductFactory(domain=world.domain, slug=f"src{n}")
        port = OutputPortFactory(product=source, name="src", location=f"{WH}/sales.src{n}")
        products = [source]
        for i in range(n):
            consumer = ProductFactory(domain=world.other_domain, slug=f"c{n}-{i}")
            OutputPortFactory(product=consumer, name="out", location=f"{WH}/finance.c{n}_{i}")
            if i % 2:
                declare(consumer, port)
            else:
                send(f"job{n}_{i}", [f"sales.src{n}"], [f"finance.c{n}_{i}"])
            products.append(consumer)
        return products

    small, large = build(2), build(10)
    evaluate(*small)
    evaluate(*large)  # warm: the graph is built once per process
    for products in (small, large):
        # every policy over the batch, the lineage ones included; the same for 3 products as for 11 (one query for
        # the schema-drift policies' open drift; usage: 2 for the health's usage part, 1 for the retirement policy)
        with django_assert_num_queries(29):
            evaluate(*products)
