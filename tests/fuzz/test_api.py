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

from tests.fuzz.conftest import MAX_EXAMPLES, load_schema

schema = load_schema()

# The fixture data is meant to be shared by the examples of one operation; the test rolls it all back at the end.
BOUNDED = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@schema.parametrize()
@BOUNDED
@pytest.mark.django_db
def test_api_with_token(case, fuzz_world):
    # On the case itself (not as extra headers), so the auth checks can take it away and see a 401.
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {fuzz_world}"}
    case.call_and_validate()


@schema.include(method="GET").parametrize()
@BOUNDED
@pytest.mark.django_db
def test_api_reads_without_credentials(case, fuzz_world):
    """Anonymous callers get a documented 401 (or the few public answers), never a 5xx."""
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    response = case.call_and_validate()
    assert response.status_code < 500


@pytest.mark.django_db
def test_api_stateful(fuzz_world):
    """Sequences of calls, each fed by the answers before it, through the links schemathesis infers."""
    workflow = schema.as_state_machine()

    class Workflow(workflow):  # type: ignore[misc, valid-type]
        def before_call(self, case):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {fuzz_world}"}

    run_state_machine_as_test(
        Workflow,
        settings=settings(
            BOUNDED,
            max_examples=MAX_EXAMPLES,
            stateful_step_count=6,
        ),
    )
