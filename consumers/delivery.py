"""Delivering one message to one handler, the same way whichever transport brought it.

A handler that fails is retried with bounded exponential backoff; after the last attempt the
caller parks the message and moves on, so one poison event never stalls a worker.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import psycopg
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, Tracking

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

    def delay(self, attempt: int) -> float:
        return min(self.max_delay_s, self.first_delay_s * 2 ** (attempt - 1))


OUTAGES = (psycopg.OperationalError, psycopg.InterfaceError, OperationalError, InterfaceError,
           ConnectionError)


class Abandoned(Exception):
    """The worker was asked to stop while retrying: leave the message undelivered."""


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

    def record(self) -> None:
        if self.reached is not None and self.reached > (self._done or 0):
            mark_done(self.runtime, self.tracking_name, self.reached)


def mark_done(runtime: Context, tracking_name: str, position: int) -> None:
    """Records the position a handler reached when it recorded nothing itself."""
    with contextlib.suppress(IntegrityError):
        runtime.rekindle.store.recorder.insert_tracking(Tracking(tracking_name, position))


def deliver_together(handler: Handler, messages: Sequence[Message], runtime: Context,
                     progress: Progress) -> None:
    """Hands a batch's messages that the handler wants and has not done to a handler that can
    (`handle_together`) record their effects in one transaction.

    When it cannot, or that failed (a poison message, a race), nothing is marked handled and
    the caller delivers the messages one at a time, with retries and parking, as always.
    """
    together = getattr(handler, "handle_together", None)
    if together is None:
        return
    wanted = [m for m in messages
              if handler.wants(m) and not progress.already_done(m.position)]
    if len(wanted) < 2:
        return
    try:
        together(wanted, runtime, progress.tracking_name)
    except Exception as error:
        log.info("%s: %d messages together failed (%r); delivering them one at a time",
                 handler.name, len(wanted), error)
        return
    progress.handled_through(wanted[-1].position)


def deliver(handler: Handler, message: Message, runtime: Context, tracking_name: str,
            policy: RetryPolicy, stopping: threading.Event) -> BaseException | None:
    """Calls the handler until it succeeds; returns the last error if every attempt failed.

    IntegrityError means the effect was already recorded by an earlier delivery: success.
    Raises Abandoned if asked to stop between attempts. A database outage is not the
    message's fault: it is re-raised after the last attempt rather than returned, so the
    caller retries the message later instead of parking it.
    """
    error: BaseException | None = None
    for attempt in range(1, policy.attempts + 1):
        try:
            handler.handle(message, runtime, tracking_name)
            return None
        except IntegrityError:
            return None
        except Exception as exc:
            error = exc
            log.warning("%s failed on %s (attempt %d/%d): %r", handler.name, message.event_id,
                        attempt, policy.attempts, exc)
        if attempt < policy.attempts and stopping.wait(policy.delay(attempt)):
            raise Abandoned(message.event_id)
    if isinstance(error, OUTAGES):
        raise error
    return error
