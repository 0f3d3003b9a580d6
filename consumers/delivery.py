"""Delivering one message to one handler, the same way whichever transport brought it.

A handler that fails is retried with bounded exponential backoff; after the last attempt the
caller parks the message and moves on, so one poison event never stalls a worker.

A write conflict (the library's IntegrityError) is not a failure. Either the handler's
tracking row already holds the message's position, and the effect was recorded by an
earlier delivery (or by another member of the group during a rebalance): done. Or the
effect lost a version race on an aggregate someone else wrote meanwhile: it is tried again
at once on fresh state, for as long as `RetryPolicy.race_deadline_s`, never counted as an
attempt and never parked. Past that deadline the message is left undelivered (`RaceLost`),
like in an outage, and delivered again later.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import psycopg
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, Tracking

from consumers import metrics
from consumers.handlers import Handler
from consumers.messages import Message

if TYPE_CHECKING:
    from consumers.context import Context

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    first_delay_s: float = 0.2
    max_delay_s: float = 5.0
    race_deadline_s: float = 20.0
    """How long an effect that keeps losing version races is tried again on fresh state.
    Below the consumer's poll interval, so the group does not evict a member meanwhile."""

    def delay(self, attempt: int) -> float:
        return min(self.max_delay_s, self.first_delay_s * 2 ** (attempt - 1))

    @staticmethod
    def race_delay(lost: int) -> float:
        """A short random pause before trying a lost race again: 5-10 ms, doubling to 0.5 s,
        so two writers of one aggregate do not collide in step."""
        return min(0.5, 0.01 * 2 ** min(lost - 1, 6)) * random.uniform(0.5, 1.0)


OUTAGES = (psycopg.OperationalError, psycopg.InterfaceError, OperationalError, InterfaceError,
           ConnectionError)


class Abandoned(Exception):
    """The worker was asked to stop while retrying: leave the message undelivered."""


class RaceLost(Exception):
    """An effect still lost version races at its deadline: left undelivered, never parked."""


def recorded_already(runtime: Context, tracking_name: str, position: int) -> bool:
    """Whether the handler's tracking row holds `position`: its effect is recorded."""
    done = runtime.rekindle.store.recorder.max_tracking_id(tracking_name)
    return done is not None and done >= position


class RaceClock:
    """Counts one message's (or batch's) lost races against the policy's deadline."""

    def __init__(self, handler: str, policy: RetryPolicy, stopping: threading.Event) -> None:
        self.handler = handler
        self.policy = policy
        self.stopping = stopping
        self.lost = 0
        self.deadline: float | None = None

    def lose(self, what: object, error: BaseException) -> bool:
        """Notes a lost race and pauses briefly; False once the deadline has passed."""
        now = time.monotonic()
        if self.deadline is None:
            self.deadline = now + self.policy.race_deadline_s
        if now >= self.deadline:
            return False
        self.lost += 1
        metrics.lost_race(self.handler)
        log.debug("%s lost a version race on %s (%d): %r", self.handler, what, self.lost, error)
        if self.stopping.wait(self.policy.race_delay(self.lost)):
            raise Abandoned(what)
        return True


class Progress:
    """One tracking name's position over a batch: read at most once, recorded once at the end.

    A crash before `record()` redelivers the batch; handlers absorb that (they are idempotent,
    and those that record events track them in the same transaction).
    """

    def __init__(self, runtime: Context, tracking_name: str, done: int | None = None) -> None:
        self.runtime = runtime
        self.tracking_name = tracking_name
        self._done = done
        self._handled = 0
        self.reached: int | None = None

    def already_done(self, position: int) -> bool:
        if position <= self._handled:
            return True
        if self._done is None:
            recorder = self.runtime.rekindle.store.recorder
            self._done = recorder.max_tracking_id(self.tracking_name) or 0
        return position <= self._done

    def handled_through(self, position: int) -> None:
        """Notes that this batch's messages up to `position` were handled (together)."""
        self._handled = position

    def refresh(self) -> None:
        """Forgets the position read, so the next check reads it again (after a write
        conflict: another member of the group may have recorded part of the batch)."""
        self._done = None

    def record(self) -> None:
        if self.reached is not None and self.reached > (self._done or 0):
            mark_done(self.runtime, self.tracking_name, self.reached)


def mark_done(runtime: Context, tracking_name: str, position: int) -> None:
    """Records the position a handler reached when it recorded nothing itself."""
    with contextlib.suppress(IntegrityError):
        runtime.rekindle.store.recorder.insert_tracking(Tracking(tracking_name, position))


def deliver_together(handler: Handler, messages: Sequence[Message], runtime: Context,
                     progress: Progress, policy: RetryPolicy,
                     stopping: threading.Event) -> None:
    """Hands a batch's messages that the handler wants and has not done to a handler that can
    (`handle_together`) record their effects in one transaction.

    A batch that loses a version race is tried again as a batch, on fresh state, without the
    messages another delivery recorded meanwhile. When the handler cannot take a batch, or
    the batch failed for another reason (a poison message, an outage), or kept losing races
    past the deadline, nothing is marked handled and the caller delivers the messages one at
    a time, with retries and parking, as always; such a fallback is counted
    (`rekindle_consumer_batch_fallbacks_total`).
    """
    together = getattr(handler, "handle_together", None)
    if together is None:
        return
    clock = RaceClock(handler.name, policy, stopping)
    while True:
        wanted = [m for m in messages
                  if handler.wants(m) and not progress.already_done(m.position)]
        if len(wanted) < 2:
            return
        try:
            together(wanted, runtime, progress.tracking_name)
        except IntegrityError as error:
            progress.refresh()
            if clock.lose(f"a batch of {len(wanted)}", error):
                continue
            reason: BaseException = RaceLost(f"still losing races after {clock.lost} tries")
        except Exception as error:
            reason = error
        else:
            progress.handled_through(wanted[-1].position)
            return
        metrics.batch_fell_back(handler.name)
        log.info("%s: %d messages together failed (%r); delivering them one at a time",
                 handler.name, len(wanted), reason)
        return


def deliver(handler: Handler, message: Message, runtime: Context, tracking_name: str,
            policy: RetryPolicy, stopping: threading.Event) -> BaseException | None:
    """Calls the handler until it succeeds; returns the last error if every attempt failed.

    An IntegrityError is success when the handler's tracking holds the message (recorded
    by an earlier delivery), else a lost race, tried again on fresh state until the
    deadline, then raised as RaceLost. Raises Abandoned if asked to stop between attempts.
    A database outage is not the message's fault: it is re-raised after the last attempt
    rather than returned, so the caller retries the message later instead of parking it.
    """
    error: BaseException | None = None
    clock = RaceClock(handler.name, policy, stopping)
    attempt = 0
    while attempt < policy.attempts:
        try:
            handler.handle(message, runtime, tracking_name)
            return None
        except IntegrityError as exc:
            if recorded_already(runtime, tracking_name, message.position):
                return None
            if clock.lose(message.event_id, exc):
                continue
            raise RaceLost(f"{handler.name}: the effect of {message.event_id} still lost "
                           f"version races after {clock.lost} tries") from exc
        except Exception as exc:
            error = exc
            attempt += 1
            log.warning("%s failed on %s (attempt %d/%d): %r", handler.name, message.event_id,
                        attempt, policy.attempts, exc)
        if attempt < policy.attempts and stopping.wait(policy.delay(attempt)):
            raise Abandoned(message.event_id)
    if isinstance(error, OUTAGES):
        raise error
    return error
