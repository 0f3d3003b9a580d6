"""Candidate profiles: created by recruiters (or by intake), edited, found by email.

An email address belongs to one live candidate: the first claim wins, and a claim left by a
candidate that was never recorded (a crash between claim and save) is taken over.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from domain import access
from domain import validation as v
from domain.access import Access
from domain.actor import Actor
from domain.candidate import Candidate
from domain.errors import DuplicateCandidate, NotFound, ValidationFailed
from domain.opportunity import ORIGINS
from domain.personal import Personal
from domain.ports import Adapters
from domain.recorded import Recorded, command, ensure_version
from domain.store import EventStore

PROFILE_CHECKS: dict[str, Callable[[Any], Any]] = {
    "name": lambda x: v.text("name", x),
    "emails": lambda x: v.emails("emails", x, required=True),
    "phones": lambda x: v.texts("phones", x, max_len=40, max_items=10),
    "location": lambda x: v.text("location", x, required=False),
    "headline": lambda x: v.text("headline", x, required=False, max_len=500),
    "links": lambda x: v.texts("links", x, max_len=2000, max_items=20),
}
"""The personal fields of a profile and how each is checked."""


def checked_profile(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Every personal field of a new profile, checked (absent ones empty)."""
    return {name: check(fields.get(name)) for name, check in PROFILE_CHECKS.items()}


class Candidates:
    def __init__(self, store: EventStore, access: Access, adapters: Adapters) -> None:
        self.store = store
        self.access = access
        self.adapters = adapters

    @command
    def create(self, name: str, emails: list[str], by: Actor, *,
               phones: list[str] | None = None, location: str | None = None,
               headline: str | None = None, links: list[str] | None = None,
               tags: list[str] | None = None, sources: list[str] | None = None,
               origin: str | None = None) -> Recorded:
        if by.role != access.PUBLIC:
            access.ensure_writer(by)
        profile = checked_profile({"name": name, "emails": emails, "phones": phones,
                                   "location": location, "headline": headline, "links": links})
        candidate = self.new(profile, tags=v.texts("tags", tags),
                             sources=v.texts("sources", sources),
                             origin=v.one_of("origin", origin or "sourced", ORIGINS), by=by)
        try:
            position = self.store.record(candidate)
        except BaseException:
            self.adapters.emails.release(candidate.id)
            raise
        return Recorded(candidate.id, position)

    def new(self, profile: dict[str, Any], *, tags: list[str], sources: list[str], origin: str,
            by: Actor) -> Candidate:
        """A candidate not yet recorded, its emails claimed and its key made; the caller
        records it, or releases the claims if that fails."""
        candidate_id = Candidate.create_id()
        self.claim_emails(candidate_id, profile["emails"])
        try:
            self.adapters.keys.create_key(candidate_id)
            return Candidate(personal=Personal(candidate_id, profile), tags=tags,
                             sources=sources, origin=origin, by=by, id=candidate_id)
        except BaseException:
            self.adapters.emails.release(candidate_id)
            raise

    def claim_emails(self, candidate_id: UUID, emails: list[str]) -> None:
        claimed: list[str] = []
        for address in emails:
            owner = self.adapters.emails.claim(address, candidate_id)
            if owner is not None and owner != candidate_id:
                if self.is_live(owner):
                    self.adapters.emails.release(candidate_id, claimed)
                    raise DuplicateCandidate(
                        "a live candidate already has this email",
                        {"candidate_id": str(owner), "email": address})
                self.adapters.emails.release(owner, [address])
                self.adapters.emails.claim(address, candidate_id)
            claimed.append(address)

    def is_live(self, candidate_id: UUID) -> bool:
        """Recorded and not anonymized."""
        try:
            return not self.store.load(Candidate, candidate_id).is_anonymized
        except NotFound:
            return False

    def find_by_email(self, email: str) -> UUID | None:
        """The live candidate who owns this address, if any."""
        owner = self.adapters.emails.owner(email)
        return owner if owner is not None and self.is_live(owner) else None

    @command
    def update_profile(self, candidate_id: UUID, changes: Mapping[str, Any],
                       by: Actor, *, expected_version: int | None = None) -> Recorded:
        if by.role != access.PUBLIC:
            access.ensure_writer(by)
        candidate = self.access.candidate(by, candidate_id)
        ensure_version(candidate, expected_version)
        candidate.ensure_live()
        unknown = sorted(set(changes) - set(PROFILE_CHECKS) - {"tags", "sources"})
        if unknown:
            raise ValidationFailed("unknown fields", {k: ["unknown field"] for k in unknown})
        personal = {k: PROFILE_CHECKS[k](x) for k, x in changes.items() if k in PROFILE_CHECKS}
        tags = v.texts("tags", changes["tags"]) if "tags" in changes else None
        sources = v.texts("sources", changes["sources"]) if "sources" in changes else None
        before = [e.lower() for e in candidate.emails]
        added: list[str] = []
        if "emails" in personal:
            added = [e for e in personal["emails"] if e.lower() not in set(before)]
            self.claim_emails(candidate.id, added)
        try:
            candidate.update_profile(personal=Personal(candidate.id, personal), tags=tags,
                                     sources=sources, by=by)
            position = self.store.record(candidate)
        except BaseException:
            self.adapters.emails.release(candidate.id, added)
            raise
        if "emails" in personal:
            kept = {e.lower() for e in personal["emails"]}
            self.adapters.emails.release(candidate.id, [e for e in before if e not in kept])
        return Recorded(candidate.id, position)
