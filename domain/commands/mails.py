"""Mails: queued as the effect of their cause, tried until sent, failed or cancelled.

A mail is queued once whatever delivers its cause (its id comes from the cause), then tried:
each failed attempt is recorded with the time of the next, which doubles from
`mail_retry_s` up to an hour, and the last allowed attempt (`mail_max_attempts`) or a
refusal for good ends it as failed. The mailer decides none of this: it hands over, and
reports what the server said.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.persistence import Tracking

from domain.actor import Actor
from domain.candidate import Candidate
from domain.commands.consent import reminder_due_at, renewal_due_at
from domain.commands.consent_links import consent_ref
from domain.errors import NotFound
from domain.letters import Letter, Letters, Withdrawn
from domain.mail import Mail, event_id
from domain.mail_causes import Cause, MailSpec, is_stale, mails_caused_by, spec
from domain.recorded import command, now
from domain.settings import Settings
from domain.store import EventStore

MAX_RETRY_S = 3600.0
SYSTEM = Actor.system()


class Mails:
    def __init__(self, store: EventStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.letters = Letters(store, settings)

    def _new(self, specs: list[MailSpec], at: datetime) -> list[Mail]:
        recorded = self.store.load_many(Mail, [s.id for s in specs]) if specs else {}
        return [Mail(id=s.id, kind=s.kind, cause_id=s.cause_id, candidate_id=s.candidate_id,
                     recipient_user_id=s.recipient_user_id, campaign_id=s.campaign_id,
                     variant=s.variant, refs=dict(s.refs), at=at, by=SYSTEM)
                for s in specs if s.id not in recorded]

    def queue(self, cause: Cause, tracking: Tracking | None = None) -> list[UUID]:
        """Records the mails `cause` causes that are not recorded yet, with the consumer's
        tracking in the same transaction; returns their ids."""
        at = now()
        specs = [] if is_stale(cause, at) else mails_caused_by(cause)
        mails = self._new(specs, at)
        self.store.record(*mails, tracking=tracking)
        return [m.id for m in mails]

    # --- what the chores queue ----------------------------------------------------------------

    @command
    def queue_consent(self, candidate_id: UUID, variant: str, at: datetime | None = None
                      ) -> bool | datetime:
        """The reminder of an open request, or the renewal request of a grant, once it is
        due. True when queued now; the moment it falls due when that is later; False when
        nothing is to be sent (answered, anonymized, no reminder for a short deadline)."""
        at = at or now()
        try:
            candidate = self.store.load(Candidate, candidate_id)
        except NotFound:
            return False
        consent = candidate.consent
        if candidate.is_anonymized or consent.since is None:
            return False
        if variant == "reminder":
            due, opened_by = reminder_due_at(candidate, self.settings), "r"
        else:
            due, opened_by = renewal_due_at(candidate, self.settings), "g"
        if due is None:
            return False
        if due > at:
            return due
        cause = event_id(candidate.id, consent.since)
        mail = spec("consent_request", cause, candidate_id=candidate.id, variant=variant,
                    refs={"ref": consent_ref(opened_by, consent.since, variant)})
        self.store.record(*self._new([mail], at))
        return True

    # --- trying, and what came of it ----------------------------------------------------------

    def letter(self, mail: Mail) -> Letter | Withdrawn:
        return self.letters.letter(mail)

    @command
    def sent(self, mail_id: UUID, at: datetime | None = None) -> Mail:
        """Accepted by the server: recorded even if the mail was cancelled meanwhile (it
        left, and the record says so)."""
        mail = self.store.load(Mail, mail_id)
        if mail.status != "sent":
            mail.mark_sent(at=at or now(), by=SYSTEM)
            self.store.record(mail)
        return mail

    @command
    def failed(self, mail_id: UUID, error: str, *, permanent: bool,
               at: datetime | None = None) -> Mail:
        """A refusal for good, or the last attempt, fails the mail; else another try is due."""
        at = at or now()
        mail = self.store.load(Mail, mail_id)
        if not mail.is_queued:
            return mail
        error = error[:500]
        if permanent or mail.attempts + 1 >= self.settings.mail_max_attempts:
            mail.mark_failed(error=error, at=at, by=SYSTEM)
        else:
            mail.attempt_failed(error=error, at=at, retry_at=at + self.backoff(mail.attempts + 1),
                                by=SYSTEM)
        self.store.record(mail)
        return mail

    def backoff(self, attempts: int) -> timedelta:
        """Doubling from `mail_retry_s`, at most an hour, with a tenth of jitter, so mails
        queued together do not all knock again at the same instant."""
        delay = min(MAX_RETRY_S, self.settings.mail_retry_s * 2 ** (attempts - 1))
        return timedelta(seconds=delay * random.uniform(0.9, 1.0))

    @command
    def cancel(self, mail_id: UUID, reason: str, at: datetime | None = None) -> bool:
        """A queued mail that must not go out; False if it was not queued any more."""
        mail = self.store.load(Mail, mail_id)
        if not mail.is_queued:
            return False
        mail.cancel(reason=reason, at=at or now(), by=SYSTEM)
        self.store.record(mail)
        return True
