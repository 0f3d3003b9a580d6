"""Building the message itself: headers and a plain-text and an HTML part.

The Message-ID is derived from what caused the message (the event, the kind, the variant and
the person it goes to), never drawn at random: the mailer sends at least once, and a
redelivered event must produce the very same message, so that receiving servers, the outbox
and anyone reading can recognise the repeat.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from consumers.mail.transport import CANDIDATE_HEADER
from domain.mail import KINDS, mail_id, sender_domain

__all__ = ["DEFAULT_FROM", "KINDS", "compose", "message_id", "sender_domain"]

DEFAULT_FROM = "Rekindle <no-reply@localhost>"

# Sent because something happened, not written by someone: auto-responders (out of office)
# must not answer them (RFC 3834). A campaign is a mailing, marked as one by its
# List-Unsubscribe headers instead.
AUTOMATIC_KINDS = frozenset(KINDS) - {"campaign"}


def message_id(cause_id: uuid.UUID, kind: str, *, recipient_id: uuid.UUID | None = None,
               variant: str | None = None, domain: str = "localhost") -> str:
    """`<uuid5@domain>` from the cause: the same arguments always give the same id.

    `recipient_id` tells apart the messages one event causes for several people (a campaign
    sent to a pool), `variant` those it causes for one person (a request and its reminder
    answering the same request).
    """
    return f"<{mail_id(cause_id, kind, recipient_id=recipient_id, variant=variant)}@{domain}>"


def compose(*, kind: str, to: str, subject: str, text: str, html: str,
            cause_id: uuid.UUID, candidate_id: uuid.UUID | None = None,
            recipient_user_id: uuid.UUID | None = None, variant: str | None = None,
            sender: str = DEFAULT_FROM, unsubscribe_url: str | None = None,
            date: datetime | None = None, auto_submitted: bool | None = None,
            filed_under: uuid.UUID | None = None) -> EmailMessage:
    """The message for one kind, cause and recipient, ready for a `Transport`.

    A campaign must carry `unsubscribe_url` (a one-click link, RFC 8058). `auto_submitted`
    defaults to the kind being automatic. The candidate id goes into our filing header, which
    the SMTP transport strips (`filed_under` files a message to someone else, a recruiter's
    notification quoting a reminder's note, under the candidate whose data it holds); header
    values are checked by the email library, which refuses
    line breaks (no header injection through a subject).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    if kind == "campaign" and not unsubscribe_url:
        raise ValueError("a campaign message needs its unsubscribe link")
    if unsubscribe_url and not unsubscribe_url.startswith("https://") \
            and not unsubscribe_url.startswith("http://"):
        raise ValueError("the unsubscribe link must be an http(s) URL")
    when = date or datetime.now(UTC)
    if when.tzinfo is None:
        raise ValueError("the message date needs a timezone")

    message = EmailMessage()
    message["From"] = sender
    message["To"] = _single_address(to)
    message["Subject"] = " ".join(subject.split())
    message["Date"] = format_datetime(when)
    message["Message-ID"] = message_id(cause_id, kind,
                                       recipient_id=candidate_id or recipient_user_id,
                                       variant=variant, domain=sender_domain(sender))
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if kind in AUTOMATIC_KINDS if auto_submitted is None else auto_submitted:
        message["Auto-Submitted"] = "auto-generated"
    if (filed_under or candidate_id) is not None:
        message[CANDIDATE_HEADER] = str(filed_under or candidate_id)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _single_address(to: str) -> Address:
    """Exactly one plain address: a value with several (`a@x, b@y`) is refused, as each
    message goes to one person and its Message-ID stands for that one."""
    probe = EmailMessage()
    probe["To"] = to
    addresses = probe["To"].addresses
    if len(addresses) != 1 or not addresses[0].domain:
        raise ValueError("a message goes to exactly one address")
    return addresses[0]
