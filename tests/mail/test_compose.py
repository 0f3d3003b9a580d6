"""The message's headers and parts, as a mail program reads them after the wire."""

from __future__ import annotations

import email
import email.policy
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from consumers.mail.compose import DEFAULT_FROM, compose, message_id, sender_domain
from consumers.mail.transport import CANDIDATE_HEADER

CAUSE = uuid.UUID("0b6f3e1c-55a3-4c61-a0d7-3f3f1b6c2a10")
CANDIDATE = uuid.UUID("9a3c2b1d-1111-4e2f-8a7b-0c0d0e0f1a2b")


def build(**overrides) -> EmailMessage:
    arguments = {"kind": "consent_request", "to": "zoe@example.org", "subject": "May we?",
                 "text": "Plain", "html": "<p>HTML</p>", "cause_id": CAUSE,
                 "candidate_id": CANDIDATE, "sender": "Acme Talent <talent@acme.example>"}
    return compose(**{**arguments, **overrides})


def over_the_wire(message: EmailMessage) -> EmailMessage:
    return email.message_from_bytes(message.as_bytes(policy=email.policy.SMTP),
                                    policy=email.policy.default)


def test_the_message_id_comes_from_the_cause_so_a_redelivery_repeats_it() -> None:
    first, again = build(), build(date=datetime(2031, 1, 1, tzinfo=UTC))
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"].endswith("@acme.example>")
    assert first["Message-ID"] == message_id(CAUSE, "consent_request", recipient_id=CANDIDATE,
                                             domain="acme.example")
    others = {build(cause_id=uuid.uuid4())["Message-ID"],
              build(candidate_id=uuid.uuid4())["Message-ID"],
              build(variant="reminder")["Message-ID"],
              build(kind="follow_up")["Message-ID"]}
    assert first["Message-ID"] not in others and len(others) == 4


def test_the_default_sender() -> None:
    message = build(sender=DEFAULT_FROM)
    assert message["From"] == "Rekindle <no-reply@localhost>"
    assert message["Message-ID"].endswith("@localhost>")
    assert sender_domain("no-reply") == "localhost"


def test_both_parts_travel_as_multipart_alternative() -> None:
    received = over_the_wire(build(text="Grüße, Zoë", html="<p>Grüße, Zoë</p>"))
    assert received.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in received.iter_parts()] == \
        ["text/plain", "text/html"]
    assert received.get_body(("plain",)).get_content().strip() == "Grüße, Zoë"
    assert received.get_body(("html",)).get_content().strip() == "<p>Grüße, Zoë</p>"
    assert received["To"] == "zoe@example.org"
    assert received["Date"].datetime.tzinfo is not None


def test_a_utf8_subject_is_encoded_for_the_wire_and_read_back_whole() -> None:
    message = build(subject="Ihre Einwilligung, Zoë: bitte bestätigen ✓")
    wire = message.as_bytes(policy=email.policy.SMTP)
    headers = wire.split(b"\r\n\r\n", 1)[0]
    headers.decode("ascii")  # every header line is ASCII: encoded words
    assert b"=?utf-8?" in headers
    assert over_the_wire(message)["Subject"] == "Ihre Einwilligung, Zoë: bitte bestätigen ✓"


def test_a_subject_cannot_smuggle_headers() -> None:
    message = build(subject="Hello\r\nBcc: everyone@example.org")
    received = over_the_wire(message)
    assert received["Bcc"] is None
    assert received["Subject"] == "Hello Bcc: everyone@example.org"


def test_a_campaign_carries_one_click_unsubscribe_and_is_not_auto_submitted() -> None:
    link = "https://rekindle.example/unsubscribe/TOKEN"
    received = over_the_wire(build(kind="campaign", unsubscribe_url=link))
    assert received["List-Unsubscribe"] == f"<{link}>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["Auto-Submitted"] is None
    with pytest.raises(ValueError):
        build(kind="campaign")
    with pytest.raises(ValueError):
        build(kind="campaign", unsubscribe_url="javascript:alert(1)")


@pytest.mark.parametrize("kind", ["consent_request", "form_confirmation", "follow_up",
                                  "notification"])
def test_automatic_kinds_are_marked_auto_generated(kind: str) -> None:
    received = over_the_wire(build(kind=kind))
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["List-Unsubscribe"] is None
    assert over_the_wire(build(kind=kind, auto_submitted=False))["Auto-Submitted"] is None


def test_the_filing_header_names_the_candidate_only_when_there_is_one() -> None:
    assert build()[CANDIDATE_HEADER] == str(CANDIDATE)
    user = uuid.uuid4()
    notification = build(kind="notification", candidate_id=None, recipient_user_id=user)
    assert notification[CANDIDATE_HEADER] is None
    assert notification["Message-ID"] == message_id(CAUSE, "notification", recipient_id=user,
                                                    domain="acme.example")


@pytest.mark.parametrize("to", ["a@example.org, b@example.org", "not an address", ""])
def test_exactly_one_recipient(to: str) -> None:
    with pytest.raises(ValueError) as caught:
        build(to=to)
    assert "example.org" not in str(caught.value)


def test_unknown_kinds_and_naive_dates_are_refused() -> None:
    with pytest.raises(ValueError):
        build(kind="newsletter")
    with pytest.raises(ValueError):
        build(date=datetime(2030, 1, 1))
