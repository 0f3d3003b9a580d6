"""The consent texts people were shown, each kept once under its SHA-256.

Every consent event records the digest of the text the person saw (its proof); the text
itself is kept here, so that years later anyone can read exactly what was agreed to, even
after the configured text or a form's text changed. A text is not personal data: it is the
same for everyone shown it, and it outlives every erasure.
"""

from __future__ import annotations

import hashlib
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.errors import NotFound
from domain.store import EventStore

TEXT_NAMESPACE = UUID("0b8e2d6c-71f4-4f55-9d0a-3c6e5b1a2f47")


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ConsentText(Aggregate):
    @staticmethod
    def id_for(sha256: str) -> UUID:
        return uuid5(TEXT_NAMESPACE, sha256)

    @event("ConsentTextRecorded")
    def __init__(self, id: UUID, sha256: str, text: str, by: Actor) -> None:
        self.sha256 = sha256
        self.text = text


def kept(store: EventStore, text: str, by: Actor) -> tuple[str, ConsentText | None]:
    """The text's digest, and a new ConsentText to record with the event that shows it, or
    None when it is kept already (two first uses at once: the second write loses its race
    and its command runs again, finding it kept)."""
    digest = sha256_of(text)
    if store.was_recorded(ConsentText.id_for(digest)):
        return digest, None
    return digest, ConsentText(id=ConsentText.id_for(digest), sha256=digest, text=text, by=by)


def text_of(store: EventStore, sha256: str | None) -> str | None:
    """The text kept under that digest, if any."""
    if not sha256:
        return None
    try:
        return store.load(ConsentText, ConsentText.id_for(sha256)).text
    except NotFound:
        return None
