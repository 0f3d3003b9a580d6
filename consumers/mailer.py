"""The "mailer" worker: every message sent as the effect of its event, at least once.

The handler (consumer group `rekindle.mailer` with Kafka, in-process otherwise) follows:
- the events that cause mails (domain/mail_causes.py): it queues their Mail aggregates,
  recorded with its tracking, so a redelivery queues nothing twice;
- the Mail events: it keeps the queue of mails to try (`rekindle.mail_queue`) in step;
- CandidateAnonymized: it cancels what is still queued for that person and removes the
  copies its own outbox folder holds.
Its companion, the sender, tries the queued mails as they fall due, in the same process. An
integration message never carries an address: the sender looks it up when it sends.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Tracking

from consumers.background import Background
from consumers.mail.outbox import OutboxTransport
from consumers.mail.sending import Sender, outbox_folder
from consumers.messages import Message
from domain.errors import DomainError
from domain.mail_causes import CAUSES, Cause
from domain.service import Rekindle
from domain.settings import Settings
from projections import mail_queue

if TYPE_CHECKING:
    from consumers.context import Context
    from projections.database import Database

log = logging.getLogger(__name__)

MAIL_EVENTS = ("MailQueued", "MailAttemptFailed", "MailSent", "MailFailed", "MailCancelled")
IDLE_S = 1.0  # the longest a sender sleeps without being woken (a retry falling due)


def cause_of(message: Message) -> Cause:
    return Cause(message.event_id, message.aggregate_type, message.type, message.aggregate_id,
                 message.version, message.occurred_at, message.data)


class MailErasure:
    """An erasure step: what is queued for the candidate is cancelled, and the outbox copies
    of their mails are deleted (in the process that erases; each mailer does the same for
    its own folder when it meets the anonymization)."""

    def __init__(self, rekindle: Rekindle, database: Database, settings: Settings) -> None:
        self.rekindle = rekindle
        self.database = database
        self.settings = settings

    def __call__(self, candidate_id: UUID) -> None:
        for mail_id in mail_queue.of_candidate(self.database.pool, candidate_id):
            try:
                self.rekindle.mails.cancel(mail_id, "anonymized")
            except DomainError as error:
                log.warning("mail %s not cancelled: %s", mail_id, error.message)
        OutboxTransport(outbox_folder(self.settings)).erase(candidate_id)


class SenderLoop(Background):
    """The sender's thread: a round whenever woken, else every IDLE_S."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        super().__init__("mail-sender")

    def stop(self) -> None:
        super().stop()
        self.sender.wake()

    def _run(self) -> None:
        failures = 0
        while not self.stopping.is_set():
            self.sender.woken.clear()
            try:
                tried = self.sender.run_once()
                failures = 0
            except Exception:
                failures += 1
                log.exception("mail sender failed; trying again")
                tried = 0
                self.stopping.wait(min(30.0, 0.5 * 2 ** min(failures, 6)))
            if tried == 0:
                self.sender.woken.wait(IDLE_S)


class MailerHandler:
    name = "mailer"

    def __init__(self) -> None:
        self._sender: Sender | None = None
        self._lock = threading.Lock()

    def sender(self, runtime: Context) -> Sender:
        with self._lock:
            if self._sender is None:
                self._sender = Sender(runtime)
            return self._sender

    def companion(self, runtime: Context) -> SenderLoop:
        """Runs beside the handler, in whichever process runs the handler."""
        return SenderLoop(self.sender(runtime))

    def wants(self, message: Message) -> bool:
        return ((message.aggregate_type, message.type) in CAUSES
                or (message.aggregate_type == "Mail" and message.type in MAIL_EVENTS)
                or (message.aggregate_type == "Candidate"
                    and message.type == "CandidateAnonymized"))

    def handle(self, message: Message, runtime: Context, tracking_name: str) -> None:
        pool = runtime.database.pool
        if message.aggregate_type == "Mail":
            if message.type == "MailQueued":
                mail_queue.due_at(pool, message.aggregate_id, _uuid(message.data["candidate_id"]),
                                  message.occurred_at, message.version)
            elif message.type == "MailAttemptFailed":
                mail_queue.due_at(pool, message.aggregate_id, None,
                                  datetime.fromisoformat(message.data["retry_at"]),
                                  message.version)
            else:
                mail_queue.done(pool, message.aggregate_id)
            self.sender(runtime).wake()
            return
        if message.type == "CandidateAnonymized":
            MailErasure(runtime.rekindle, runtime.database, runtime.settings)(
                message.aggregate_id)
            return
        with contextlib.suppress(IntegrityError):  # queued by an earlier delivery
            runtime.rekindle.mails.queue(cause_of(message),
                                         Tracking(tracking_name, message.position))


def _uuid(value: object) -> UUID | None:
    return None if value is None else UUID(str(value))
