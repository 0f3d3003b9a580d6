"""Rate limits, on a server of its own with low limits (they key on the client address, which
every test shares): the public form and failed authentications answer 429 past the limit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.live import LiveServer, live_server


@pytest.fixture
def strict(pg_server: str, tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(pg_server, tmp_path, REKINDLE_FORM_RATE_LIMIT="3",
                     REKINDLE_AUTH_FAILURE_LIMIT="5") as server:
        yield server


@pytest.mark.slow
def test_public_form_and_failed_authentication_are_rate_limited(strict: LiveServer) -> None:
    form = strict.request("POST", "/v1/forms", {"title": "Join our talent community"})
    assert form.status == 201, form.body
    path = f"/v1/forms/{form.json()['id']}/submissions"
    statuses = [strict.request("POST", path, {
        "name": "Form Person", "email": f"f{i}-{uuid.uuid4().hex[:6]}@example.com",
        "consent": True}, token=None).status for i in range(6)]
    assert statuses[:3] == [202, 202, 202]
    assert statuses[-1] == 429
    limited = strict.request("POST", path, {"name": "F", "email": "f@example.com",
                                            "consent": True}, token=None)
    assert limited.json()["error"] == "rate_limited"

    failures = [strict.request("GET", "/v1/candidates", token="wrong-" + str(i)).status
                for i in range(8)]
    assert failures[:5] == [401] * 5
    assert failures[-1] == 429
    assert strict.request("GET", "/v1/candidates", token="wrong").json()["error"] \
        == "rate_limited"


@pytest.mark.slow
def test_two_api_processes_share_one_budget_per_address(strict: LiveServer,
                                                        tmp_path: Path) -> None:
    """A second API process on the same database (as a Kafka deployment scales the API out:
    it runs no projections and no workers) spends the same budgets as the first."""
    second = LiveServer(strict.database_url, tmp_path / "second", token=strict.token,
                        env_extra={**strict.env_extra,
                                   "REKINDLE_KAFKA_BOOTSTRAP": "127.0.0.1:9"}).start()
    try:
        form = strict.request("POST", "/v1/forms", {"title": "Join our talent community"})
        path = f"/v1/forms/{form.json()['id']}/submissions"
        statuses = [server.request("POST", path, {
            "name": "Form Person", "email": f"f{i}-{uuid.uuid4().hex[:6]}@example.com",
            "consent": True}, token=None).status
            for i, server in enumerate((strict, second, strict, second))]
        assert statuses == [202, 202, 202, 429]

        failures = [server.request("GET", "/v1/candidates", token=f"wrong-{i}").status
                    for i, server in enumerate((second, strict) * 3)]
        assert failures == [401] * 5 + [429]
        assert second.request("GET", "/v1/candidates").status == 200  # a valid token
    finally:
        second.stop()
