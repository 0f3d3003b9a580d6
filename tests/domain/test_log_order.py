"""The notification log is committed in the order of its ids, so a reader that has passed an
id never finds an earlier one appear later (projections, the relay and the workers all follow
it by position and would skip that event for good)."""

from __future__ import annotations

import threading
import uuid

import psycopg

from domain.actor import Actor
from domain.application import Rekindle
from projections.database import Database


def test_a_write_waits_while_an_earlier_writer_holds_a_lower_id(app: Rekindle,
                                                                 database: Database) -> None:
    app.create_user("Ada Admin", "ada@example.com", "super_admin", Actor.system())
    with psycopg.connect(database.conninfo) as earlier:
        held = earlier.execute(
            "INSERT INTO rekindle_events (originator_id, originator_version, topic, state)"
            " VALUES (%s, 1, 'bench:Unrelated', '\\x7b7d') RETURNING notification_id",
            (uuid.uuid4(),)).fetchone()[0]  # id taken, transaction still open

        done = threading.Event()
        written: list[int] = []

        def later_write() -> None:
            written.append(app.create_candidate("Lena Later", ["lena@example.com"],
                                                Actor.system()).position)
            done.set()

        writer = threading.Thread(target=later_write)
        writer.start()
        assert not done.wait(1.0), "a later write committed while a lower id was in flight"
        earlier.commit()
    writer.join(10)
    assert done.is_set() and written[0] > held
