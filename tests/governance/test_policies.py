"""The policies and their evaluation: findings open, update and resolve; scores follow; writes re-evaluate."""

import io

import pytest
import time_machine
from django.core.management import call_command

from catalog.models import DataProduct, InputPort, LifecycleStatus, SchemaField, TeamMembership, TeamRole
from governance import services
from governance.models import Finding, FindingStatus, ProductScore
from governance.policies import _looks_personal, active_policies
from tests.factories import OutputPortFactory, ProductFactory, SchemaFieldFactory

pytestmark = pytest.mark.django_db


def open_policies(product) -> set[str]:
    return set(Finding.objects.open().filter(product=product).values_list("policy_id", flat=True))


def test_good_product_fails_only_what_it_lacks(good_product):
    services.governance_evaluate(product_ids=[good_product.pk])
    # SLOs and glossary links are not declared in the fixture; everything else is in order.
    expected = {"glossary-links"} | ({"slos"} if any(p.id == "slos" for p in active_policies()) else set())
    assert open_policies(good_product) == expected
    score = ProductScore.objects.get(product=good_product)
    assert score.checked == len(active_policies())
    assert score.passed == score.checked - len(expected)
    assert 0 < score.score < 100


def test_bare_product_gets_a_finding_per_gap(world):
    TeamMembership.objects.filter(team=world.team, role=TeamRole.OWNER).delete()
    product = ProductFactory(domain=world.domain, slug="bare", description="tiny", version="")
    services.governance_evaluate(product_ids=[product.pk])
    found = open_policies(product)
    assert {"owner-team", "description", "output-port", "version"} <= found
    # With no port there is no contract to ask for: one gap, one finding.
    assert "contract" not in found
    message = Finding.objects.get(product=product, policy_id="owner-team").message
    assert "Sales Team" in message


def test_fields_and_contract_messages_name_the_gaps(good_product):
    port = good_product.output_ports.get()
    port.contract_ref = "not-published-yet"
    port.save()
    SchemaFieldFactory(port=port, name="phone_number", classification="", description="")
    SchemaFieldFactory(port=port, name="amount", classification="", description="")
    services.governance_evaluate(product_ids=[good_product.pk])
    messages = dict(Finding.objects.open().filter(product=good_product).values_list("policy_id", "message"))
    assert "not-published-yet" in messages["contract"]
    assert "phone_number" in messages["personal-fields-classified"]
    assert "amount" in messages["fields-classified"] and "phone_number" not in messages["fields-classified"]
    assert "phone_number" in messages["fields-described"]


@pytest.mark.parametrize(
    ("name", "personal"),
    [("customer_email", True), ("firstName", True), ("date_of_birth", True), ("amount", False), ("zipper", False)],
)
def test_personal_looking_names(name, personal):
    assert _looks_personal(name) is personal


def test_input_from_retired_and_deprecated_products(world, good_product):
    old = ProductFactory(domain=world.other_domain, slug="old", status=LifecycleStatus.RETIRED)
    aging = ProductFactory(domain=world.other_domain, slug="aging", status=LifecycleStatus.DEPRECATED)
    InputPort.objects.create(product=good_product, name="in1", source_port=OutputPortFactory(product=old))
    InputPort.objects.create(product=good_product, name="in2", source_port=OutputPortFactory(product=aging))
    services.governance_evaluate(product_ids=[good_product.pk])
    messages = dict(Finding.objects.open().filter(product=good_product).values_list("policy_id", "message"))
    assert "finance/old" in messages["no-retired-inputs"]
    assert "finance/aging" in messages["no-deprecated-inputs"]


def test_fixing_a_gap_resolves_its_finding_and_raises_the_score(good_product):
    good_product.version = ""
    good_product.save()
    with time_machine.travel("2026-01-01 10:00Z", tick=False):
        services.governance_evaluate(product_ids=[good_product.pk])
    before = ProductScore.objects.get(product=good_product).score
    finding = Finding.objects.get(product=good_product, policy_id="version")
    good_product.version = "2.0.0"
    good_product.save()
    with time_machine.travel("2026-01-02 10:00Z", tick=False):
        result = services.governance_evaluate(product_ids=[good_product.pk])
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED
    assert finding.resolved_at.isoformat().startswith("2026-01-02")
    assert result.resolved == 1
    assert ProductScore.objects.get(product=good_product).score > before


def test_evaluating_twice_keeps_one_open_finding(good_product):
    services.governance_evaluate(product_ids=[good_product.pk])
    services.governance_evaluate(product_ids=[good_product.pk])
    assert Finding.objects.filter(product=good_product, policy_id="glossary-links").count() == 1


def test_a_product_leaving_publication_leaves_the_scope(good_product):
    services.governance_evaluate(product_ids=[good_product.pk])
    good_product.status = LifecycleStatus.DRAFT
    good_product.save()
    services.governance_evaluate(product_ids=[good_product.pk])
    assert not ProductScore.objects.filter(product=good_product).exists()
    assert not Finding.objects.open().filter(product=good_product).exists()


def test_product_write_reevaluates_through_the_signal(good_product, django_capture_on_commit_callbacks):
    """products_changed (sent after a catalog write commits) queues those products (embedded profile); the
    next drain, here a reader catching up, evaluates them."""
    from catalog.signals import products_changed
    from governance import pending

    with django_capture_on_commit_callbacks(execute=True):
        products_changed.send(sender=None, product_ids=[good_product.pk])
    assert not ProductScore.objects.filter(product=good_product).exists()
    pending.catch_up_product(good_product.pk)
    assert ProductScore.objects.filter(product=good_product).exists()


def test_evaluation_costs_fixed_queries_per_batch(world, contract, django_assert_max_num_queries):
    ids = []
    for n in range(30):
        p = ProductFactory(domain=world.domain, slug=f"p{n}", description="short")
        port = OutputPortFactory(product=p, contract_ref=contract.contract_id)
        SchemaFieldFactory(port=port, name="email")
        ids.append(p.pk)
    with django_assert_max_num_queries(33):  # 30, and 3 for the usage part of health and the retirement policy
        services.governance_evaluate(product_ids=ids)
    assert ProductScore.objects.count() == 30
    assert SchemaField.objects.count() == 30


def test_command_evaluates_everything(good_product, world):
    ProductFactory(domain=world.domain, slug="draft-one", status=LifecycleStatus.DRAFT)
    out = io.StringIO()
    call_command("governance_evaluate", stdout=out)
    assert "1 products evaluated (1 out of scope)" in out.getvalue()
    assert ProductScore.objects.count() == 1
    assert DataProduct.objects.count() == 2
