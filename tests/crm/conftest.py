"""The API fixtures of tests/api (real Runtime, projections, fresh database per test)."""

from tests.api.conftest import *  # noqa: F403
