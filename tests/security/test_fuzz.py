"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis), against
a live server: positive and negative cases for every operation, with and without a valid token.
Bounded (few examples per operation, no shrinking, derandomized) so CI stays fast and repeatable."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.reliability.live import LiveServer

EXAMPLES_PER_OPERATION = 6


def _fuzz(live: LiveServer, mode: GenerationMode, checks: list[Any],
          headers: dict[str, str]) -> list[str]:
    schema = schemathesis.openapi.from_url(live.base + "/v1/openapi.json")
    session = requests.Session()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @hsettings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
                   database=None, phases=[Phase.explicit, Phase.generate],
                   suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Any, label: str = operation.label) -> None:
            try:
                case.call_and_validate(base_url=live.base, session=session, headers=headers,
                                       checks=checks, timeout=15)
            except Exception as failure:  # collected so one report lists every operation
                failures.append(f"{label}: {str(failure)[:600]}")

        run()
    return failures


@pytest.mark.slow
def test_no_generated_request_is_a_server_error(live: LiveServer) -> None:
    failures = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        failures += _fuzz(live, mode, [not_a_server_error],
                          {"Authorization": f"Bearer {live.token}"})
    failures += _fuzz(live, GenerationMode.POSITIVE, [not_a_server_error], {})
    assert not failures, "\n\n".join(failures[:20])


@pytest.mark.slow
def test_answers_to_valid_requests_match_the_documented_schemas(live: LiveServer) -> None:
    failures = _fuzz(live, GenerationMode.POSITIVE,
                     [not_a_server_error, response_schema_conformance],
                     {"Authorization": f"Bearer {live.token}"})
    assert not failures, "\n\n".join(failures[:20])
