"""Signed personal links: the token in `/consent/{token}` and its siblings is the credential.

A token is good for one purpose, one candidate and one reference (the request, submission
or campaign it answers), until an absolute moment: a consent link dies at the consent
deadline, whatever its age. It holds ids and that moment only, nothing personal; it is
signed, not encrypted, so anyone holding it can read those ids (they are meaningless
outside the service). Whether a token was already used is for the caller to decide from
its reference.

A token is checked in order: signature (forged or altered), then purpose, then expiry, each
with its own error, so a page can answer 404 for a forgery and 410 for an expired link.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

PURPOSES = ("consent", "confirm", "follow_up", "unsubscribe")
_SALT = "rekindle.personal-link.v1"


class LinkError(Exception):
    """The token does not open the page it was brought to."""


class InvalidLink(LinkError):
    """Not signed by us, altered since, or not a token at all."""


class WrongPurpose(LinkError):
    """A real token, made for another page (an unsubscribe token at the consent page)."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"a {actual} link, not a {expected} link")
        self.expected = expected
        self.actual = actual


class ExpiredLink(LinkError):
    """A real token for this page whose time is up; `claims` says what it was for."""

    def __init__(self, claims: LinkClaims) -> None:
        super().__init__(f"this {claims.purpose} link expired at {claims.expires_at.isoformat()}")
        self.claims = claims


@dataclass(frozen=True)
class LinkClaims:
    purpose: str
    candidate_id: uuid.UUID
    ref: str
    expires_at: datetime


Secret = str | bytes


class LinkSigner:
    """Signs and checks tokens with the deployment's secret.

    `secret` may be a list, oldest first: tokens are signed with the last one and accepted
    with any, so the secret can be changed without breaking links already mailed.
    """

    def __init__(self, secret: Secret | Sequence[Secret]) -> None:
        secrets = [secret] if isinstance(secret, str | bytes) else list(secret)
        if not secrets or any(len(s) < 16 for s in secrets):
            raise ValueError("a link secret must be at least 16 characters long")
        self._serializer = URLSafeSerializer(
            secrets, salt=_SALT, signer_kwargs={"digest_method": hashlib.sha256})

    def sign(self, purpose: str, candidate_id: uuid.UUID, ref: str | uuid.UUID,
             expires_at: datetime) -> str:
        if purpose not in PURPOSES:
            raise ValueError(f"unknown link purpose {purpose!r}")
        if expires_at.tzinfo is None:
            raise ValueError("a link's expiry needs a timezone")
        # Compact on purpose: the token sits in a URL in a mail. Whole seconds are enough.
        payload = [purpose, uuid.UUID(str(candidate_id)).hex, str(ref),
                   int(expires_at.timestamp())]
        token = self._serializer.dumps(payload)
        return token if isinstance(token, str) else token.decode()

    def verify(self, token: str, purpose: str, now: datetime | None = None) -> LinkClaims:
        """The token's claims, or `InvalidLink`, `WrongPurpose` or `ExpiredLink`."""
        if purpose not in PURPOSES:
            raise ValueError(f"unknown link purpose {purpose!r}")
        try:
            payload: Any = self._serializer.loads(token)
        except (BadSignature, UnicodeError, ValueError, TypeError):
            raise InvalidLink("this link is not valid") from None
        claims = _claims(payload)
        if claims.purpose != purpose:
            raise WrongPurpose(purpose, claims.purpose)
        moment = now or datetime.now(UTC)
        if moment.tzinfo is None:
            raise ValueError("`now` needs a timezone")
        if moment >= claims.expires_at:
            raise ExpiredLink(claims)
        return claims


def _claims(payload: Any) -> LinkClaims:
    """Only we sign tokens, so a signed payload of another shape is an old or foreign
    format: refused like a forgery rather than half understood."""
    try:
        purpose, candidate_hex, ref, expires = payload
        if purpose not in PURPOSES or not isinstance(ref, str) or type(expires) is not int:
            raise ValueError
        return LinkClaims(purpose, uuid.UUID(hex=candidate_hex), ref,
                          datetime.fromtimestamp(expires, UTC))
    except (ValueError, TypeError, AttributeError, OverflowError, OSError):
        raise InvalidLink("this link is not valid") from None
