"""One projection as a service follows it: its position, its failures and its backoff.

A batch that fails for a reason other than an outage is narrowed down: the next attempt
takes the first half of it, and so on, each good part committed, until one event alone
fails. The view is then stuck at that event: it is said once, in the log and in
`rekindle.view_faults` (which `/readyz` reads), and retried with a backoff; the other views
go on meanwhile.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable, Sequence
from threading import Event
from time import monotonic
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, Tracking
from psycopg_pool import PoolTimeout

from domain.settings import Settings
from projections.faults import ViewFaults
from projections.readview import ReadProjection

log = logging.getLogger(__name__)

MIN_BACKOFF_S = 0.5  # first retry of a failed projection; doubles per failure ...
MAX_BACKOFF_S = 10.0  # ... up to this
OUTAGES = (psycopg.OperationalError, psycopg.InterfaceError, OperationalError, InterfaceError,
           PoolTimeout, ConnectionError)
"""Failures of the database, not of an event: waited out, never narrowed down to one."""
_PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def describe(error: BaseException) -> str:
    """An error's class, SQLSTATE and innermost line of ours: never its message, which can
    quote row values (names, addresses), so logs stay free of personal data."""
    cause = error.__cause__ or error
    state = getattr(cause, "sqlstate", None)
    frames = traceback.extract_tb(cause.__traceback__) + traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames
            if f.filename.startswith(_PROJECT_ROOT) and "site-packages" not in f.filename]
    where = f" at {os.path.relpath(ours[-1].filename, _PROJECT_ROOT)}:{ours[-1].lineno}" \
        if ours else ""
    return type(cause).__name__ + (f" (SQLSTATE {state})" if state else "") + where


class Follower:
    """One projection as the service follows it: its position and whether it is running.

    `is_interrupted` is set while the projection is not applying events (failed, waiting
    to retry, or stopped); readiness checks read it.
    """

    def __init__(self, projection: ReadProjection, settings: Settings,
                 faults: ViewFaults | None = None) -> None:
        self.projection = projection
        self.faults = faults
        self.limit: int | None = None  # while narrowing a failed batch down
        self.narrow_until = 0
        self.stuck_at: int | None = None
        self.linger_s = settings.projection_linger_s
        self.bulk_lag = settings.projection_bulk_lag_events
        self.view = projection.view
        self.name = projection.name
        self.position: int | None = None
        self.is_interrupted = Event()
        self.is_interrupted.set()
        self.failures = 0
        self.retry_at = 0.0
        self.linger_until = 0.0
        self.indexes_deferred = False

    def due(self, now: float, demanded: set[str]) -> bool:
        """Prompt, done lingering, or waited for."""
        return self.linger_until <= now or self.name in demanded

    def attempted(self, events: Sequence[tuple[Any, Tracking]]) -> list[tuple[Any, Tracking]]:
        """The events of a batch this follower applies next."""
        after = self.position or 0
        return [pair for pair in events if pair[1].notification_id > after][:self.limit]

    def applied(self, now: float, position: int, full: bool) -> None:
        """A batch went in; a lingering view waits before the next unless it is catching up."""
        advanced = position != self.position
        self.position = position
        self.running()
        if self.limit is not None and position >= self.narrow_until:
            self.limit = None
        if self.stuck_at is not None and position >= self.stuck_at:
            self.stuck_at = None
            if self.faults is not None:
                self.faults.moved_on(self.name)
            log.info("projection %s applied the event it was stuck at (%d)", self.name, position)
        if self.indexes_deferred and not full:  # caught up: build the deferred indexes
            try:
                self.view.restore_indexes()
                self.indexes_deferred = False
            except Exception as error:
                log.error("projection %s: building its indexes failed: %s; trying again after "
                          "its next batch", self.name, describe(error))
        if self.projection.lingers and advanced and not full:
            self.linger_until = now + self.linger_s

    def resume(self, head: Callable[[], int]) -> None:
        """Reads the position from the tracking table: the only truth after a failure. Far
        behind `head()`, the view catches up with its GIN indexes deferred."""
        if self.position is None:
            self.position = self.view.position()
            self.projection.committed(self.position)
            if not self.indexes_deferred:
                self.indexes_deferred = self.view.defer_indexes(head() - self.position,
                                                                self.bulk_lag)

    def running(self) -> None:
        self.failures = 0
        self.is_interrupted.clear()

    def failed(self, error: BaseException,
               attempted: Sequence[tuple[Any, Tracking]] = ()) -> None:
        self.position = None
        self.is_interrupted.set()
        if attempted and not isinstance(error, OUTAGES):
            if len(attempted) > 1:
                self.limit = max(1, len(attempted) // 2)
                self.narrow_until = max(self.narrow_until, attempted[-1][1].notification_id)
                self.retry_at = monotonic()
                log.info("projection %s: a batch of %d failed (%s); trying its first %d events",
                         self.name, len(attempted), describe(error), self.limit)
                return
            self._stuck(attempted[0], error)
        self.failures += 1
        delay = min(MAX_BACKOFF_S, MIN_BACKOFF_S * 2 ** (self.failures - 1))
        self.retry_at = monotonic() + delay
        if self.stuck_at is None:
            log.error("projection %s stopped: %s; restarting from its tracking position in "
                      "%.1f s", self.name, describe(error), delay)

    def _stuck(self, pair: tuple[Any, Tracking], error: BaseException) -> None:
        position, event_type = pair[1].notification_id, type(pair[0]).__name__
        if self.stuck_at == position:
            return  # said once
        self.stuck_at = position
        reason = describe(error)
        log.error("projection %s cannot apply event %d (%s): %s; it stays there, retried with a "
                  "backoff, while the other views go on", self.name, position, event_type, reason)
        if self.faults is not None:
            try:
                self.faults.stuck(self.name, position, event_type, reason)
            except Exception as failure:
                log.warning("projection %s: its fault was not recorded: %s", self.name,
                            describe(failure))
