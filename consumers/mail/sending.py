"""Trying the mails that are due: each one rendered afresh, handed to the transport, and what
came of it recorded (domain/commands/mails.py decides what that means).

A mail is taken from the queue under a lease, loaded (a mail no longer queued is dropped
from the queue), turned into a letter with the addresses looked up now (or withdrawn, and
then cancelled), rendered, signed and sent. A server that cannot be reached ends the round:
the other due mails stay queued for the next one instead of each waiting out a timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

from consumers import metrics
from consumers.mail.compose import compose
from consumers.mail.links import LinkSigner
from consumers.mail.outbox import OutboxTransport
from consumers.mail.render import render
from consumers.mail.transport import (
    MailError,
    PermanentMailError,
    SmtpTransport,
    TransientMailError,
    Transport,
)
from domain.errors import NotFound
from domain.letters import Letter, Link, Withdrawn
from domain.mail import Mail, message_id
from domain.settings import Settings
from projections import mail_queue
from projections.link_secret import link_secret

if TYPE_CHECKING:
    from consumers.context import Context

log = logging.getLogger(__name__)

PATHS = {"consent": "consent", "confirm": "confirm", "follow_up": "follow-up",
         "unsubscribe": "unsubscribe"}
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
ROUND = 20  # mails taken per round, under one lease (REKINDLE_MAIL_LEASE_S)
SMTP_TIMEOUT_S = 10.0


def transport_for(settings: Settings) -> Transport:
    """The configured SMTP server, or the outbox folder of the embedded default."""
    url = settings.smtp_url
    if url is None:
        return OutboxTransport(outbox_folder(settings))
    security = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "tls"}[url.scheme]
    return SmtpTransport(host=url.host, port=url.port, security=security,
                         username=url.username, password=url.password,
                         timeout_s=SMTP_TIMEOUT_S)


def outbox_folder(settings: Settings) -> Path:
    return Path(settings.data_dir) / "outbox"


class Sender:
    """Sends due mails for one process; `wake()` makes the next round start at once."""

    def __init__(self, runtime: Context, transport: Transport | None = None) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.transport = transport or transport_for(runtime.settings)
        self._signer: LinkSigner | None = None
        self.woken = threading.Event()
        self.clock = time.monotonic

    def wake(self) -> None:
        self.woken.set()

    @property
    def signer(self) -> LinkSigner:
        if self._signer is None:
            self._signer = LinkSigner(link_secret(self.runtime.database.pool,
                                                  self.settings.link_secret))
        return self._signer

    def url(self, link: Link) -> str:
        token = self.signer.sign(link.purpose, link.candidate_id, link.ref, link.expires_at)
        base = self.settings.public_url or DEFAULT_PUBLIC_URL
        return f"{base}/{PATHS[link.purpose]}/{token}"

    def run_once(self, now: datetime | None = None) -> int:
        """One round: the due mails taken and tried; returns how many were tried."""
        pool = self.runtime.database.pool
        lease = self.settings.mail_lease_s
        taken = mail_queue.take(pool, now or datetime.now(UTC), ROUND, timedelta(seconds=lease))
        started = self.clock()
        for index, mail_id in enumerate(taken):
            if self.clock() - started > lease / 2:
                # a slow server: hand the rest back while the lease still holds, so no other
                # sender takes a mail this one is about to try
                for rest in taken[index:]:
                    mail_queue.release(pool, rest)
                return index
            try:
                reachable = self.try_one(mail_id)
            except Exception:
                for rest in taken[index:]:
                    mail_queue.release(pool, rest)
                raise
            if not reachable:
                for rest in taken[index + 1:]:
                    mail_queue.release(pool, rest)
                return index + 1
        return len(taken)

    def try_one(self, mail_id: UUID) -> bool:
        """Tries one mail; False when the server could not be reached at all."""
        mails, pool = self.runtime.rekindle.mails, self.runtime.database.pool
        try:
            mail = self.runtime.rekindle.store.load(Mail, mail_id)
        except NotFound:
            mail_queue.done(pool, mail_id)
            return True
        if not mail.is_queued:
            mail_queue.done(pool, mail_id)
            return True
        letter = mails.letter(mail)
        if isinstance(letter, Withdrawn):
            mails.cancel(mail.id, letter.reason)
            mail_queue.done(pool, mail_id)
            metrics.mail_sent(mail.kind, "cancelled")
            return True
        try:
            message = self.message(mail, letter)
        except ValueError as error:  # an address or a value the message cannot hold
            return self._failed(mail, PermanentMailError(f"cannot be composed: {error}",
                                                         stage="compose"))
        try:
            self.transport.send(message)
        except MailError as error:
            return self._failed(mail, error)
        mails.sent(mail.id)
        mail_queue.done(pool, mail_id)
        metrics.mail_sent(mail.kind, "sent")
        return True

    def _failed(self, mail: Mail, error: MailError) -> bool:
        pool = self.runtime.database.pool
        permanent = isinstance(error, PermanentMailError)
        after = self.runtime.rekindle.mails.failed(mail.id, str(error), permanent=permanent)
        if after.is_queued and after.retry_at is not None:
            # at once, not when this process meets its own MailAttemptFailed: the lease
            # might run out first, and the mail be tried again too early
            mail_queue.due_at(pool, mail.id, mail.candidate_id, after.retry_at, after.version)
        else:
            mail_queue.done(pool, mail.id)
            metrics.mail_sent(mail.kind, "failed")
        log.info("mail %s (%s) not accepted, attempt %d: %s", mail.id, mail.kind,
                 after.attempts, error)
        unreachable = isinstance(error, TransientMailError) and error.stage == "connect"
        return not unreachable

    def message(self, mail: Mail, letter: Letter) -> EmailMessage:
        facts = dict(letter.facts)
        if letter.link is not None:
            facts["link"] = self.url(letter.link)
        unsubscribe = self.url(letter.unsubscribe) if letter.unsubscribe is not None else None
        if unsubscribe is not None:
            facts["unsubscribe_link"] = unsubscribe
        rendered = render(mail.kind, **facts)
        to_candidate = mail.kind != "notification"
        message = compose(kind=mail.kind, to=letter.to, subject=rendered.subject,
                          text=rendered.text, html=rendered.html, cause_id=mail.cause_id,
                          candidate_id=mail.candidate_id if to_candidate else None,
                          recipient_user_id=mail.recipient_user_id, variant=mail.variant,
                          sender=self.settings.mail_from, unsubscribe_url=unsubscribe,
                          date=mail.queued_at, filed_under=letter.filed_under)
        expected = message_id(mail.id, self.settings.mail_from)
        if message["Message-ID"] != expected:  # the mail's id and its Message-ID are one
            raise RuntimeError(f"mail {mail.id} composed under another Message-ID")
        return message
