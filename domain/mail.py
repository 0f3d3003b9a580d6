"""One message to one person, as the effect of one event: its identity and its delivery.

A mail's id is derived from its cause (the event, the kind, the variant and the person it
goes to) and is also its Message-ID's local part, so a redelivered event, a chore run twice or
a second mailer process all arrive at the same mail, recorded once and sent under one
Message-ID. The aggregate holds ids, the kind and the delivery's course only: never an
address, a name or a body. Those are looked up and rendered each time the mail is tried, so
nothing of them is kept, and an erasure leaves nothing behind but the fact that a mail was
(or was not) sent.
"""

from __future__ import annotations

import functools
from datetime import datetime
from email.message import EmailMessage
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor

KINDS = ("consent_request", "form_confirmation", "follow_up", "campaign", "notification")
STATUSES = ("queued", "sent", "failed", "cancelled")
TO_CANDIDATE = frozenset(KINDS) - {"notification"}

# Fixed for ever: changing it would give every redelivered message a new id.
MESSAGE_ID_NAMESPACE = UUID("6f1c8a52-3a0e-5d4b-9a57-1f0c2e9b7d31")
EVENT_ID_NAMESPACE = UUID("2f7f4f0e-5b7e-4d58-9a3e-0c1b8f3f9a11")


def event_id(aggregate_id: UUID, version: int) -> UUID:
    """Stable id of one stored event: the same on every redelivery and every transport."""
    return uuid5(EVENT_ID_NAMESPACE, f"{aggregate_id}:{version}")


def mail_id(cause_id: UUID, kind: str, *, recipient_id: UUID | None = None,
            variant: str | None = None) -> UUID:
    """The same arguments always give the same id. `recipient_id` tells apart the messages
    one event causes for several people (a campaign sent to a pool), `variant` those it
    causes for one person (a request and its reminder answering the same request)."""
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    name = "/".join((str(cause_id), kind, variant or "", str(recipient_id or "")))
    return uuid5(MESSAGE_ID_NAMESPACE, name)


@functools.lru_cache(maxsize=16)  # one From per deployment; the email parser is not cheap
def sender_domain(sender: str) -> str:
    """The domain of a From value such as `Rekindle <no-reply@example.com>`."""
    message = EmailMessage()
    message["From"] = sender
    addresses = message["From"].addresses
    domain = addresses[0].domain if addresses else ""
    return domain or "localhost"


def message_id(mail: UUID, sender: str) -> str:
    """The Message-ID header of a mail sent from `sender`."""
    return f"<{mail}@{sender_domain(sender)}>"


class Mail(Aggregate):
    """queued → sent | failed | cancelled; a failed attempt keeps it queued until the last."""

    @event("MailQueued")
    def __init__(self, id: UUID, kind: str, cause_id: UUID, candidate_id: UUID | None,
                 recipient_user_id: UUID | None, campaign_id: UUID | None,
                 variant: str | None, refs: dict[str, str], at: datetime, by: Actor) -> None:
        """`refs` names what the mail is about (a request's version, a submission, an
        invitation, a notification): ids only."""
        self.kind = kind
        self.cause_id = cause_id
        self.candidate_id = candidate_id
        self.recipient_user_id = recipient_user_id
        self.campaign_id = campaign_id
        self.variant = variant
        self.refs = dict(refs)
        self.queued_at = at
        self.status = "queued"
        self.attempts = 0
        self.last_error: str | None = None
        self.sent_at: datetime | None = None
        self.retry_at: datetime | None = None

    @property
    def is_queued(self) -> bool:
        return self.status == "queued"

    @event("MailAttemptFailed")
    def attempt_failed(self, error: str, at: datetime, retry_at: datetime, by: Actor) -> None:
        """Not accepted this time; tried again at `retry_at`."""
        self.attempts += 1
        self.last_error = error
        self.retry_at = retry_at

    @event("MailSent")
    def mark_sent(self, at: datetime, by: Actor) -> None:
        """The mail server (or the outbox) accepted it."""
        self.attempts += 1
        self.status = "sent"
        self.sent_at = at

    @event("MailFailed")
    def mark_failed(self, error: str, at: datetime, by: Actor) -> None:
        """Final: refused for good, or the last attempt failed too."""
        self.attempts += 1
        self.status = "failed"
        self.last_error = error

    @event("MailCancelled")
    def cancel(self, reason: str, at: datetime, by: Actor) -> None:
        """Not sent, and never will be (the person was erased, withdrew consent, answered)."""
        self.status = "cancelled"
        self.last_error = reason
