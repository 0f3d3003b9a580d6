"""What the domain needs from the outside world, as protocols.

The PostgreSQL adapters that implement them live in projections/; tests/unit has in-memory
ones.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID


class KeyStore(Protocol):
    """One encryption key per data subject (a candidate or a user): destroying it erases them."""

    def create_key(self, subject_id: UUID) -> bytes: ...

    def create_keys(self, subject_ids: list[UUID]) -> None: ...

    def key_for(self, subject_id: UUID) -> bytes | None: ...

    def preload(self, subject_ids: list[UUID]) -> None:
        """Fetches many subjects' keys at once, ahead of decoding their events (a hint: a
        store that fetches keys cheaply one by one may ignore it)."""

    def destroy(self, subject_id: UUID) -> None: ...


class FileStore(Protocol):
    """File bytes, outside the events, addressed by SHA-256 within one candidate."""

    def put(self, candidate_id: UUID, content: bytes, content_type: str) -> str: ...

    def get(self, candidate_id: UUID, sha256: str) -> tuple[bytes, str] | None: ...

    def purge(self, candidate_id: UUID) -> int: ...


class EmailIndex(Protocol):
    """Which live candidate owns an email address (case-insensitive); first claim wins."""

    def claim(self, email: str, candidate_id: UUID) -> UUID | None:
        """Claims the address; returns the other owner if it is taken."""

    def claim_many(self, claims: list[tuple[str, UUID]]) -> dict[str, UUID]:
        """Claims many distinct addresses; returns the taken ones with their owners."""

    def release(self, candidate_id: UUID, emails: list[str] | None = None) -> None: ...

    def owner(self, email: str) -> UUID | None: ...


class ExternalIds(Protocol):
    """Which candidate another system (the ATS) knows under which id."""

    def link(self, system: str, external_id: str, candidate_id: UUID) -> None: ...

    def find(self, system: str, external_id: str) -> UUID | None: ...

    def forget(self, candidate_id: UUID) -> None: ...


class Adapters(Protocol):
    """The outside world, as one bundle handed to the command service."""

    keys: KeyStore
    files: FileStore
    emails: EmailIndex
    external_ids: ExternalIds
