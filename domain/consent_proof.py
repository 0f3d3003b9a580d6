"""The proof of a candidate's consent: every consent event with what it records, oldest first,
read from the event store itself (what was recorded, not a projection of it), each with the
text the person was shown, found again by its SHA-256."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.access import Access
from domain.actor import Actor
from domain.consent_text import text_of
from domain.store import EventStore

CONSENT_EVENTS = {"ConsentRequested": "requested", "ConsentGranted": "granted",
                  "ConsentRevoked": "revoked", "ConsentExpired": "expired"}


class ConsentProof:
    def __init__(self, store: EventStore, access: Access) -> None:
        self.store = store
        self.access = access

    def of(self, candidate_id: UUID, by: Actor) -> list[dict[str, Any]]:
        """Under the caller's scope (an out-of-scope candidate is unknown). Events from before
        proofs were recorded show what they held: channel and time, no text."""
        candidate = self.access.candidate(by, candidate_id)
        texts: dict[str, str | None] = {}
        entries = []
        for event in self.store.events.get(candidate.id):
            name = type(event).__name__
            if name not in CONSENT_EVENTS:
                continue
            proof = dict(getattr(event, "proof", None) or {})
            digest = proof.get("text_sha256")
            if digest and digest not in texts:
                texts[digest] = text_of(self.store, digest)
            actor = getattr(event, "by", None)
            entries.append({
                "event": name, "status": CONSENT_EVENTS[name],
                "version": event.originator_version,
                "channel": proof.get("channel") or getattr(event, "channel", None),
                "text_sha256": digest, "text": texts.get(digest) if digest else None,
                "at": proof.get("at") or getattr(event, "at", None) or event.timestamp,
                "form_id": proof.get("form_id"), "message_id": proof.get("message_id"),
                "recorded_at": event.timestamp,
                "by": {"user_id": actor.user_id, "role": actor.role} if actor else None,
            })
        return entries
