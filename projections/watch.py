"""Read-your-writes in a process that does not run the projections itself.

With Kafka configured, `rekindle serve` runs only the API and `rekindle worker projections`
(or `worker all`) applies the events elsewhere. Every batch a projection commits NOTIFYs
`PROJECTIONS_CHANNEL` with the view's name and new position (`ReadProjection.process_batch`);
a watch LISTENs there, so a 201 or a GET with `min_position` wakes as the view commits. The
library's `TrackingRecorder.wait` polls instead, first after 100 ms, then 200, 400...
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from threading import Condition, Event, Thread
from time import monotonic
from typing import Any

import psycopg
from eventsourcing.persistence import InfrastructureFactory

from projections.database import Database
from projections.follower import describe
from projections.listen import Listener
from projections.opening import catalog, open_projection
from projections.readview import PROJECTIONS_CHANNEL
from projections.service import IDLE_WAIT_S

log = logging.getLogger(__name__)


class ProjectionWatch:
    """The `wait` of ProjectionService, for projections running in another process."""

    def __init__(self, database: Database, names: Sequence[str] | None = None) -> None:
        self.database = database
        self.names = names
        self._factories: list[InfrastructureFactory[Any]] = []
        self.views: dict[str, Any] = {}
        self.positions: dict[str, int] = {}
        self._changed = Condition()
        self._listening = Event()
        self._stopping = Event()
        self._thread: Thread | None = None

    def start(self, timeout_s: float = 10.0) -> ProjectionWatch:
        """Opens the views (creating their tables) and listens; returns once it has."""
        for projection_class in catalog(self.names):
            factory, projection = open_projection(self.database, projection_class)
            self._factories.append(factory)
            self.views[projection_class.name] = projection.view
        self._thread = Thread(target=self._listen, name="projection-watch", daemon=True)
        self._thread.start()
        if not self._listening.wait(timeout_s):
            log.warning("projection watch is not listening yet; waits time out until it is")
        return self

    def _listen(self) -> None:
        """LISTENs, then reads every view's position (so nothing committed before is missed),
        then follows the notifications; starts over after losing its session."""
        listener = Listener(self.database.conninfo or "", PROJECTIONS_CHANNEL,
                            on_listen=self._read_positions)
        try:
            while not self._stopping.is_set():
                for payload in listener.payloads(IDLE_WAIT_S):
                    name, _, position = payload.rpartition(":")
                    if name in self.views:
                        self._advance(name, int(position))
                if not listener.listening:
                    self._listening.clear()
        finally:
            listener.close()

    def _read_positions(self) -> None:
        try:
            for name, view in self.views.items():
                self._advance(name, view.position())
        except Exception as error:  # the views unreadable: listen again, and read again then
            log.warning("projection watch cannot read the views' positions: %s",
                        describe(error))
            raise psycopg.OperationalError(str(error)) from error
        self._listening.set()

    def _advance(self, name: str, position: int) -> None:
        with self._changed:
            if position > self.positions.get(name, 0):
                self.positions[name] = position
                self._changed.notify_all()

    def wait(self, position: int | None, timeout: float,
             views: Sequence[str] | None = None) -> bool:
        """True once the named views (all by default) have committed `position`; False after
        `timeout`."""
        if position is None:
            return True
        names = [name for name in self.views if views is None or name in views]
        deadline = monotonic() + timeout
        with self._changed:
            while any(self.positions.get(name, 0) < position for name in names):
                remaining = deadline - monotonic()
                if remaining <= 0 or self._stopping.is_set():
                    return False
                self._changed.wait(remaining)
        return True

    def stop(self) -> None:
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        for factory in self._factories:
            factory.close()
        self._factories.clear()
        self.views.clear()
