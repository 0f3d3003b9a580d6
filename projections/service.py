"""The projection service: every read model followed live from the event store, each batch
read and decoded once for all, a failed one restarted by itself while the others go on.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from threading import Event, Thread
from time import monotonic
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, Notification

from domain.store import EventStore
from projections.applying import apply_all
from projections.database import Database
from projections.faults import ViewFaults
from projections.follower import MAX_BACKOFF_S, Follower, describe
from projections.listen import Listener
from projections.opening import catalog, open_all, open_projection
from projections.reading import Reader, max_position, reading_app
from projections.readview import committed_batches

log = logging.getLogger(__name__)

IDLE_WAIT_S = 0.25  # longest wait for a NOTIFY before looking again (and for stop())
DEMAND_POLL_S = 0.02  # how soon a lingering projection someone waits for is applied


class ProjectionService:
    """Every registered projection, followed live from the event store, restarted after failures.

    One thread reads and decodes each batch of the notification log once and hands it to every
    projection, each applying it with its tracking record in its own transaction. A projection
    that fails (its own bug, or the database going away) is retried from its tracking position
    after a backoff (MIN_BACKOFF_S doubling to MAX_BACKOFF_S) until `stop()`; the others go on.
    """

    def __init__(self, database: Database, names: Sequence[str] | None = None) -> None:
        self.database = database
        self.names = names
        self.runners: dict[str, Follower] = {}
        self._factories: list[InfrastructureFactory[Any]] = []
        self._app: EventStore | None = None
        self._reader: Reader | None = None
        self._workers: ThreadPoolExecutor | None = None
        self._stopping = Event()
        self._thread: Thread | None = None
        self._listener: Listener | None = None
        self._demanded: set[str] = set()  # lingering views waited for; guarded by committed_batches
        self._head = functools.partial(max_position, database)

    def start(self) -> ProjectionService:
        """Opens every view (creating its tables) and starts following from its position."""
        try:
            self._app = reading_app(self.database)
            self._reader = Reader(self._app, self.database.settings.projection_batch_size)
            self._workers = ThreadPoolExecutor(thread_name_prefix="projection")
            opened = open_all(self._workers, functools.partial(open_projection, self.database),
                              catalog(self.names))
            self._factories.extend(factory for factory, _ in opened)
            for _, projection in opened:
                follower = Follower(projection, self.database.settings,
                                    ViewFaults(self.database.pool))
                self.runners[follower.name] = follower
                follower.resume(head=self._head)
                follower.running()
        except BaseException:
            self.stop()
            raise
        self._thread = Thread(target=self._run, name="projections", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with committed_batches:
            committed_batches.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None
        for follower in self.runners.values():
            follower.is_interrupted.set()
        for factory in self._factories:
            factory.close()
        self._factories.clear()
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._workers is not None:
            self._workers.shutdown(wait=True)
            self._workers = None
        if self._app is not None:
            self._app.close()
            self._app = None
        self.runners.clear()

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    self._step()
                except Exception as error:  # a bug here must not end the service for good
                    log.error("projection service step failed: %s", describe(error))
                    self._stopping.wait(MAX_BACKOFF_S)
        finally:
            self._close_listener()

    def _step(self) -> None:
        """One batch for every projection that is due, or a wait when there is nothing to do."""
        now = monotonic()
        with committed_batches:
            demanded = set(self._demanded)
        healthy = [f for f in self.runners.values() if f.retry_at <= now]
        if not healthy:
            retry_at = min((f.retry_at for f in self.runners.values()),
                           default=now + IDLE_WAIT_S)
            self._stopping.wait(max(0.0, retry_at - now))
            return
        ready = []
        for follower in (f for f in healthy if f.due(now, demanded)):
            try:
                follower.resume(head=self._head)
                ready.append(follower)
            except Exception as error:
                follower.failed(error)
        notifications: Sequence[Notification] = ()
        if ready:
            assert self._reader is not None
            try:
                notifications, events = self._reader.read(min(f.position or 0 for f in ready))
            except Exception as error:
                for follower in ready:
                    follower.failed(error)
                return
            assert self._workers is not None
            work = [(f.projection, f.position or 0, f.limit) for f in ready]
            full = len(notifications) == self._reader.batch_size
            for follower, result in zip(ready, apply_all(self._workers, work, events),
                                        strict=True):
                if isinstance(result, Exception):
                    follower.failed(result, follower.attempted(events))
                else:
                    follower.applied(now, result, full)
            with committed_batches:
                self._demanded -= {f.name for f in ready}
        if not notifications:
            lingering = [f.linger_until for f in healthy if f not in ready]
            if lingering:
                self._wait_for_events(min(lingering) - now, poll_s=DEMAND_POLL_S)
            else:
                self._wait_for_events(IDLE_WAIT_S, poll_s=IDLE_WAIT_S)

    def _wait_for_events(self, timeout: float, poll_s: float) -> None:
        """Blocks until the event store NOTIFYs new events, `timeout` passes, or (checked every
        `poll_s`) someone waits for a lingering view."""
        deadline = monotonic() + min(timeout, IDLE_WAIT_S)
        while not self._stopping.is_set():
            remaining = deadline - monotonic()
            if remaining <= 0 or self._notified(min(remaining, poll_s)):
                return
            with committed_batches:
                if self._demanded:
                    return

    def _notified(self, timeout: float) -> bool:
        """True if the event store NOTIFYed new events within `timeout`."""
        if self._listener is None:
            self._listener = Listener(self.database.conninfo or "",
                                      self._app.recorder.channel_name)  # type: ignore[union-attr]
        return self._listener.wait(timeout)

    def _close_listener(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def wait(self, position: int | None, timeout: float,
             views: Sequence[str] | None = None) -> bool:
        """True once the named projections (all by default) have applied `position`; False
        after `timeout`.

        Woken by each committed batch (no polling); waits through a projection's restart.
        A lingering projection that is waited for is applied without lingering.
        """
        if position is None:
            return True
        followers = [f for name, f in self.runners.items() if views is None or name in views]
        deadline = monotonic() + timeout
        with committed_batches:
            while True:
                behind = [f for f in followers if f.projection.committed_position < position]
                if not behind:
                    return True
                self._demanded.update(f.name for f in behind if f.projection.lingers)
                remaining = deadline - monotonic()
                if remaining <= 0 or self._stopping.is_set():
                    return False
                committed_batches.wait(remaining)

    def status(self) -> list[dict[str, Any]]:
        head = max_position(self.database)
        return [{"name": name, "position": f.view.position(),
                 "lag": max(0, head - f.view.position()), "running": not f.is_interrupted.is_set()}
                for name, f in self.runners.items()]

    def run_forever(self) -> None:
        """Blocks until the service is stopped (failures are retried, never raised here)."""
        self._stopping.wait()

    def __enter__(self) -> ProjectionService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
