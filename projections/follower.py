"""One projection as a service follows it: its position, its failures and its backoff."""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable
from threading import Event
from time import monotonic

from domain.settings import Settings
from projections.readview import ReadProjection

log = logging.getLogger(__name__)

MIN_BACKOFF_S = 0.5  # first retry of a failed projection; doubles per failure ...
MAX_BACKOFF_S = 10.0  # ... up to this
_PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def describe(error: BaseException) -> str:
    """An error's class, SQLSTATE and innermost line of ours: never its message, which can
    quote row values (names, addresses), so logs stay free of personal data."""
    cause = error.__cause__ or error
    state = getattr(cause, "sqlstate", None)
    frames = traceback.extract_tb(cause.__traceback__) + traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if f.filename.startswith(_PROJECT_ROOT)]
    where = f" at {os.path.relpath(ours[-1].filename, _PROJECT_ROOT)}:{ours[-1].lineno}" \
        if ours else ""
    return type(cause).__name__ + (f" (SQLSTATE {state})" if state else "") + where


class Follower:
    """One projection as the service follows it: its position and whether it is running.

    `is_interrupted` is set while the projection is not applying events (failed, waiting
    to retry, or stopped); readiness checks read it.
    """

    def __init__(self, projection: ReadProjection, settings: Settings) -> None:
        self.projection = projection
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

    def applied(self, now: float, position: int, full: bool) -> None:
        """A batch went in; a lingering view waits before the next unless it is catching up."""
        advanced = position != self.position
        self.position = position
        self.running()
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

    def failed(self, error: BaseException) -> None:
        self.failures += 1
        delay = min(MAX_BACKOFF_S, MIN_BACKOFF_S * 2 ** (self.failures - 1))
        self.position = None
        self.retry_at = monotonic() + delay
        self.is_interrupted.set()
        log.error("projection %s stopped: %s; restarting from its tracking position in %.1f s",
                  self.name, describe(error), delay)
