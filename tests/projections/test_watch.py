"""Read-your-writes where another process applies the projections (Kafka deployments): the
watch wakes as the views commit, and keeps working after losing its listening session."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from eventsourcing import persistence

from projections.database import Database
from projections.service import ProjectionService
from projections.watch import ProjectionWatch
from tests.projections.conftest import MINE
from tests.waiting import wait_until


@pytest.fixture
def watch(database: Database, service: ProjectionService) -> Iterator[ProjectionWatch]:
    started = ProjectionWatch(database, MINE).start()
    yield started
    started.stop()


def test_waits_until_the_views_applied_a_write_made_elsewhere(app, admin, database, watch,
                                                              monkeypatch):
    def no_polling(seconds: float) -> None:
        raise AssertionError("the watch polled the tracking tables")

    monkeypatch.setattr(persistence, "sleep", no_polling)  # the library's TrackingRecorder.wait
    recorded = app.candidates.create("Wendy Watch", ["wendy@example.com"], admin)
    assert watch.wait(None, 0) is True
    assert watch.wait(recorded.position, 10) is True
    assert watch.positions == {"profiles": recorded.position, "analytics": recorded.position}
    assert watch.wait(recorded.position + 1000, 0.3) is False
    assert watch.wait(recorded.position + 1000, 0.3, views=["nothing-by-that-name"]) is True


def test_a_watch_started_after_the_writes_knows_the_views_positions(app, admin, database,
                                                                    service):
    recorded = app.candidates.create("Early Bird", ["early@example.com"], admin)
    assert service.wait(recorded.position, 10)
    late = ProjectionWatch(database, MINE).start()
    try:
        assert late.wait(recorded.position, 0) is True  # no notification needed
    finally:
        late.stop()


def test_the_watch_listens_again_after_its_session_is_dropped(app, admin, database, watch):
    first = app.candidates.create("Before Drop", ["before@example.com"], admin)
    assert watch.wait(first.position, 10)
    view = watch.views["profiles"]
    failures = [persistence.OperationalError("the server is starting up")]

    def position_once_unreadable() -> int:  # as while the database restarts
        if failures:
            raise failures.pop()
        return type(view).position(view)

    view.position = position_once_unreadable
    with psycopg.connect(database.conninfo, autocommit=True) as conn:
        dropped = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE query LIKE 'LISTEN \"rekindle_projections\"%'").fetchall()
    assert dropped == [(True,)]
    second = app.candidates.create("After Drop", ["after@example.com"], admin)
    assert watch.wait(second.position, 10)
    assert failures == []
    wait_until(lambda: watch._listening.is_set(), 10, "the watch listening again")
