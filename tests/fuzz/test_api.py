"""Schemathesis against the portal's own OpenAPI schema (bounded: see conftest.MAX_EXAMPLES).

Every operation, with generated valid and invalid ("negative") data, as a pipeline with an all-scopes token and
as an anonymous caller; then stateful runs that chain operations through the links schemathesis infers (a
product read after it was written, a proposal's actions on the proposal just created). Checks on every answer:
no 5xx, the status code is documented, the content type is documented, the body matches the schema, and
schema-violating requests are refused with a 4xx.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.fuzz.conftest import DETERMINISTIC, FUZZ_TOKEN, MAX_EXAMPLES, load_schema

pytestmark = pytest.mark.fuzz

schema = load_schema()
anonymous = load_schema()


@schema.auth(refresh_interval=None)
class FixtureToken:
    """The all-scopes token of `fuzz_world`, given to schemathesis as real credentials (so its auth checks know
    the request was authenticated, and take the token away or spoil it to see a 401)."""

    def get(self, case, ctx):
        return FUZZ_TOKEN

    def set(self, case, data, ctx):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


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
