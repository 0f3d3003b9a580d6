"""A view far behind the log (a cold start, a rebuild) catches up without its GIN indexes and
builds them once at the end; a short lag keeps them. Either way the rows and the list
filters come out the same."""

from __future__ import annotations

import pytest

from projections.opening import open_projection
from projections.rebuild import rebuild
from projections.service import ProjectionService
from projections.views import ProfilesProjection
from tests.projections import answers
from tests.projections.conftest import MINE
from tests.projections.story import dump, play
from tests.waiting import wait_until

GIN_INDEXES = {"candidates_search", "candidates_tags", "candidates_sources", "candidates_pools",
               "candidates_reasons", "candidates_stages"}


def gin_indexes(database) -> dict[str, int]:
    """The profiles view's GIN indexes, by name, with their oids (a rebuilt index has a new
    one)."""
    with database.pool.connection() as conn:
        found = conn.execute(
            "SELECT c.relname, c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam "
            "WHERE i.indrelid = 'read.candidates'::regclass AND a.amname = 'gin'").fetchall()
    return {name: oid for name, oid in found}


def bulk_lag(database, monkeypatch: pytest.MonkeyPatch, events: int) -> None:
    """REKINDLE_PROJECTION_BULK_LAG for this test's runners and rebuilds."""
    monkeypatch.setattr(database, "settings",
                        database.settings.replace(projection_bulk_lag_events=events))


@pytest.fixture
def short_bulk_lag(database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The story is a few dozen events: make that count as a long catch-up."""
    bulk_lag(database, monkeypatch, 5)


def test_a_long_catch_up_builds_the_gin_indexes_afresh_once_it_reaches_the_head(
        app, admin, database, short_bulk_lag):
    with ProjectionService(database, MINE).start():  # an empty log: the view is opened
        pass
    before = gin_indexes(database)
    assert set(before) == GIN_INDEXES
    story = play(app, admin)

    with ProjectionService(database, MINE).start() as service:
        assert service.wait(story.last, 10)
        after = wait_until(lambda: gin_indexes(database) if len(gin_indexes(database)) == 6
                           else None, 10, "the indexes built after catching up")
    assert all(after[name] != before[name] for name in GIN_INDEXES), "indexes were not deferred"
    tagged = answers.list_candidates(database.pool, admin, tag="silver-medallist")["items"]
    assert [c["id"] for c in tagged] == [str(story.ada)]
    found = answers.list_candidates(database.pool, admin, q="lovelace")["items"]
    assert [c["id"] for c in found] == [str(story.ada)]


def test_a_short_lag_keeps_the_indexes(app, admin, database, short_bulk_lag, monkeypatch):
    story = play(app, admin)
    with ProjectionService(database, MINE).start() as service:
        assert service.wait(story.last, 10)
    with database.pool.connection() as conn:
        conn.execute("ANALYZE read.candidates")
    before = gin_indexes(database)

    recorded = app.candidates.create("Lena Later", ["lena@example.com"], admin, tags=["late"])
    with ProjectionService(database, MINE).start() as service:
        assert service.wait(recorded.position, 10)
    assert gin_indexes(database) == before

    # a lag longer than the threshold but shorter than the table: rebuilding costs more
    bulk_lag(database, monkeypatch, 1)
    with database.pool.connection() as conn:
        conn.execute("ANALYZE read.candidates")
    recorded = app.candidates.create("Mo More", ["mo@example.com"], admin)
    with ProjectionService(database, MINE).start() as service:
        assert service.wait(recorded.position, 10)
    assert gin_indexes(database) == before


def test_a_rebuild_without_the_indexes_gives_the_same_rows_and_builds_them(
        app, admin, database, service, short_bulk_lag):
    story = play(app, admin)
    assert service.wait(story.last, 10)
    live = dump(database)
    service.stop()
    seen_while_catching_up: list[set[str]] = []

    def progress(name: str, position: int, head: int) -> None:
        seen_while_catching_up.append(set(gin_indexes(database)))

    assert rebuild(database, MINE, progress) == {"profiles": story.last,
                                                 "analytics": story.last}
    assert seen_while_catching_up and all(not seen for seen in seen_while_catching_up)
    assert dump(database) == live
    assert set(gin_indexes(database)) == GIN_INDEXES


def test_indexes_a_stopped_catch_up_left_deferred_are_back_when_the_view_is_opened(
        app, admin, database):
    factory, projection = open_projection(database, ProfilesProjection)
    try:
        assert projection.view.defer_indexes(lag=10**9, bulk_lag=5)
        assert gin_indexes(database) == {}
    finally:
        factory.close()
    story = play(app, admin)
    with ProjectionService(database, MINE).start() as service:  # default threshold: no deferral
        assert set(gin_indexes(database)) == GIN_INDEXES
        assert service.wait(story.last, 10)
