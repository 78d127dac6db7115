"""Two pipelines publishing the same new product at once end with one product, and both get an answer."""

import threading

import pytest
from django.db import connection

from catalog.models import DataProduct, SchemaField
from catalog.services.products import product_upsert_from_payload
from core.actors import Actor
from tests.factories import DomainFactory, TeamFactory
from tokens.services import token_create

BODY = {
    "name": "Shipments",
    "output_ports": [{"name": "shipments", "fields": [{"name": f"f{i}", "type": "string"} for i in range(10)]}],
}


@pytest.mark.django_db(transaction=True)
def test_parallel_first_puts_make_one_product():
    team = TeamFactory(slug="logistics-team")
    DomainFactory(slug="logistics", owner_team=team)
    actor = Actor(token=token_create(actor=None, team=team, name="t", scopes=["write:products"]).token)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def publish(n: int) -> None:
        try:
            barrier.wait()
            body = {**BODY, "summary": f"writer {n}"}
            result = product_upsert_from_payload(actor=actor, domain_slug="logistics", slug="shipments", payload=body)
            outcomes.append(result.action)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(outcomes).count("created") == 1
    assert DataProduct.objects.count() == 1
    assert SchemaField.objects.count() == 10
