"""Fixtures borrowed for the fault tests: the access app's shop (a product with an on-request port)."""

from tests.access.conftest import shop  # noqa: F401 - re-exported as a fixture for tests/reliability
