"""Fuzzing fixtures: a small mesh to aim at, an all-scopes token, a signed-in person, and the portal's own OpenAPI
schema.

The schema is loaded through the Django WSGI application (no server): schemathesis calls the app in-process, in
the test's database transaction, so every example sees the fixture data and nothing outlives the test.
"""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
import schemathesis
from django.contrib.sessions.models import Session
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from rest_framework.test import APIClient
from schemathesis.config import SchemathesisConfig

from access import services as access
from catalog.models import AccessMode, DataProduct, TeamRole
from catalog.services.products import product_upsert_from_payload
from core.actors import Actor, Scope
from ratings.services import rating_reply, rating_upsert
from tests.factories import (
    DomainFactory,
    MembershipFactory,
    OutputPortFactory,
    ProductFactory,
    TeamFactory,
    UserFactory,
)
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
# The person's session and CSRF secret, fixed for the same reason. Django's session middleware and CSRF check
# read them as they would a browser's: the session row is the one a real sign-in wrote (renamed), and the
# header carries the cookie's secret, which CsrfViewMiddleware accepts like the masked form a page embeds.
PERSON_SESSION_KEY = "fuzzpersonsessionofthetestdbonly"
PERSON_CSRF_SECRET = "FuzzCsrfSecretOfTheTestDatabase0"

# What each pass ran, per test: cases validated and their answers by status class (see tests/fuzz/report.py).
TALLY: Counter[str] = Counter()


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
    # A case that failed its checks may leave its response unclosed, so Django never sent request_finished for it
    # and the after-response queue of core.dispatch would stay open in this thread, swallowing the work of the
    # next tests: finish it here.
    signals.request_finished.send(sender=None)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def person_scene(world):
    """Pia, a regular user, in every role a person has: she owns team 'insights-team' and so decides the requests
    for its on-request port `insights/churn` `scores` and answers its reviews; she is a steward of team
    'finance-team', so she decides finance's glossary proposals; she requested ports of 'sales' (one approved,
    one pending, one waiting for her answer) and rated one of its products."""
    pia = UserFactory(username="pia")
    insights_team = TeamFactory(slug="insights-team", name="Insights Team")
    MembershipFactory(team=insights_team, user=pia, role=TeamRole.OWNER)
    MembershipFactory(team=world.other_team, user=pia, role=TeamRole.STEWARD)
    insights = DomainFactory(slug="insights", name="Insights", owner_team=insights_team)
    churn = ProductFactory(domain=insights, slug="churn", name="Churn", status="published")
    scores = OutputPortFactory(product=churn, name="scores", access_mode=AccessMode.ON_REQUEST, max_access_days=90)
    OutputPortFactory(product=churn, name="sample", access_mode=AccessMode.OPEN, position=1)
    me, olivia = Actor(user=pia), Actor(user=world.owner)

    def ask(actor: Actor, port, **extra):
        return access.access_request_create(actor=actor, port=port, purpose="Fuzzing", duration_days=30, **extra)

    sales = {p.slug: p.output_ports.get() for p in DataProduct.objects.filter(domain=world.domain)}
    access.access_request_approve(actor=olivia, request_id=ask(me, sales["orders"]).pk)
    ask(me, sales["customers"])
    waiting = ask(me, sales["shipments"])
    access.access_request_ask_info(actor=olivia, request_id=waiting.pk, reason="Which columns?")
    # Requests for her to decide, and a grant she may revoke.
    ask(Actor(user=world.member), scores)
    ask(Actor(user=world.outsider), scores, team=world.other_team)
    access.access_request_approve(actor=me, request_id=ask(Actor(user=world.steward), scores).pk)
    # Her review of a product of another team; reviews of her team's product, one answered.
    rating_upsert(actor=me, product=DataProduct.objects.get(slug="orders"), data={"stars": 4, "comment": "Solid."})
    rating_upsert(actor=Actor(user=world.member), product=churn, data={"stars": 2, "comment": "Stale on Mondays."})
    answered, _ = rating_upsert(actor=Actor(user=world.outsider), product=churn, data={"stars": 5})
    rating_reply(actor=me, rating=answered, body="Thank you.")
    # Proposals for her to decide as a steward of finance's glossary.
    propose(world.outsider, domain="finance", reason="Finance needs it.", name="Ledger", definition="The books.")
    propose(world.outsider, domain="finance", reason="And this.", name="Accrual", definition="Owed, not paid.")
    return pia


@pytest.fixture
def person_world(fuzz_world, world):
    """`fuzz_world` plus `person_scene`, with Pia signed in: a real session (Django's own sign-in) under the fixed
    key the person passes send."""
    pia = person_scene(world)
    browser = Client()
    browser.force_login(pia)
    Session.objects.filter(session_key=browser.session.session_key).update(session_key=PERSON_SESSION_KEY)
    cache.clear()  # throttle counters (ratings allow a few writes a minute per person) start from nothing
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _tally_fuzz_cases(request):
    """Hand what the test's cases answered to the report (tests/fuzz/report.py) as a user property, which xdist
    carries from the workers to the session that prints it."""
    TALLY.clear()
    yield
    if TALLY:
        request.node.user_properties.append(("fuzz_cases", dict(TALLY)))


def _tally(context, case, response, results) -> None:
    TALLY["cases"] += 1
    TALLY[f"{response.status_code // 100}xx"] += 1


# Names in the person's world, mixed into half of the generated values of the parameters that name things, so
# that her cases reach her requests, products and reviews rather than stopping at "not found" (ids come from the
# answers, through the stateful links).
PERSON_NAMES = {
    "domains": ["sales", "insights", "finance"],
    "slugs": ["orders", "customers", "churn", "insights", "sales", "insights-team", "ledger", "order"],
    "product_refs": ["sales/orders", "sales/customers", "insights/churn"],
    "ports": ["data", "scores", "sample"],
    "teams": ["finance-team", "insights-team"],
}
PERSON_PARAMETERS = {
    "path.domain": "domains",
    "path.slug": "slugs",
    "query.product": "product_refs",
    "query.domain": "domains",
    "body.product": "product_refs",
    "body.port": "ports",
    "body.team": "teams",
}


def fuzz_config(*, names: bool = False) -> SchemathesisConfig:
    config: dict = {
        # Unknown query parameters are ignored by design (like most HTTP APIs), so none are generated. The
        # credentials are ours (a real token, a session, or none at all), not generated ones.
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
    if names:
        # The person's sequences use valid data only: a chain stops at its first refused step, and the
        # negative cases have had their turn in the person's per-operation pass.
        config["phases"]["stateful"] = {"generation": {"mode": "positive"}}
        config["dictionaries"] = {name: {"values": values} for name, values in PERSON_NAMES.items()}
        config["parameters"] = {
            key: {"dictionary": name, "probability": 0.5} for key, name in PERSON_PARAMETERS.items()
        }
    return SchemathesisConfig.from_dict(config)


def load_schema(*, names: bool = False):
    """The schema /api/schema/ serves, generated in-process (no request, so nothing is written while pytest
    collects), wired to the WSGI application so that cases are sent to it without a server. `names`: mix the
    person's world's names into the generated values (PERSON_NAMES)."""
    from drf_spectacular.generators import SchemaGenerator

    raw = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(raw, default=str)), config=fuzz_config(names=names))
    loaded.app = get_wsgi_application()
    loaded.hooks.register_hook_with_name(_tally, "after_validate")
    return loaded
