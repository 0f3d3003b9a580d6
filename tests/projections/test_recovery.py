"""A failing projection is retried from its tracking position while the others go on."""

from __future__ import annotations

import logging
import time

import pytest

from projections.service import ProjectionService
from tests.projections import answers
from tests.projections.conftest import MINE


def _running(service: ProjectionService) -> dict[str, bool]:
    return {s["name"]: s["running"] for s in service.status()}


def _position(service: ProjectionService, name: str) -> int:
    return {s["name"]: s["position"] for s in service.status()}[name]


def test_a_failing_projection_restarts_by_itself_and_the_others_go_on(
        app, admin, database, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="projections.follower")
    with ProjectionService(database, MINE).start() as service:
        with database.pool.connection() as conn:
            conn.execute("ALTER TABLE read.candidates RENAME TO candidates_away")
        recorded = app.candidates.create("Rita Retry", ["rita.retry@example.com"], admin)
        opportunity = app.opportunities.add(recorded.id, admin, general=True)
        deadline = time.monotonic() + 10
        while (_running(service)["profiles"]
               or _position(service, "analytics") < opportunity.position) \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _running(service) == {"profiles": False, "analytics": True}
        assert _position(service, "analytics") >= opportunity.position  # the other went on
        assert not service.wait(opportunity.position, 0.5)  # profiles has not applied it

        with database.pool.connection() as conn:
            conn.execute("ALTER TABLE read.candidates_away RENAME TO candidates")
        assert service.wait(opportunity.position, 15)  # backoff is at most 10 s
        assert _running(service) == {"profiles": True, "analytics": True}
        rita = answers.get_candidate(database.pool, recorded.id, admin)
        assert rita["name"] == "Rita Retry" and len(rita["opportunities"]) == 1

    said = [r.getMessage() for r in caplog.records]
    failures = [m for m in said if "profiles stopped" in m or "profiles cannot apply" in m]
    assert failures and "UndefinedTable" in failures[0]
    assert not any("Rita" in m or "rita.retry" in m for m in failures)  # no personal data
