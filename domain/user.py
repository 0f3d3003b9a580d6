"""A user of Rekindle (a recruiter, an admin, an auditor or a service) and their API tokens."""

from __future__ import annotations

import hashlib
import secrets
from uuid import UUID, uuid4, uuid5

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.personal import Personal

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class User(Aggregate):
    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @event("UserCreated")
    def __init__(self, id: UUID, personal: Personal, role: str, by: Actor) -> None:
        self.personal = personal
        self.role = role
        self.tokens: dict[UUID, str] = {}

    @property
    def name(self) -> str | None:
        return self.personal.get("name")

    @property
    def email(self) -> str | None:
        return self.personal.get("email")

    @event("RoleChanged")
    def change_role(self, role: str, by: Actor) -> None:
        self.role = role

    def issue_token(self, by: Actor, token: str | None = None) -> str:
        """Returns the token once; only its argon2 hash is recorded."""
        if token is not None:
            _, token_id, secret = parse_token(token)
            self._token_issued(token_id=token_id, token_hash=_hasher.hash(secret), by=by)
            return token
        token_id = uuid4()
        secret = secrets.token_urlsafe(32)
        self._token_issued(token_id=token_id, token_hash=_hasher.hash(secret), by=by)
        return format_token(self.id, token_id, secret)

    @event("TokenIssued")
    def _token_issued(self, token_id: UUID, token_hash: str, by: Actor) -> None:
        self.tokens[token_id] = token_hash

    @event("TokenRevoked")
    def revoke_token(self, token_id: UUID, by: Actor) -> None:
        self.tokens.pop(token_id, None)

    def verify(self, token_id: UUID, secret: str) -> bool:
        token_hash = self.tokens.get(token_id)
        if token_hash is None:
            return False
        try:
            return _hasher.verify(token_hash, secret)
        except (VerificationError, InvalidHashError):
            return False


def format_token(user_id: UUID, token_id: UUID, secret: str) -> str:
    return f"rk_{user_id.hex}_{token_id.hex}_{secret}"


def parse_token(token: str) -> tuple[UUID, UUID, str]:
    """A bearer token names its user and token id, so it is checked without a lookup table.

    Any other string (such as a configured bootstrap token) maps to ids derived from its hash.
    """
    parts = token.split("_", 3)
    if len(parts) == 4 and parts[0] == "rk":
        try:
            return UUID(hex=parts[1]), UUID(hex=parts[2]), parts[3]
        except ValueError:
            pass
    digest = hashlib.sha256(token.encode()).hexdigest()
    return uuid5(_TOKEN_NS, "user:" + digest), uuid5(_TOKEN_NS, "token:" + digest), token


_TOKEN_NS = UUID("6c1e8a3e-93a4-4a53-9a43-5d9f0b8f6e21")
