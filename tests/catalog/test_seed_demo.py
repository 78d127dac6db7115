import logging
from io import StringIO

import pytest
from django.conf import settings as settings_module
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count

from catalog.models import (
    DataContract,
    DataProduct,
    Domain,
    InputPort,
    LifecycleStatus,
    OutputPort,
    SchemaField,
    Team,
    TeamMembership,
    TeamRole,
)
from config.celery import app as celery_app
from core.models import Notification

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, int]:
    return {
        "domains": Domain.objects.count(),
        "teams": Team.objects.count(),
        "products": DataProduct.objects.count(),
        "ports": OutputPort.objects.count(),
        "fields": SchemaField.objects.count(),
        "contracts": DataContract.objects.count(),
        "inputs": InputPort.objects.count(),
        "users": get_user_model().objects.count(),
    }


def test_it_builds_the_mesh_it_promises():
    output = seed()

    assert Domain.objects.count() >= 8
    assert Domain.objects.filter(parent__isnull=False).exists()
    assert Team.objects.count() >= 12
    assert DataProduct.objects.count() >= 60
    statuses = set(DataProduct.objects.values_list("status", flat=True))
    assert statuses == set(LifecycleStatus.values)
    assert DataProduct.objects.filter(status=LifecycleStatus.RETIRED).count() == 1
    for product in DataProduct.objects.published().select_related("owner_team"):
        assert product.owner_team is not None
        assert product.summary and product.description.startswith(product.summary)
        counts = [p.fields.count() for p in product.output_ports.all()]
        assert counts and min(counts) >= 7, product.identifier
    assert "Loaded the demo mesh" in output


def test_people_sit_in_teams_with_roles():
    seed()

    roles = set(TeamMembership.objects.values_list("role", flat=True))
    assert roles == {TeamRole.OWNER, TeamRole.STEWARD, TeamRole.MEMBER}
    assert not Team.objects.annotate(n=Count("memberships")).filter(n=0).exists()
    assert not get_user_model().objects.get(username="anna.keller").has_usable_password()


def test_personal_data_is_classified():
    seed()

    emails = SchemaField.objects.filter(name__in=["email", "work_email", "requester_email"])
    assert emails.exists()
    assert set(emails.values_list("classification", flat=True)) == {"pii"}
    assert SchemaField.objects.filter(name="shipping_street", classification="pii").exists()


def test_most_ports_have_an_odcs_contract_with_terms():
    seed()

    ports = OutputPort.objects.filter(product__status=LifecycleStatus.PUBLISHED)
    with_contract = ports.exclude(contract_ref="")
    assert with_contract.count() > ports.count() / 2
    for port in with_contract:
        contract = DataContract.objects.get(contract_id=port.contract_ref)
        assert contract.document["apiVersion"].startswith("v3")
        assert contract.document["kind"] == "DataContract"
        assert contract.document["id"] == contract.contract_id
        assert [p["name"] for p in contract.document["schema"][0]["properties"]] == list(
            port.fields.values_list("name", flat=True)
        )
        sla = set(contract.sla_properties.values_list("name", flat=True))
        assert {"latency", "frequency", "retention", "availability"} <= sla
        metrics = set(contract.quality_rules.values_list("metric", flat=True))
        assert {"rowCount", "nullValues"} <= metrics


def test_input_ports_wire_products_into_a_mesh():
    seed()

    wired = InputPort.objects.filter(source_port__isnull=False).select_related("source_port__product__domain")
    assert wired.count() >= 60
    for port in wired:
        assert port.source_port is not None
        assert port.source_product_ref == port.source_port.product.identifier
    assert InputPort.objects.filter(external_source="salesforce").exists()
    assert InputPort.objects.filter(external_source="sap-erp").exists()
    consumers = DataProduct.objects.get(domain__slug="customer", slug="customer-360").input_ports
    assert consumers.filter(source_product_ref="sales/orders").exists()


def test_demo_user_owns_one_team_and_stewards_another_and_logins_are_printed():
    output = seed()

    demo = get_user_model().objects.get(username="demo")
    assert demo.check_password("demo")
    assert set(TeamMembership.objects.filter(user=demo).values_list("role", flat=True)) == {
        TeamRole.OWNER,
        TeamRole.STEWARD,
    }
    assert get_user_model().objects.get(username="admin").is_superuser
    assert "demo   password: demo" in output
    assert "admin  password: admin" in output


def test_running_it_again_changes_nothing():
    seed()
    before = snapshot()

    output = seed()

    assert snapshot() == before
    assert "already loaded; nothing to do" in output
    assert "password: demo" in output


def test_it_leaves_a_catalog_that_is_not_the_demo_alone(world):
    output = seed()

    assert "not the demo's; leaving them alone" in output
    assert not DataProduct.objects.exists()
    assert not get_user_model().objects.filter(username="demo").exists()


def test_it_rejects_nonsense_arguments():
    with pytest.raises(CommandError):
        seed("--scale", "-1")


def test_reset_replaces_whatever_was_there(world):
    seed("--reset")
    first = snapshot()

    seed("--reset")

    assert snapshot() == first
    assert not Team.objects.filter(slug="sales-team").exists()


def test_content_is_the_same_every_time():
    def content():
        return list(
            DataProduct.objects.order_by("domain__slug", "slug").values_list(
                "domain__slug", "slug", "version", "description"
            )
        ), sorted(DataContract.objects.values_list("contract_id", "version"))

    seed()
    first = content()
    seed("--reset")

    assert content() == first


def test_scale_adds_generated_products_with_the_fields_asked_for():
    output = seed("--scale", "200", "--fields-per-product", "5")

    generated = DataProduct.objects.filter(slug__startswith="gen-")
    assert generated.count() == 200
    assert SchemaField.objects.filter(port__product__in=generated).count() == 1000
    assert generated.values("domain").distinct().count() >= 8
    assert "rows/s" in output

    seed("--scale", "200", "--fields-per-product", "5")

    assert DataProduct.objects.filter(slug__startswith="gen-").count() == 400
    assert DataProduct.objects.filter(slug__startswith="gen-00201-").exists()


def test_it_prints_one_line_about_the_notifications_it_queued_instead_of_their_mails(settings, capsys, caplog):
    console = "django.core.mail.backends.console.EmailBackend"
    settings.EMAIL_BACKEND = console  # as `make run` has it

    output = seed()

    printed = capsys.readouterr()
    assert "Subject:" not in output + printed.out + printed.err
    queued = Notification.objects.count()
    people = Notification.objects.values("recipient_id").distinct().count()
    summary = [line for line in output.splitlines() if line.startswith("Queued ")]
    assert len(summary) == 1
    assert summary[0].startswith(f"Queued {queued} notifications for {people} people (")
    assert "access" in summary[0] and "slo" in summary[0]
    # The inbox keeps them; the backend `runserver` uses is back in place.
    assert queued > 0
    assert settings.EMAIL_BACKEND.endswith(".console.EmailBackend")
    # No "No hostname was supplied" from Celery's producer, nor one "mailed N notifications" line per commit.
    noisy = [
        r.getMessage() for r in caplog.records if r.levelno >= logging.INFO and r.name.startswith(("kombu", "core"))
    ]
    assert noisy == []


def test_a_second_run_queues_nothing_and_says_nothing_about_it():
    seed()

    output = seed()

    assert "Queued" not in output
    assert "already loaded" in output


def test_in_process_tasks_give_celery_a_broker_address_it_does_not_warn_about(caplog):
    # Eager tasks still open a producer: with no broker URL, kombu warned "No hostname was supplied" on the first.
    assert settings_module.CELERY_TASK_ALWAYS_EAGER

    with celery_app.connection_for_write() as connection:
        info = connection.info()

    assert info["hostname"]
    assert not [r for r in caplog.records if "hostname" in r.getMessage()]


def test_djangos_log_lines_are_printed_once_and_runserver_keeps_its_request_format():
    # `make run` printed "Watching for file changes with StatReloader" twice: Django's "django" logger had a
    # console handler of its own besides the root's.
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django").propagate
    server = logging.getLogger("django.server")
    assert not server.propagate
    assert "ServerFormatter" in [type(h.formatter).__name__ for h in server.handlers]
