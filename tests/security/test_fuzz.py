"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis), against
a live server: positive and negative cases for every operation, with and without a valid token.
Bounded (few examples per operation, no shrinking, derandomized) so CI stays fast and repeatable."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.reliability.live import LiveServer, live_server

EXAMPLES_PER_OPERATION = 6


@pytest.fixture(scope="module")
def live(pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Generated `min_position` values are far ahead: a short wait keeps their 503s quick."""
    data_dir = Path(tmp_path_factory.mktemp("fuzz"))
    with live_server(pg_server, data_dir, REKINDLE_PROJECTION_WAIT_S="0.2",
                     REKINDLE_FORM_RATE_LIMIT="100000",
                     REKINDLE_AUTH_FAILURE_LIMIT="100000") as server:
        yield server


def no_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """Like `not_a_server_error`, but a 503 `projection_lagging` is the documented answer to
    a `min_position` the projections have not reached."""
    if response.status_code == 503:
        try:
            if response.json().get("error") == "projection_lagging":
                return True
        except ValueError:
            pass
    return not_a_server_error(ctx, response, case)


def _fuzz(live: LiveServer, mode: GenerationMode, checks: list[Any],
          headers: dict[str, str]) -> list[str]:
    schema = schemathesis.openapi.from_url(live.base + "/v1/openapi.json")
    session = requests.Session()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        failures += _fuzz_operation(operation, live, mode, checks, headers, session)
    return failures


def _fuzz_operation(operation: Any, live: LiveServer, mode: GenerationMode, checks: list[Any],
                    headers: dict[str, str], session: requests.Session) -> list[str]:
    failures: list[str] = []

    @hsettings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
               database=None, phases=[Phase.explicit, Phase.generate],
               suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        try:
            case.call_and_validate(base_url=live.base, session=session, headers=headers,
                                   checks=checks, timeout=15)
        except (Exception, FailureGroup) as failure:  # collected: one report, every operation
            failures.append(f"{operation.label}: {str(failure)[:1500]}")

    with contextlib.suppress(Unsatisfiable):  # nothing to negate: no parameters, no body
        run()
    return failures


@pytest.mark.slow
def test_no_generated_request_is_a_server_error(live: LiveServer) -> None:
    failures = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        failures += _fuzz(live, mode, [no_server_error],
                          {"Authorization": f"Bearer {live.token}"})
    failures += _fuzz(live, GenerationMode.POSITIVE, [no_server_error], {})
    assert not failures, "\n\n".join(failures[:20])


@pytest.mark.slow
def test_answers_to_valid_requests_match_the_documented_schemas(live: LiveServer) -> None:
    failures = _fuzz(live, GenerationMode.POSITIVE,
                     [no_server_error, response_schema_conformance],
                     {"Authorization": f"Bearer {live.token}"})
    assert not failures, "\n\n".join(failures[:20])
