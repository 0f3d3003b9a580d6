"""Commands the GDPR chores run: consent expiry, deletion after a request, the erasure record.

A mixin of the `Rekindle` command service (domain/application.py): methods here use
`self.load`, `self.record`, `self.adapters` and `self.settings` like the core commands.

The rules of *when* a profile is due live here (the chores only keep an index of candidates
that may be due, see consumers/gdpr.py): every command re-reads the candidate and does
nothing when the fact changed meanwhile, so a chore may run twice, late, or on a stale index.
The erasure record is the `CandidateAnonymized` event itself (reason, time, actor), together
with the `DeletionRequested` / `ConsentRequested` / `ConsentExpired` events that led to it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from domain.actor import Actor
from domain.candidate import Candidate
from domain.commands import Recorded

if TYPE_CHECKING:
    from domain.settings import Settings


class ErasureStep(Protocol):
    """Something outside the event store that holds a candidate's personal data and must go.

    Anonymization already destroys the key, the file bytes and the email claims (the domain's
    own ports); other stores (stored idempotent responses, caches) plug in here.
    """

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


def erasure_reason(candidate: Candidate, settings: Settings, now: datetime) -> str | None:
    """Why the candidate must be anonymized by `now` ("request" or "expiry"), or None."""
    if candidate.is_anonymized:
        return None
    deletion = deletion_due_at(candidate, settings)
    if deletion is not None and deletion <= now:
        return "request"
    expiry = expiry_due_at(candidate, settings)
    if expiry is not None and expiry <= now:
        return "expiry"
    return None


class GdprCommands:
    settings: Settings
    load: Callable[..., Any]
    record: Callable[..., int | None]
    anonymize: Callable[..., Recorded]
    erase: Callable[[UUID], None]

    # --- erasure steps (port) -------------------------------------------------------------------

    @property
    def erasure_steps(self) -> list[ErasureStep]:
        return self.__dict__.setdefault("_erasure_steps", [])

    def add_erasure_step(self, step: ErasureStep) -> None:
        """Registered by the composition root (api/runtime.py), which knows the outer stores."""
        self.erasure_steps.append(step)

    def run_erasure_steps(self, candidate_id: UUID) -> None:
        for step in self.erasure_steps:
            step(candidate_id)

    def finish_erasure(self, candidate_id: UUID) -> bool:
        """Re-runs an anonymized candidate's erasure (all steps idempotent) after a failure."""
        candidate: Candidate = self.load(Candidate, candidate_id)
        if not candidate.is_anonymized:
            return False
        self.erase(candidate.id)
        return True

    # --- chores' commands -----------------------------------------------------------------------

    def expire_consent(self, candidate_id: UUID, by: Actor, *,
                       now: datetime | None = None) -> Recorded:
        """Consent requested, deadline passed, never granted: ConsentExpired. Else nothing.

        `extra`: `expired` (whether this call recorded it) and `anonymize_at` (when the
        expired profile falls due for anonymization, None when it is not expired).
        """
        now = now or datetime.now(UTC)
        candidate: Candidate = self.load(Candidate, candidate_id)
        expired = False
        position = None
        consent = candidate.consent
        if (not candidate.is_anonymized and consent.status == "requested"
                and consent.deadline is not None and consent.deadline <= now):
            candidate.expire_consent(by=by)
            position = self.record(candidate)
            expired = True
        return Recorded(candidate.id, position, {
            "expired": expired,
            "anonymize_at": expiry_due_at(candidate, self.settings),
            "version": candidate.version,
        })

    def anonymize_if_due(self, candidate_id: UUID, by: Actor, *,
                         now: datetime | None = None) -> Recorded:
        """Anonymizes a candidate whose deletion request or expired consent is due by `now`.

        `extra["reason"]` is the reason recorded, or None when nothing was due (consent
        granted during the grace period, already anonymized, delay not yet over); then
        `extra["next_due"]` says when something will be, if anything.
        """
        now = now or datetime.now(UTC)
        candidate: Candidate = self.load(Candidate, candidate_id)
        reason = erasure_reason(candidate, self.settings, now)
        if reason is None:
            pending = [d for d in (deletion_due_at(candidate, self.settings),
                                   expiry_due_at(candidate, self.settings)) if d is not None]
            next_due = min(pending) if pending and not candidate.is_anonymized else None
            return Recorded(candidate.id, None, {"reason": None, "next_due": next_due,
                                                 "version": candidate.version})
        done = self.anonymize(candidate.id, reason, by)
        return Recorded(candidate.id, done.position, {"reason": reason})
