"""Personal links: only ours open a page, only the page they were made for, only in time."""

from __future__ import annotations

import base64
import re
import uuid
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from consumers.mail.links import (
    ExpiredLink,
    InvalidLink,
    LinkClaims,
    LinkSigner,
    WrongPurpose,
)

SECRET = "deployment-secret-0123456789abcdef"
NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
DEADLINE = datetime(2027, 2, 9, 9, 0, tzinfo=UTC)
CANDIDATE = uuid.UUID("3f8e2a7c-9d41-4b6a-8c55-2e1f0a9b7c63")
REQUEST = "c2a0d3a4-6a3e-4f1b-9d2c-7b8e9f0a1b2c"


@pytest.fixture
def signer() -> LinkSigner:
    return LinkSigner(SECRET)


def test_a_valid_token_gives_back_its_claims(signer: LinkSigner) -> None:
    token = signer.sign("consent", CANDIDATE, REQUEST, DEADLINE)
    assert signer.verify(token, "consent", NOW) == LinkClaims("consent", CANDIDATE, REQUEST,
                                                               DEADLINE)


def test_a_token_fits_in_a_url_path_and_carries_only_ids(signer: LinkSigner) -> None:
    token = signer.sign("unsubscribe", CANDIDATE, uuid.UUID(REQUEST), DEADLINE)
    assert re.fullmatch(r"[A-Za-z0-9_.\-]+", token)
    assert len(token) < 200
    # Signed, not encrypted: what is readable in it is the purpose, two ids and a moment.
    body = token.lstrip(".").split(".")[0]
    payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    if token.startswith("."):  # compressed, as it came out shorter
        payload = zlib.decompress(payload)
    assert payload == (f'["unsubscribe","{CANDIDATE.hex}","{REQUEST}",'
                       f'{int(DEADLINE.timestamp())}]').encode()


def test_a_token_signed_with_another_secret_is_refused(signer: LinkSigner) -> None:
    forged = LinkSigner("someone-elses-secret-0123456789").sign("consent", CANDIDATE, REQUEST,
                                                                 DEADLINE)
    with pytest.raises(InvalidLink):
        signer.verify(forged, "consent", NOW)


def test_a_tampered_token_is_refused(signer: LinkSigner) -> None:
    token = signer.sign("consent", CANDIDATE, REQUEST, DEADLINE)
    other = signer.sign("consent", uuid.uuid4(), REQUEST, DEADLINE)
    payload, signature = token.rsplit(".", 1)
    other_payload = other.rsplit(".", 1)[0]
    flipped = payload[:-3] + ("A" if payload[-3] != "A" else "B") + payload[-2:]
    for bad in (f"{flipped}.{signature}",            # payload altered
                f"{other_payload}.{signature}",      # another candidate, this signature
                f"{payload}.{signature[:-1]}",       # signature cut
                token + "x", token[1:], "", "not-a-token", "." * 5):
        with pytest.raises(InvalidLink):
            signer.verify(bad, "consent", NOW)


def test_a_token_only_opens_the_page_it_was_made_for(signer: LinkSigner) -> None:
    token = signer.sign("unsubscribe", CANDIDATE, REQUEST, DEADLINE)
    with pytest.raises(WrongPurpose) as caught:
        signer.verify(token, "consent", NOW)
    assert (caught.value.expected, caught.value.actual) == ("consent", "unsubscribe")
    for purpose in ("confirm", "follow_up"):
        with pytest.raises(WrongPurpose):
            signer.verify(token, purpose, NOW)


def test_a_token_expires_at_its_absolute_moment(signer: LinkSigner) -> None:
    token = signer.sign("consent", CANDIDATE, REQUEST, DEADLINE)
    assert signer.verify(token, "consent", DEADLINE - timedelta(seconds=1)).ref == REQUEST
    for late in (DEADLINE, DEADLINE + timedelta(days=400)):
        with pytest.raises(ExpiredLink) as caught:
            signer.verify(token, "consent", late)
        assert caught.value.claims.candidate_id == CANDIDATE  # to say which request died


def test_the_signature_comes_before_the_purpose_and_the_expiry(signer: LinkSigner) -> None:
    expired_elsewhere = LinkSigner("someone-elses-secret-0123456789").sign(
        "unsubscribe", CANDIDATE, REQUEST, NOW - timedelta(days=1))
    with pytest.raises(InvalidLink):
        signer.verify(expired_elsewhere, "consent", NOW)


def test_a_changed_secret_still_accepts_links_already_mailed() -> None:
    old, new = "the-old-secret-0123456789", "the-new-secret-0123456789"
    mailed = LinkSigner(old).sign("follow_up", CANDIDATE, REQUEST, DEADLINE)
    rotated = LinkSigner([old, new])
    assert rotated.verify(mailed, "follow_up", NOW).candidate_id == CANDIDATE
    fresh = rotated.sign("follow_up", CANDIDATE, REQUEST, DEADLINE)
    assert LinkSigner(new).verify(fresh, "follow_up", NOW).ref == REQUEST
    with pytest.raises(InvalidLink):
        LinkSigner(old).verify(fresh, "follow_up", NOW)


def test_misuse_is_refused(signer: LinkSigner) -> None:
    with pytest.raises(ValueError):
        LinkSigner("short")
    with pytest.raises(ValueError):
        signer.sign("login", CANDIDATE, REQUEST, DEADLINE)
    with pytest.raises(ValueError):
        signer.sign("consent", CANDIDATE, REQUEST, datetime(2027, 2, 9))
    token = signer.sign("consent", CANDIDATE, REQUEST, DEADLINE)
    with pytest.raises(ValueError):
        signer.verify(token, "consent", datetime(2027, 1, 10))
