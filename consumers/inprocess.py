"""The in-process transport: handlers fed straight from the event store's notification log.

Each handler has its own thread and its own position (its tracking record in the app's
process recorder), so a slow or failing handler never holds the others back, and a restart
resumes where the handler's last recorded effect left off.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from time import monotonic
from typing import TYPE_CHECKING

from eventsourcing.persistence import Notification

from consumers.background import Background
from consumers.delivery import Abandoned, Progress, RetryPolicy, deliver, deliver_together
from consumers.handlers import Handler, batch_scope
from consumers.messages import Message, to_message
from consumers.parked import park
from consumers.subjects import Subjects
from projections.listen import Listener
from projections.reading import preload_keys

if TYPE_CHECKING:
    from consumers.context import Context

log = logging.getLogger(__name__)

BATCH = 500
BATCH_INTERVAL_S = 0.1  # a worker reads the log at most once per interval (NotificationFollower)
MARK_EVERY_S = 1.0
"""Under load a handler that wants none of a batch's messages records the position it reached
at most this often (a transaction per handler and batch, otherwise), and always once the
log is quiet: a restart reads those messages again and skips them."""


class NotificationFollower:
    """Reads the notification log in batches after a position, waiting on LISTEN when idle.

    Under write load every commit wakes its follower; reading at most once per
    `interval_s` turns that stream of one-event batches (a query, a decode and a commit or
    a broker flush each, holding the GIL) into a few larger ones. An event after a quiet
    spell is still picked up at once.
    """

    def __init__(self, runtime: Context, stopping: threading.Event,
                 idle_wait_s: float = 0.5, interval_s: float = BATCH_INTERVAL_S) -> None:
        self.runtime = runtime
        self.stopping = stopping
        self.idle_wait_s = idle_wait_s
        self.interval_s = interval_s
        self._last_read = 0.0
        self._listener = Listener(runtime.database.conninfo or "",
                                  runtime.rekindle.store.recorder.channel_name)

    def next_batch(self, after: int, limit: int = BATCH) -> Sequence[Notification]:
        """Notifications after `after`; waits up to idle_wait_s for new ones if there are none."""
        recorder = self.runtime.rekindle.store.recorder
        self.stopping.wait(max(0.0, self._last_read + self.interval_s - monotonic()))
        self._last_read = monotonic()
        found = recorder.select_notifications(start=after, limit=limit, inclusive_of_start=False)
        if found or self.stopping.is_set():
            return found
        self._listener.wait(self.idle_wait_s)
        return recorder.select_notifications(start=after, limit=limit, inclusive_of_start=False)

    def close(self) -> None:
        self._listener.close()


class DecodedMessages:
    """Each notification decoded once for all of a process's in-process workers.

    They follow the same stretch of the log at about the same time, so without this every
    event was decrypted and decoded once per handler. Messages hold no personal data (see
    consumers/messages.py), so keeping the most recent ones in memory erases nothing late.
    """

    def __init__(self, runtime: Context, size: int = 4 * BATCH) -> None:
        self.runtime = runtime
        self.size = size
        self.subjects = Subjects(runtime.rekindle.store)
        self._messages: OrderedDict[int, Message] = OrderedDict()
        self._lock = threading.Lock()

    def all(self, notifications: Sequence[Notification]) -> list[Message]:
        with self._lock:
            missing = [n for n in notifications if n.id not in self._messages]
        preload_keys(self.runtime.rekindle.store, missing)
        return [self(n) for n in notifications]

    def __call__(self, notification: Notification) -> Message:
        with self._lock:
            found = self._messages.get(notification.id)
        if found is None:
            found = to_message(self.runtime, notification, self.subjects)
            with self._lock:
                self._messages[notification.id] = found
                while len(self._messages) > self.size:
                    self._messages.popitem(last=False)
        return found


class InProcessWorker(Background):
    """One handler's thread, following the log from the handler's tracking position."""

    def __init__(self, runtime: Context, handler: Handler, *,
                 policy: RetryPolicy | None = None, idle_wait_s: float = 0.5,
                 messages: DecodedMessages | None = None) -> None:
        self.runtime = runtime
        self.handler = handler
        self.messages = messages or DecodedMessages(runtime)
        self.policy = policy or RetryPolicy()
        self.tracking_name = handler.name
        super().__init__(f"worker-{handler.name}")
        self.follower = NotificationFollower(runtime, self.stopping, idle_wait_s)
        self._recorded_at = 0.0
        self._marked: int | None = None  # the position last recorded, when behind `position`

    def _run(self) -> None:
        position: int | None = None
        try:
            while not self.stopping.is_set():
                try:
                    if position is None:
                        position = self.runtime.rekindle.store.recorder.max_tracking_id(
                            self.tracking_name) or 0
                        self._marked = position
                    position = self._one_batch(position)
                except Abandoned:
                    return
                except Exception:
                    log.exception("in-process worker %s failed; resuming from its tracking",
                                  self.handler.name)
                    position = None
                    self.stopping.wait(1.0)
        finally:
            self.follower.close()

    def _one_batch(self, position: int) -> int:
        """Delivers the wanted messages of one batch, then records the position reached once.

        A crash before that record redelivers the batch's messages, which handlers absorb
        (they are idempotent by event id; those that record events track them too).
        """
        progress = Progress(self.runtime, self.tracking_name, done=self._marked)
        notifications = self.follower.next_batch(position)
        messages = self.messages.all(notifications)
        with batch_scope(self.handler, self.runtime):
            deliver_together(self.handler, messages, self.runtime, progress, self.policy,
                             self.stopping)
            wanted = False
            for message in messages:
                if self.stopping.is_set():
                    break
                wants = self.handler.wants(message)
                wanted = wanted or wants
                if wants and not progress.already_done(message.position):
                    error = deliver(self.handler, message, self.runtime, self.tracking_name,
                                    self.policy, self.stopping)
                    if error is not None:
                        log.error("parking %s for %s: %r", message.event_id, self.handler.name,
                                  error)
                        park(self.runtime, self.handler.name, message.position,
                             message.event_id, error)
                progress.reached = position = message.position
        progress.reached = position
        if not messages or wanted or monotonic() - self._recorded_at >= MARK_EVERY_S:
            progress.record()
            self._marked, self._recorded_at = position, monotonic()
        return position
