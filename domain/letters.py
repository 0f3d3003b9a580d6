"""What a queued mail says when it is tried, or why it must not go out any more.

Everything personal is looked up now, with the keys of the people concerned, and nothing of
it is kept: the address, the name, the consent text and the links. So a candidate erased
since the mail was queued gets nothing (there is no key to read their address with), and a
retry renders exactly the same message as the first try, as the same facts give the same
text and the links are signed from the same ids and moments.

A mail no longer worth sending is cancelled with the reason: the person was erased, the
request was answered or replaced meanwhile, consent was withdrawn before the campaign left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from domain.candidate import Candidate
from domain.commands.campaigns import skip_reason
from domain.commands.consent import lapses_at
from domain.consent_text import text_of
from domain.errors import NotFound
from domain.form_invitation import FormInvitation
from domain.form_submission import FormSubmission
from domain.mail import Mail
from domain.notification import Notification
from domain.reminder import Reminder
from domain.settings import Settings
from domain.store import EventStore
from domain.talent_form import TalentForm
from domain.user import User

NOTE_ERASED = "The note of this reminder was deleted with the candidate's personal data."


@dataclass(frozen=True)
class Link:
    """A personal link to sign: which page, for whom, answering what, until when."""

    purpose: str
    candidate_id: UUID
    ref: str
    expires_at: datetime


@dataclass(frozen=True)
class Letter:
    to: str
    facts: dict[str, Any]
    link: Link | None = None
    unsubscribe: Link | None = None
    filed_under: UUID | None = None


@dataclass(frozen=True)
class Withdrawn:
    """The mail must not go out; `reason` says why (a short word, never personal)."""

    reason: str


@dataclass
class Letters:
    store: EventStore
    settings: Settings
    _handlers: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self._handlers = {"consent_request": self._consent_request,
                          "form_confirmation": self._form_confirmation,
                          "follow_up": self._follow_up, "campaign": self._campaign,
                          "notification": self._notification}

    def letter(self, mail: Mail) -> Letter | Withdrawn:
        try:
            return self._handlers[mail.kind](mail)  # type: ignore[no-any-return]
        except NotFound:
            return Withdrawn("gone")

    def _candidate(self, mail: Mail) -> Candidate | Withdrawn:
        assert mail.candidate_id is not None
        candidate = self.store.load(Candidate, mail.candidate_id)
        if candidate.is_anonymized or candidate.personal.erased:
            return Withdrawn("anonymized")
        return candidate

    def _consenting(self, mail: Mail) -> tuple[Candidate, str] | Withdrawn:
        """The candidate of a mail that needs their consent granted, with the address."""
        candidate = self._candidate(mail)
        if isinstance(candidate, Withdrawn):
            return candidate
        reason = skip_reason(candidate)
        if reason:
            return Withdrawn(reason)
        address = self._address(candidate)
        if address is None:
            return Withdrawn("no_address")
        return candidate, address

    @staticmethod
    def _greeting(candidate: Candidate) -> dict[str, Any]:
        return {"name": candidate.profile["name"]}

    @staticmethod
    def _address(candidate: Candidate) -> str | None:
        return candidate.emails[0] if candidate.emails else None

    def _consent_request(self, mail: Mail) -> Letter | Withdrawn:
        candidate = self._candidate(mail)
        if isinstance(candidate, Withdrawn):
            return candidate
        ref = mail.refs["ref"]
        opened_by, version = ref[0], int(ref[1:].split(":", 1)[0])
        consent = candidate.consent
        wanted = "requested" if opened_by == "r" else "granted"
        if consent.status != wanted or consent.since != version:
            return Withdrawn("answered")
        deadline = consent.deadline if opened_by == "r" else lapses_at(candidate, self.settings)
        address = self._address(candidate)
        if address is None or deadline is None:
            return Withdrawn("no_address" if address is None else "answered")
        text = text_of(self.store, consent.text_sha256) or self.settings.consent_text
        return Letter(address, {**self._greeting(candidate), "variant": mail.variant,
                                "deadline": deadline, "consent_text": text},
                      link=Link("consent", candidate.id, ref, deadline))

    def _form_confirmation(self, mail: Mail) -> Letter | Withdrawn:
        candidate = self._candidate(mail)
        if isinstance(candidate, Withdrawn):
            return candidate
        submission = self.store.load(FormSubmission, UUID(mail.refs["submission_id"]))
        answers = submission.answers.data
        if submission.status != "pending" or submission.confirm_by is None:
            return Withdrawn("answered")
        if answers is None:
            return Withdrawn("anonymized")
        form = self.store.load(TalentForm, submission.form_id)
        text = None
        if submission.consent:
            text = text_of(self.store, submission.text_sha256) or self.settings.consent_text
        return Letter(answers["email"], {"name": answers.get("name"), "form_title": form.title,
                                         "consent_text": text, "deadline": submission.confirm_by},
                      link=Link("confirm", candidate.id, str(submission.id),
                                submission.confirm_by))

    def _follow_up(self, mail: Mail) -> Letter | Withdrawn:
        reached = self._consenting(mail)
        if isinstance(reached, Withdrawn):
            return reached
        candidate, address = reached
        invitation = self.store.load(FormInvitation, UUID(mail.refs["invitation_id"]))
        if self.store.was_recorded(FormSubmission.id_for_invitation(invitation.id,
                                                                    candidate.id)):
            return Withdrawn("answered")
        form = self.store.load(TalentForm, invitation.form_id)
        return Letter(address, {**self._greeting(candidate), "form_title": form.title},
                      link=Link("follow_up", candidate.id, str(invitation.id),
                                invitation.expires_at))

    def _campaign(self, mail: Mail) -> Letter | Withdrawn:
        from domain.campaign import Campaign

        reached = self._consenting(mail)
        if isinstance(reached, Withdrawn):
            return reached
        candidate, address = reached
        assert mail.campaign_id is not None
        campaign = self.store.load(Campaign, mail.campaign_id)
        until = mail.queued_at + timedelta(days=self.settings.consent_valid_days)
        return Letter(address, {**self._greeting(candidate), "campaign_subject": campaign.subject,
                                "body": campaign.body},
                      unsubscribe=Link("unsubscribe", candidate.id, str(campaign.id), until))

    def _notification(self, mail: Mail) -> Letter | Withdrawn:
        assert mail.recipient_user_id is not None
        user = self.store.load(User, mail.recipient_user_id)
        notification = self.store.load(Notification, UUID(mail.refs["notification_id"]))
        if user.personal.erased or not user.email:
            return Withdrawn("no_address")
        message = notification.message
        if mail.refs.get("reminder_id"):
            reminder = self.store.load(Reminder, UUID(mail.refs["reminder_id"]))
            note = reminder.note.data
            message = note["note"] if note else NOTE_ERASED
        return Letter(user.email, {"message": message, "reason": notification.reason},
                      filed_under=notification.candidate_id)
