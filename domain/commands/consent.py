"""Consent with a deadline, deletion requests, and erasure (crypto-shredding).

A consent request has a deadline; a profile without consent by then is anonymized (after
the configured grace), as is one whose deletion request has waited the configured delay.
Anonymization records the fact, then destroys the candidate's key, file bytes and email
claims, and runs the erasure steps of the stores outside the event log; every step is
idempotent, so `finish_erasure` can run them again after a failure.

Granted consent is valid for `consent_valid_days`; it then expires like an unanswered
request. Every consent event records its proof (`Proof`): the channel, the SHA-256 of the
text the person was shown (kept as a ConsentText), when, and the form and the Message-ID
where there is one.

The chores that find who is due keep only an index; every command here re-reads the
candidate and does nothing when the fact changed meanwhile, so a chore may run twice, late,
or on a stale index.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from domain import access
from domain import validation as v
from domain.access import Access
from domain.actor import Actor
from domain.candidate import Candidate, Proof
from domain.consent_text import kept
from domain.errors import ValidationFailed
from domain.mail import event_id, mail_id, message_id
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


def lapses_at(candidate: Candidate, settings: Settings) -> datetime | None:
    """When granted consent runs out (grants from before validity was recorded: counted from
    the grant with today's setting)."""
    consent = candidate.consent
    if consent.status != "granted" or consent.granted_at is None:
        return None
    return consent.valid_until or consent.granted_at + timedelta(days=settings.consent_valid_days)


def renewal_due_at(candidate: Candidate, settings: Settings) -> datetime | None:
    """When the renewal request goes out: `consent_renewal_days` before the grant lapses."""
    end = lapses_at(candidate, settings)
    return None if end is None else end - timedelta(days=settings.consent_renewal_days)


def reminder_due_at(candidate: Candidate, settings: Settings) -> datetime | None:
    """When the one reminder of an open request goes out; None if that would not come before
    its deadline (a request given a shorter deadline than the reminder delay), or if the
    request came with a talent form (its confirmation mail is the request)."""
    consent = candidate.consent
    if consent.status != "requested" or consent.deadline is None or consent.channel == "form":
        return None
    if consent.requested_at is None:  # asked before requests kept their time: no reminder
        return None
    due = consent.requested_at + timedelta(days=settings.consent_reminder_days)
    return due if due < consent.deadline else None


def request_message_id(candidate: Candidate, version: int, variant: str,
                       settings: Settings) -> str:
    """The Message-ID of the mail that carries the request (or grant, for a renewal) recorded
    at `version` of the candidate, in its `variant` (request, reminder, renewal)."""
    cause = event_id(candidate.id, version)
    mail = mail_id(cause, "consent_request", recipient_id=candidate.id, variant=variant)
    return message_id(mail, settings.mail_from)


def proof(channel: str, text_sha256: str | None, at: datetime, *, form_id: UUID | None = None,
          message: str | None = None) -> Proof:
    return {"channel": channel, "text_sha256": text_sha256, "at": at,
            "form_id": str(form_id) if form_id else None, "message_id": message}


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
        """Mailed to the candidate (the mailer follows ConsentRequested), with the
        configured consent text; answered through the link in it, or by the deadline."""
        candidate = self._live(candidate_id, by, expected_version)
        return Recorded(candidate.id, self.store.record(
            candidate, *self.ask(candidate, by, deadline_days=deadline_days)))

    def ask(self, candidate: Candidate, by: Actor, *, deadline_days: int | None = None,
            channel: str | None = None, text: str | None = None,
            form_id: UUID | None = None, message: str | None = None) -> list[Any]:
        """Records ConsentRequested on `candidate` (not saved); returns what must be saved
        with it (the text, the first time it is shown). `channel` "form": the talent form's
        confirmation mail (Message-ID `message`) carries the request, so no request mail of
        its own goes out."""
        days = self.settings.consent_deadline_days if deadline_days is None else deadline_days
        if type(days) is not int or not 0 < days <= 365:
            raise ValidationFailed.field("deadline_days", "must be a whole number from 1 to 365")
        channel = channel or ("rule" if by.rule_id else "recruiter")
        digest, new_text = kept(self.store, text or self.settings.consent_text, by)
        at = now()
        if channel != "form":
            message = request_message_id(candidate, candidate.version + 1, "request",
                                         self.settings)
        candidate.request_consent(deadline=at + timedelta(days=days), by=by,
                                  proof=proof(channel, digest, at, form_id=form_id,
                                              message=message))
        return [new_text]

    def valid_until(self, at: datetime) -> datetime:
        return at + timedelta(days=self.settings.consent_valid_days)

    @command
    def grant(self, candidate_id: UUID, by: Actor, *, channel: str | None = None,
              purposes: list[str] | None = None, expected_version: int | None = None) -> Recorded:
        """As told by a recruiter: the text agreed to is the open request's, else the
        configured one."""
        candidate = self._live(candidate_id, by, expected_version)
        channel = v.text("channel", channel or "recruiter", max_len=50)
        purposes = v.texts("purposes", purposes)
        digest, new_text = candidate.consent.text_sha256, None
        if candidate.consent.status != "requested" or not digest:
            digest, new_text = kept(self.store, self.settings.consent_text, by)
        at = now()
        candidate.grant_consent(channel=channel, purposes=purposes, at=at, by=by,
                                proof=proof(channel, digest, at),
                                valid_until=self.valid_until(at))
        return Recorded(candidate.id, self.store.record(candidate, new_text))

    @command
    def revoke(self, candidate_id: UUID, by: Actor, *,
               expected_version: int | None = None) -> Recorded:
        candidate = self._live(candidate_id, by, expected_version)
        candidate.revoke_consent(by=by, proof=proof("recruiter", candidate.consent.text_sha256,
                                                    now()))
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
        """Consent requested, deadline passed, never granted; or granted and not renewed by
        the end of its validity: ConsentExpired. Else nothing.

        extra: `expired` (whether this call recorded it), `anonymize_at` (when the expired
        profile falls due for anonymization) and the candidate's `version`.
        """
        access.ensure_admin(by, "expire consent")
        at = at or now()
        candidate = self.store.load(Candidate, candidate_id)
        consent, position = candidate.consent, None
        lapse = lapses_at(candidate, self.settings)
        expired = not candidate.is_anonymized and (
            (consent.status == "requested" and consent.deadline is not None
             and consent.deadline <= at) or (lapse is not None and lapse <= at))
        if expired:
            candidate.expire_consent(by=by, proof=proof("expiry", consent.text_sha256, at),
                                     deadline=lapse if consent.status == "granted" else None)
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
