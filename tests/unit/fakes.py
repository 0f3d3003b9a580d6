"""In-memory stand-ins for the domain's ports, and the command service on the library's
in-memory event store: the product's rules, tested in milliseconds with no database."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from uuid import UUID

from domain.service import Rekindle
from domain.settings import Settings
from domain.store import EventStore


class Keys:
    def __init__(self) -> None:
        self.keys: dict[UUID, bytes] = {}

    def create_key(self, subject_id: UUID) -> bytes:
        return self.keys.setdefault(subject_id, os.urandom(32))

    def create_keys(self, subject_ids: list[UUID]) -> None:
        for subject_id in subject_ids:
            self.create_key(subject_id)

    def key_for(self, subject_id: UUID) -> bytes | None:
        return self.keys.get(subject_id)

    def preload(self, subject_ids: list[UUID]) -> None:
        """Every key is at hand already."""

    def destroy(self, subject_id: UUID) -> None:
        self.keys.pop(subject_id, None)


class Files:
    def __init__(self) -> None:
        self.blobs: dict[tuple[UUID, str], tuple[bytes, str]] = {}

    def put(self, candidate_id: UUID, content: bytes, content_type: str) -> str:
        digest = hashlib.sha256(content).hexdigest()
        self.blobs[candidate_id, digest] = (content, content_type)
        return digest

    def get(self, candidate_id: UUID, sha256: str) -> tuple[bytes, str] | None:
        return self.blobs.get((candidate_id, sha256))

    def purge(self, candidate_id: UUID) -> int:
        gone = [k for k in self.blobs if k[0] == candidate_id]
        for k in gone:
            del self.blobs[k]
        return len(gone)


class Emails:
    def __init__(self) -> None:
        self.owners: dict[str, UUID] = {}

    def claim(self, email: str, candidate_id: UUID) -> UUID | None:
        owner = self.owners.setdefault(email.lower(), candidate_id)
        return None if owner == candidate_id else owner

    def claim_many(self, claims: list[tuple[str, UUID]]) -> dict[str, UUID]:
        taken = {}
        for email, candidate_id in claims:
            owner = self.claim(email, candidate_id)
            if owner is not None:
                taken[email.lower()] = owner
        return taken

    def release(self, candidate_id: UUID, emails: list[str] | None = None) -> None:
        for email, owner in list(self.owners.items()):
            if owner == candidate_id and (emails is None or email in
                                          {e.lower() for e in emails}):
                del self.owners[email]

    def owner(self, email: str) -> UUID | None:
        return self.owners.get(email.lower())


class ExternalIds:
    def __init__(self) -> None:
        self.ids: dict[tuple[str, str], UUID] = {}

    def link(self, system: str, external_id: str, candidate_id: UUID) -> None:
        self.ids[system, external_id] = candidate_id

    def find(self, system: str, external_id: str) -> UUID | None:
        return self.ids.get((system, external_id))

    def forget(self, candidate_id: UUID) -> None:
        self.ids = {k: v for k, v in self.ids.items() if v != candidate_id}


@dataclass
class Adapters:
    keys: Keys = field(default_factory=Keys)
    files: Files = field(default_factory=Files)
    emails: Emails = field(default_factory=Emails)
    external_ids: ExternalIds = field(default_factory=ExternalIds)


def in_memory(settings: Settings | None = None) -> Rekindle:
    """The command service on the library's in-memory store, with in-memory adapters."""
    adapters = Adapters()
    store = EventStore({"PERSISTENCE_MODULE": "eventsourcing.popo"}, keys=adapters.keys)
    return Rekindle(store, adapters, settings or Settings())
