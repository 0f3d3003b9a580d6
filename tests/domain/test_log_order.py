"""The notification log is committed in the order of its ids, so a reader that has passed an
id never finds an earlier one appear later (projections, the relay and the workers all follow
it by position and would skip that event for good)."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import psycopg
import pytest
from psycopg.sql import Composable

from domain.actor import Actor
from domain.service import Rekindle
from projections.database import Database


def test_a_write_waits_while_an_earlier_writer_holds_a_lower_id(app: Rekindle,
                                                                 database: Database) -> None:
    app.users.create("Ada Admin", "ada@example.com", "super_admin", Actor.system())
    with psycopg.connect(database.conninfo) as earlier:
        held = earlier.execute(
            "INSERT INTO rekindle_events (originator_id, originator_version, topic, state)"
            " VALUES (%s, 1, 'bench:Unrelated', '\\x7b7d') RETURNING notification_id",
            (uuid.uuid4(),)).fetchone()[0]  # id taken, transaction still open

        done = threading.Event()
        written: list[int] = []

        def later_write() -> None:
            written.append(app.candidates.create("Lena Later", ["lena@example.com"],
                                                Actor.system()).position)
            done.set()

        writer = threading.Thread(target=later_write)
        writer.start()
        assert not done.wait(1.0), "a later write committed while a lower id was in flight"
        earlier.commit()
    writer.join(10)
    assert done.is_set() and written[0] > held


def test_a_writer_slow_after_its_insert_does_not_hold_the_others_back(
        app: Rekindle, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table lock must be gone by the time the writer's thread reads the insert's result:
    in a busy process that thread can wait milliseconds for the GIL, and every other writer
    would queue behind the lock meanwhile (projections.recorder)."""
    app.users.create("Ada Admin", "ada@example.com", "super_admin", Actor.system())
    stalled, release = threading.Event(), threading.Event()
    slow_thread: list[threading.Thread] = []
    fetchall = psycopg.Cursor.fetchall

    def fetch_slowly(cursor: psycopg.Cursor[Any]) -> Any:
        query = cursor._last_query  # the statement just executed
        text = query.as_string(cursor) if isinstance(query, Composable) else str(query)
        if threading.current_thread() in slow_thread and "rekindle_events" in text and (
                "INSERT" in text or "_insert" in text):
            stalled.set()
            release.wait(30)
        return fetchall(cursor)

    monkeypatch.setattr(psycopg.Cursor, "fetchall", fetch_slowly)
    slow = threading.Thread(target=app.candidates.create,
                            args=("Sam Slow", ["sam@example.com"], Actor.system()))
    slow_thread.append(slow)
    slow.start()
    fast = threading.Thread(target=app.candidates.create,
                            args=("Fay Fast", ["fay@example.com"], Actor.system()))
    try:
        assert stalled.wait(10), "the slow writer never reached the insert's result"
        fast.start()
        fast.join(5)
        assert not fast.is_alive(), "a writer waited for another one's thread to commit"
    finally:
        release.set()
        slow.join(10)
        fast.join(10)
    names = [n.topic for n in app.store.recorder.select_notifications(start=1, limit=100)]
    assert names.count("domain.candidate:Candidate.CandidateCreated") == 2
