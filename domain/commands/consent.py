"""Consent with a deadline, deletion requests, and erasure (crypto-shredding).

A consent request has a deadline; a profile without consent by then is anonymized (after
the configured grace), as is one whose deletion request has waited the configured delay.
Anonymization records the fact, then destroys the candidate's key, file bytes and email
claims, and runs the erasure steps of the stores outside the event log; every step is
idempotent, so `finish_erasure` can run them again after a failure.

The chores that find who is due keep only an index; every command here re-reads the
candidate and does nothing when the fact changed meanwhile, so a chore may run twice, late,
or on a stale index.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from domain import access
from domain import validation as v
from domain.access import Access
from domain.actor import Actor
from domain.candidate import Candidate
from domain.errors import ValidationFailed
from domain.ports import Adapters
from domain.recorded import Recorded, command, ensure_version, now
from domain.settings import Settings
from domain.store import EventStore

ERASURE_REASONS = ("request", "expiry", "admin")


class ErasureStep(Protocol):
    """A store outside the event log that holds a candidate's personal data (stored answers,
    rendered mails...), emptied of it when the candidate is anonymized."""

    def __call__(self, candidate_id: UUID) -> None: ...


def expiry_due_at(candidate: Candidate, settings: Settings) -> datetime | None:
    """When an expired consent turns into anonymization: deadline plus the grace period."""
    if candidate.consent.status != "expired" or candidate.consent.deadline is None:
        return None
    return candidate.consent.deadline + timedelta(days=settings.anonymize_grace_days)


def deletion_due_at(candidate: Candidate, settings: Settings) -> datetime | None:
    """When a deletion request is carried out: request time plus the configured delay."""
    if candidate.deletion_requested_at is None:
        return None
    return candidate.deletion_requested_at + timedelta(days=settings.deletion_delay_days)


def erasure_reason(candidate: Candidate, settings: Settings, at: datetime) -> str | None:
    """Why the candidate must be anonymized by `at` ("request" or "expiry"), or None."""
    if candidate.is_anonymized:
        return None
    deletion = deletion_due_at(candidate, settings)
    if deletion is not None and deletion <= at:
        return "request"
    expiry = expiry_due_at(candidate, settings)
    if expiry is not None and expiry <= at:
        return "expiry"
    return None


class Consent:
    def __init__(self, store: EventStore, access: Access, adapters: Adapters,
                 settings: Settings) -> None:
        self.store = store
        self.access = access
        self.adapters = adapters
        self.settings = settings
        self.erasure_steps: list[ErasureStep] = []

    def _live(self, candidate_id: UUID, by: Actor, expected_version: int | None = None
              ) -> Candidate:
        if by.role != access.PUBLIC:
            access.ensure_writer(by)
        candidate = self.access.candidate(by, candidate_id)
        ensure_version(candidate, expected_version)
        candidate.ensure_live()
        return candidate

    @command
    def request(self, candidate_id: UUID, by: Actor, *,
                deadline_days: int | None = None, expected_version: int | None = None) -> Recorded:
        days = self.settings.consent_deadline_days if deadline_days is None else deadline_days
        if type(days) is not int or not 0 < days <= 365:
            raise ValidationFailed.field("deadline_days", "must be a whole number from 1 to 365")
        candidate = self._live(candidate_id, by, expected_version)
        candidate.request_consent(deadline=now() + timedelta(days=days), by=by)
        return Recorded(candidate.id, self.store.record(candidate))

    @command
    def grant(self, candidate_id: UUID, by: Actor, *, channel: str | None = None,
              purposes: list[str] | None = None, expected_version: int | None = None) -> Recorded:
        candidate = self._live(candidate_id, by, expected_version)
        candidate.grant_consent(channel=v.text("channel", channel or "recruiter", max_len=50),
                                purposes=v.texts("purposes", purposes), at=now(), by=by)
        return Recorded(candidate.id, self.store.record(candidate))

    @command
    def revoke(self, candidate_id: UUID, by: Actor, *,
               expected_version: int | None = None) -> Recorded:
        candidate = self._live(candidate_id, by, expected_version)
        candidate.revoke_consent(by=by)
        return Recorded(candidate.id, self.store.record(candidate))

    @command
    def request_deletion(self, candidate_id: UUID, by: Actor, *,
                         expected_version: int | None = None) -> Recorded:
        """From then on, copying between the candidate's opportunities is refused."""
        candidate = self._live(candidate_id, by, expected_version)
        if candidate.deletion_requested_at is None:
            candidate.request_deletion(at=now(), by=by)
        return Recorded(candidate.id, self.store.record(candidate))

    @command
    def anonymize(self, candidate_id: UUID, reason: str, by: Actor, *,
                  expected_version: int | None = None) -> Recorded:
        """Records the fact, then destroys the key and the file bytes: the erasure itself."""
        access.ensure_admin(by, "anonymize candidates")
        reason = v.one_of("reason", reason, ERASURE_REASONS)
        candidate = self._live(candidate_id, by, expected_version)
        candidate.anonymize(reason=reason, at=now(), by=by)
        position = self.store.record(candidate)
        self.erase(candidate.id)
        return Recorded(candidate.id, position)

    def add_erasure_step(self, step: ErasureStep) -> None:
        self.erasure_steps.append(step)

    def erase(self, candidate_id: UUID) -> None:
        self.adapters.emails.release(candidate_id)
        self.adapters.files.purge(candidate_id)
        for step in self.erasure_steps:
            step(candidate_id)
        self.adapters.keys.destroy(candidate_id)

    def finish_erasure(self, candidate_id: UUID) -> bool:
        """Runs an anonymized candidate's erasure again (every step is idempotent)."""
        candidate = self.store.load(Candidate, candidate_id)
        if not candidate.is_anonymized:
            return False
        self.erase(candidate.id)
        return True

    # --- what the chores run ----------------------------------------------------------------

    def expire(self, candidate_id: UUID, by: Actor, *, at: datetime | None = None) -> Recorded:
        """Consent requested, deadline passed, never granted: ConsentExpired. Else nothing.

        extra: `expired` (whether this call recorded it), `anonymize_at` (when the expired
        profile falls due for anonymization) and the candidate's `version`.
        """
        access.ensure_admin(by, "expire consent")
        at = at or now()
        candidate = self.store.load(Candidate, candidate_id)
        consent, position = candidate.consent, None
        expired = (not candidate.is_anonymized and consent.status == "requested"
                   and consent.deadline is not None and consent.deadline <= at)
        if expired:
            candidate.expire_consent(by=by)
            position = self.store.record(candidate)
        return Recorded(candidate.id, position, {
            "expired": expired, "anonymize_at": expiry_due_at(candidate, self.settings),
            "version": candidate.version})

    def anonymize_if_due(self, candidate_id: UUID, by: Actor, *,
                         at: datetime | None = None) -> Recorded:
        """Anonymizes a candidate whose deletion request or expired consent is due by `at`.

        extra["reason"] is the reason recorded, or None when nothing was due; then
        extra["next_due"] says when something will be, if anything.
        """
        at = at or now()
        candidate = self.store.load(Candidate, candidate_id)
        reason = erasure_reason(candidate, self.settings, at)
        if reason is None:
            pending = [d for d in (deletion_due_at(candidate, self.settings),
                                   expiry_due_at(candidate, self.settings)) if d is not None]
            next_due = min(pending) if pending and not candidate.is_anonymized else None
            return Recorded(candidate.id, None, {"reason": None, "next_due": next_due,
                                                 "version": candidate.version})
        done = self.anonymize(candidate.id, reason, by)
        return Recorded(candidate.id, done.position, {"reason": reason})
