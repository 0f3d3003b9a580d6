"""Talent forms: candidates enter themselves, with double opt-in.

A submission whose address no live candidate has creates the candidate at once (source
`Talent form: <title>`); with consent it records ConsentRequested (channel `form`) and the
mailer sends the confirmation link, and ConsentGranted waits for the confirmation. A
submission with the address of a live candidate changes nothing until that address
confirms: only then are its fields applied (and its consent granted). Either way the
public answer is the same, so the form tells nobody whether an address is known.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from domain import access
from domain import validation as v
from domain.actor import SYSTEM_USER_ID, Actor
from domain.candidate import Candidate
from domain.commands.candidates import Candidates
from domain.commands.consent import Consent, proof
from domain.consent_text import kept, text_of
from domain.errors import LinkUsed, NotFound, ValidationFailed
from domain.form_submission import FormSubmission
from domain.mail import event_id, mail_id, message_id
from domain.personal import Personal
from domain.pool import Pool
from domain.recorded import Recorded, command, ensure_version, now
from domain.settings import Settings
from domain.store import EventStore
from domain.talent_form import TalentForm

PUBLIC = Actor(SYSTEM_USER_ID, access.PUBLIC)


def _consent_text(text: Any) -> str | None:
    return v.text("consent_text", text, required=False, max_len=5000)


def checked_answers(name: Any, email: Any, phone: Any, interests: Any) -> dict[str, Any]:
    """A submission's fields, checked: what the person typed, nothing else."""
    phones = v.texts("phone", [phone] if phone else [], max_len=40)
    return {"name": v.text("name", name), "email": v.email("email", email),
            "phone": phones[0] if phones else None,
            "interests": v.texts("interests", interests, max_len=200, max_items=50)}


def apply_answers(candidate: Candidate, form: TalentForm, answers: dict[str, Any],
                  by: Actor) -> None:
    """A submission's fields onto a known profile: the name, the phone beside the others,
    the form's source and pool."""
    personal: dict[str, Any] = {"name": answers["name"]}
    if answers.get("phone"):
        personal["phones"] = list(dict.fromkeys([*candidate.profile["phones"], answers["phone"]]))
    sources = None
    if form.source not in candidate.sources:
        sources = [*candidate.sources, form.source]
    candidate.update_profile(personal=Personal(candidate.id, personal), tags=None,
                             sources=sources, by=by)
    if form.pool_id is not None and form.pool_id not in candidate.pool_ids:
        candidate.add_to_pool(pool_id=form.pool_id, by=by)


class Forms:
    def __init__(self, store: EventStore, candidates: Candidates, consent: Consent,
                 settings: Settings) -> None:
        self.store = store
        self.candidates = candidates
        self.consent = consent
        self.settings = settings

    @command
    def create(self, title: str, by: Actor, *, pool_id: UUID | None = None,
               consent_text: str | None = None) -> Recorded:
        access.ensure_writer(by)
        form = TalentForm(title=v.text("title", title), pool_id=self._pool(pool_id),
                          consent_text=_consent_text(consent_text), by=by)
        return Recorded(form.id, self.store.record(form))

    @command
    def change(self, form_id: UUID, by: Actor, changes: dict[str, Any], *,
               expected_version: int | None = None) -> Recorded:
        """`changes`: any of title, pool_id, consent_text (None: the configured text). A
        consent text shown before stays what its proofs name, kept by its hash."""
        access.ensure_writer(by)
        form = self.store.load(TalentForm, form_id)
        ensure_version(form, expected_version)
        unknown = sorted(set(changes) - {"title", "pool_id", "consent_text"})
        if unknown:
            raise ValidationFailed("unknown fields", {k: ["unknown field"] for k in unknown})
        title = v.text("title", changes["title"]) if "title" in changes else form.title
        pool_id = self._pool(changes["pool_id"]) if "pool_id" in changes else form.pool_id
        text = _consent_text(changes["consent_text"]) if "consent_text" in changes \
            else form.consent_text
        if (title, pool_id, text) != (form.title, form.pool_id, form.consent_text):
            form.change(title=title, pool_id=pool_id, consent_text=text, by=by)
        return Recorded(form.id, self.store.record(form))

    def _pool(self, pool_id: Any) -> UUID | None:
        if pool_id is None:
            return None
        pool_id = v.uuid("pool_id", pool_id)
        if not self.store.exists(Pool, pool_id):
            raise ValidationFailed.field("pool_id", f"unknown pool {pool_id}")
        return pool_id

    def confirmation_id(self, submission_id: UUID, candidate_id: UUID) -> str:
        """The Message-ID of a submission's confirmation mail (caused by its first event)."""
        mail = mail_id(event_id(submission_id, 1), "form_confirmation", recipient_id=candidate_id)
        return message_id(mail, self.settings.mail_from)

    def consent_text(self, form: TalentForm) -> str:
        return form.consent_text or self.settings.consent_text

    def submit(self, form_id: UUID, name: str, email: str, *, consent: bool,
               phone: str | None = None, interests: list[str] | None = None,
               expected_version: int | None = None) -> Recorded:
        """Public. The id is the candidate's (never shown to the submitter). `expected_version`
        (the form's) is checked before anything is recorded, not at the end: a submission
        is several transactions."""
        form = self.store.load(TalentForm, form_id)
        ensure_version(form, expected_version)
        answers = checked_answers(name, email, phone, interests)
        consent = v.flag("consent", consent)
        existing = self.candidates.find_by_email(answers["email"])
        if existing is None:
            return self._new_candidate(form, answers, consent)
        return self._awaiting_confirmation(form, existing, answers, consent)

    @command
    def _new_candidate(self, form: TalentForm, answers: dict[str, Any],
                       consent: bool) -> Recorded:
        profile = {"name": answers["name"], "emails": [answers["email"]],
                   "phones": [answers["phone"]] if answers["phone"] else [], "location": None,
                   "headline": None, "links": []}
        candidate = self.candidates.new(profile, tags=[], sources=[form.source],
                                        origin="applied", by=PUBLIC)
        try:
            if form.pool_id is not None:
                candidate.add_to_pool(pool_id=form.pool_id, by=PUBLIC)
            texts: list[Any] = []
            submission_id = FormSubmission.create_id()
            if consent:
                texts = self.consent.ask(candidate, PUBLIC, channel="form",
                                         text=self.consent_text(form), form_id=form.id,
                                         message=self.confirmation_id(submission_id,
                                                                      candidate.id))
            submission = FormSubmission(
                id=submission_id, form_id=form.id, candidate_id=candidate.id,
                new_candidate=True, consent=consent, invitation_id=None,
                answers=Personal(candidate.id, answers),
                text_sha256=candidate.consent.text_sha256 if consent else None,
                confirm_by=candidate.consent.deadline if consent else None, by=PUBLIC)
            submission.take_effect(form_id=form.id, candidate_id=candidate.id,
                                   new_candidate=True, by=PUBLIC)
            position = self.store.record(candidate, submission, *texts)
        except BaseException:
            self.candidates.adapters.emails.release(candidate.id)
            raise
        return Recorded(candidate.id, position, {"submission_id": submission.id})

    @command
    def _awaiting_confirmation(self, form: TalentForm, candidate_id: UUID,
                               answers: dict[str, Any], consent: bool) -> Recorded:
        digest, text = kept(self.store, self.consent_text(form), PUBLIC) if consent \
            else (None, None)
        days = self.settings.consent_deadline_days
        submission = FormSubmission(
            id=FormSubmission.create_id(), form_id=form.id, candidate_id=candidate_id,
            new_candidate=False, consent=consent, invitation_id=None,
            answers=Personal(candidate_id, answers), text_sha256=digest,
            confirm_by=now() + timedelta(days=days), by=PUBLIC)
        return Recorded(candidate_id, self.store.record(submission, text),
                        {"submission_id": submission.id})

    # --- the confirmation link ----------------------------------------------------------------

    def _awaiting(self, submission_id: UUID, candidate_id: UUID
                  ) -> tuple[FormSubmission, Candidate, TalentForm]:
        try:
            submission = self.store.load(FormSubmission, submission_id)
            candidate = self.store.load(Candidate, candidate_id)
        except NotFound:
            raise LinkUsed("nothing waits for this confirmation") from None
        if submission.candidate_id != candidate.id or submission.status != "pending":
            raise LinkUsed("this submission was confirmed already")
        if candidate.is_anonymized or submission.answers.erased:
            raise LinkUsed("the person's data was deleted")
        return submission, candidate, self.store.load(TalentForm, submission.form_id)

    def confirmation(self, submission_id: UUID, candidate_id: UUID) -> dict[str, Any]:
        """What the confirmation page shows: the form, the answers, the consent text (None
        when consent was not given)."""
        submission, _, form = self._awaiting(submission_id, candidate_id)
        text = None
        if submission.consent:
            text = text_of(self.store, submission.text_sha256) or self.consent_text(form)
        return {"form_title": form.title, "answers": dict(submission.answers.data or {}),
                "consent_text": text}

    @command
    def confirm(self, submission_id: UUID, candidate_id: UUID) -> Recorded:
        """The person confirmed: a known profile takes the answers now (and the rules'
        `form_submitted` fires), and consent given with the form is granted (channel `form`)."""
        submission, candidate, form = self._awaiting(submission_id, candidate_id)
        at = now()
        if not submission.new_candidate:
            apply_answers(candidate, form, dict(submission.answers.data or {}), PUBLIC)
            submission.take_effect(form_id=form.id, candidate_id=candidate.id,
                                   new_candidate=False, by=PUBLIC)
        if submission.consent:
            candidate.grant_consent(
                channel="form", purposes=[], at=at, by=PUBLIC,
                proof=proof("form", submission.text_sha256, at, form_id=form.id,
                            message=self.confirmation_id(submission.id, candidate.id)),
                valid_until=self.consent.valid_until(at))
        submission.confirm(at=at, by=PUBLIC)
        return Recorded(candidate.id, self.store.record(candidate, submission))
