"""Fuzzing fixtures: a small mesh to aim at, an all-scopes token, and the portal's own OpenAPI schema.

The schema is loaded through the Django WSGI application (no server): schemathesis calls the app in-process, in
the test's database transaction, so every example sees the fixture data and nothing outlives the test.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from rest_framework.test import APIClient
from schemathesis.config import SchemathesisConfig

from catalog.services.products import product_upsert_from_payload
from core.actors import Actor, Scope
from tests.glossary.conftest import propose
from tests.lineage.conftest import dataset, run_event
from tokens.models import ApiToken, hash_secret
from tokens.services import token_create

# Bounded so the whole module stays within a minute or two on a 2-core CI machine: every operation gets this
# many generated cases per phase. FUZZ_MAX_EXAMPLES=100 for a longer hunt.
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "8"))
# CI draws the same cases on every run, so a red build is reproducible and a green one is not luck. FUZZ_RANDOM=1
# draws new ones each run: that is how to look for more (then pin what it finds in test_regressions.py).
DETERMINISTIC = os.environ.get("FUZZ_RANDOM", "") != "1"

SALES_PRODUCTS = ["orders", "customers", "shipments"]

# The fuzzing token, fixed: schemathesis builds some cases (the schema's examples) while pytest collects, before
# any fixture runs, and its auth provider (tests/fuzz/test_api.py) must know the credentials by then. It exists
# only in the test database, inside each test's transaction.
FUZZ_KEY_ID = "f0220000f022"
FUZZ_SECRET = "fuzzing-only-secret-of-the-test-database"
FUZZ_TOKEN = f"mp_{FUZZ_KEY_ID}_{FUZZ_SECRET}"


def product_body(name: str) -> dict:
    return {
        "name": name.title(),
        "summary": f"{name.title()} of the sales domain, for fuzzing.",
        "status": "published",
        "tags": ["fuzz", name],
        "output_ports": [
            {
                "name": "data",
                "type": "table",
                "fields": [
                    {"name": "id", "type": "string", "nullable": False, "primary_key": True},
                    {"name": "amount", "type": "decimal(18,2)", "classification": "internal"},
                ],
            }
        ],
    }


@pytest.fixture
def fuzz_world(world):
    """The shared world plus three published products in 'sales', a lineage run and a glossary proposal."""
    token = token_create(actor=None, team=world.team, name="fuzz", scopes=[scope.value for scope in Scope])
    actor = Actor(token=token.token)
    for name in SALES_PRODUCTS:
        product_upsert_from_payload(actor=actor, domain_slug="sales", slug=name, payload=product_body(name))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.secret}")
    event = run_event("build_orders", [dataset("warehouse", "raw.orders")], [dataset("warehouse", "mart.orders")])
    sent = client.post("/api/v1/lineage", event, format="json")
    assert sent.status_code in {200, 201, 202}, sent.content
    propose(
        world.member,
        reason="Fuzzing needs a proposal to read.",
        name="Order",
        definition="A customer's request to buy.",
    )
    # Django closes the database connection after each request it serves. Its test client turns that off for
    # the request (and back on: so this comes after the set-up's requests); schemathesis calls the WSGI app
    # in-process, inside the test's transaction, so it must stay off for the whole test.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    ApiToken.objects.filter(pk=token.token.pk).update(key_id=FUZZ_KEY_ID, secret_hash=hash_secret(FUZZ_SECRET))
    yield FUZZ_TOKEN
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def fuzz_config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            # Unknown query parameters are ignored by design (like most HTTP APIs), so none are generated. The
            # credentials are ours (a real token, or none at all), not generated ones.
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "allow-extra-parameters": False,
                "with-security-parameters": False,
                "deterministic": DETERMINISTIC,
            },
            "phases": {"coverage": {"enabled": False}},
            # The API validates more than a schema can say (a domain must exist, an OpenLineage event must make
            # sense), so schema-valid requests may rightly get a 400/404/409: that check would only report the
            # API's business rules. Every other check runs, negative-data rejection included.
            "checks": {"positive_data_acceptance": {"enabled": False}},
        }
    )


def load_schema():
    """The schema /api/schema/ serves, generated in-process (no request, so nothing is written while pytest
    collects), wired to the WSGI application so that cases are sent to it without a server."""
    from drf_spectacular.generators import SchemaGenerator

    raw = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(raw, default=str)), config=fuzz_config())
    loaded.app = get_wsgi_application()
    return loaded
