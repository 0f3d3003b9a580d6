"""Reading the event log for the projections: batches of notifications, decoded once for
all of them, the next batch read while the current one is applied.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from eventsourcing.persistence import Mapper, Notification, Tracking

from domain.store import EventStore
from projections.database import Database
from projections.readview import APP_NAME
from projections.stores import open_store

log = logging.getLogger(__name__)

Batch = tuple[Sequence[Notification], list[tuple[Any, Tracking]]]


def preload_keys(app: EventStore, notifications: Sequence[Notification]) -> None:
    """Fetches the keys of the batch's subjects in one query, not one per event decoded."""
    app.keys.preload(list({n.originator_id for n in notifications}))


def decode(app: EventStore, notifications: Sequence[Notification]) -> list[tuple[Any, Tracking]]:
    """Maps notifications to events, fetching the subjects' keys in one query first."""
    preload_keys(app, notifications)
    mapper: Mapper[Any] = app.mapper
    return [(mapper.to_domain_event(n), Tracking(APP_NAME, n.id)) for n in notifications]


class Reader:
    """Reads and decodes the log in batches; while one batch is applied, the next full one is
    fetched and decoded in a helper thread (decoding then overlaps the database's work)."""

    def __init__(self, app: EventStore, batch_size: int) -> None:
        self.app = app
        self.batch_size = batch_size
        self._ahead: tuple[int, Future[Batch]] | None = None
        self._helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="projection-reader")

    def read(self, after: int) -> Batch:
        """The batch after position `after` (empty at the head of the log)."""
        batch = None
        if self._ahead is not None:
            start, future = self._ahead
            self._ahead = None
            if start == after:
                with contextlib.suppress(Exception):  # read again below, where errors surface
                    batch = future.result()
        if batch is None:
            batch = self._read(after)
        notifications = batch[0]
        if len(notifications) == self.batch_size:
            self._ahead = (notifications[-1].id,
                           self._helper.submit(self._read, notifications[-1].id))
        return batch

    def _read(self, after: int) -> Batch:
        notifications = self.app.recorder.select_notifications(
            start=after, limit=self.batch_size, inclusive_of_start=False)
        return notifications, decode(self.app, notifications)

    def close(self) -> None:
        self._ahead = None
        self._helper.shutdown(wait=True, cancel_futures=True)


def reading_app(database: Database) -> EventStore:
    """The store a projection service or rebuild reads the log through (a small pool)."""
    return open_store(database, pool_size=2)


def max_position(database: Database) -> int:
    with database.pool.connection() as conn:
        exists = conn.execute("SELECT to_regclass('public.rekindle_events')").fetchone()[0]
        if exists is None:
            return 0
        row = conn.execute("SELECT max(notification_id) FROM public.rekindle_events").fetchone()
    return int(row[0] or 0)
