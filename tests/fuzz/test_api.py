"""Schemathesis against the portal's own OpenAPI schema (bounded: see conftest.MAX_EXAMPLES).

Every operation, with generated valid and invalid ("negative") data, as a pipeline with an all-scopes token and
as an anonymous caller; then stateful runs that chain operations through the schema's links (declared, and
inferred by schemathesis: a product read after it was written, a proposal's actions on the proposal just
created). Then all of it again as a person signed in with a browser session (`person_world`: Pia requests,
decides, stewards a glossary and rates), every operation and a longer stateful run (a request made, then
decided; a rating written, then replied to; a listed proposal decided). Checks on every answer: no 5xx, the
status code is documented, the content type is documented, the body matches the schema, and schema-violating
requests are refused with a 4xx. The cases each pass ran are printed at the end (tests/fuzz/report.py).
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.fuzz.conftest import (
    DETERMINISTIC,
    FUZZ_TOKEN,
    MAX_EXAMPLES,
    PERSON_CSRF_SECRET,
    PERSON_SESSION_KEY,
    load_schema,
)

pytestmark = pytest.mark.fuzz

schema = load_schema()
anonymous = load_schema()
person = load_schema(names=True)


@schema.auth(refresh_interval=None)
class FixtureToken:
    """The all-scopes token of `fuzz_world`, given to schemathesis as real credentials (so its auth checks know
    the request was authenticated, and take the token away or spoil it to see a 401)."""

    def get(self, case, ctx):
        return FUZZ_TOKEN

    def set(self, case, data, ctx):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@person.auth(refresh_interval=None)
class PersonSession:
    """Pia's browser session (`person_world`): the session cookie, and the CSRF cookie with its token in the
    header, as the browsable API and the pages' scripts send them, so unsafe methods pass DRF's CSRF check and
    reach the views."""

    def get(self, case, ctx):
        return PERSON_SESSION_KEY

    def set(self, case, data, ctx):
        case.cookies = {
            **(case.cookies or {}),
            django_settings.SESSION_COOKIE_NAME: data,
            django_settings.CSRF_COOKIE_NAME: PERSON_CSRF_SECRET,
        }
        case.headers = {**(case.headers or {}), "X-CSRFToken": PERSON_CSRF_SECRET}


@person.hook("map_body")
def decisions_with_reasons(context, body):
    """Rejecting a request and asking for information need a reason, a rule the schema cannot state: without one
    every such case meets the same 400, so a case that lacks it gets one and reaches the service."""
    refusal = isinstance(body, dict) and body.get("decision") in ("reject", "ask_info")
    if context.operation.path.endswith("/decision") and refusal and body.get("reason", "") == "":
        return {**body, "reason": "Fuzzing asks why."}
    return body


# The fixture data is meant to be shared by the examples of one operation; the test rolls it all back at the end.
BOUNDED = settings(
    deadline=None,
    derandomize=DETERMINISTIC,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@schema.parametrize()
@BOUNDED
@pytest.mark.django_db
def test_api_with_token(case, fuzz_world):
    case.call_and_validate()


@anonymous.include(method="GET").parametrize()
@BOUNDED
@pytest.mark.django_db
def test_api_reads_without_credentials(case, fuzz_world):
    """Anonymous callers get a documented 401 (or the few public answers), never a 5xx."""
    response = case.call_and_validate()
    assert response.status_code < 500


@pytest.mark.django_db
def test_api_stateful(fuzz_world):
    """Sequences of calls, each fed by the answers before it, through the links schemathesis infers."""
    run_state_machine_as_test(
        schema.as_state_machine(),
        settings=settings(
            BOUNDED,
            max_examples=MAX_EXAMPLES,
            stateful_step_count=6,
        ),
    )


@person.parametrize()
@BOUNDED
@pytest.mark.django_db
def test_api_as_a_person(case, person_world):
    """Every operation as Pia, signed in: a requester, a decider, a glossary steward and a rater."""
    case.call_and_validate()


@pytest.mark.django_db
def test_api_stateful_as_a_person(person_world):
    """Pia's sequences: her requests, decisions, reviews and replies, each step fed by the answers before it.

    Longer than the token's run: a chain reaches its second step (a decision on a request just listed or made,
    a reply to a review) only after a few steps. A person never decides her own request nor answers her own
    review, so those two declared links end in the documented 403; her decisions and replies succeed on the
    requests and reviews of others that she lists (approvals, feedback)."""
    run_state_machine_as_test(
        person.as_state_machine(),
        settings=settings(BOUNDED, max_examples=6 * MAX_EXAMPLES, stateful_step_count=12),
    )


@pytest.mark.django_db
def test_the_person_passes_credentials_are_a_signed_in_session_past_the_csrf_check(person_world):
    """What PersonSession sends reaches the views as Pia (her write is accepted); without the CSRF header the
    same write is refused, so the person passes test more than the refusal."""
    browser = Client(enforce_csrf_checks=True)
    browser.cookies[django_settings.SESSION_COOKIE_NAME] = PERSON_SESSION_KEY
    browser.cookies[django_settings.CSRF_COOKIE_NAME] = PERSON_CSRF_SECRET
    url = "/api/v1/products/sales/customers/ratings"
    refused = browser.post(url, {"stars": 3}, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    rated = browser.post(url, {"stars": 3}, content_type="application/json", HTTP_X_CSRFTOKEN=PERSON_CSRF_SECRET)
    assert rated.status_code == 201, rated.content
    assert rated.json()["author"] == "pia"
