"""Follow-up forms: personal links to a talent form for candidates who gave consent, so that
they bring their own profile up to date."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from domain import access
from domain.access import Access
from domain.actor import Actor
from domain.candidate import Candidate
from domain.commands.audience import audience, ensure_one_audience
from domain.commands.campaigns import skip_reason
from domain.commands.candidates import Candidates
from domain.commands.forms import PUBLIC, apply_answers, checked_answers
from domain.errors import DuplicateCandidate, LinkUsed, NotFound, ValidationFailed
from domain.form_invitation import FormInvitation
from domain.form_submission import FormSubmission
from domain.lookups import Lookups
from domain.personal import Personal
from domain.recorded import Recorded, command, ensure_version, now
from domain.store import EventStore
from domain.talent_form import TalentForm

FOLLOW_UP_DAYS = 30
"""How long a follow-up link works: a month to answer, as for a consent request."""


class Invitations:
    def __init__(self, store: EventStore, access: Access, lookups: Lookups,
                 candidates: Candidates) -> None:
        self.store = store
        self.access = access
        self.lookups = lookups
        self.candidates = candidates

    @command
    def invite(self, form_id: UUID, by: Actor, *, candidate_ids: Any = None,
               pool_id: UUID | None = None, expected_version: int | None = None) -> Recorded:
        """The named candidates, or a pool's members the caller sees: those with consent
        granted get their link, the others are skipped with the reason. `expected_version`
        is the form's: the invitation records no event on it, so it is checked as loaded."""
        access.ensure_writer(by)
        ensure_one_audience(candidate_ids, pool_id)
        form = self.store.load(TalentForm, form_id)
        ensure_version(form, expected_version)
        candidates = audience(self.store, self.access, self.lookups, by,
                              candidate_ids=candidate_ids, pool_id=pool_id)
        invited, skipped = [], []
        for candidate in candidates:
            reason = skip_reason(candidate)
            if reason:
                skipped.append({"candidate_id": str(candidate.id), "reason": reason})
            else:
                invited.append(candidate.id)
        invitation = FormInvitation(form_id=form.id, candidate_ids=invited, skipped=skipped,
                                    expires_at=now() + timedelta(days=FOLLOW_UP_DAYS), by=by)
        return Recorded(invitation.id, self.store.record(invitation),
                        {"invited": [str(c) for c in invited], "skipped": skipped})

    def _open(self, invitation_id: UUID, candidate_id: UUID
              ) -> tuple[FormInvitation, Candidate, TalentForm]:
        try:
            invitation = self.store.load(FormInvitation, invitation_id)
            candidate = self.store.load(Candidate, candidate_id)
        except NotFound:
            raise LinkUsed("no invitation waits for this link") from None
        if candidate.id not in invitation.candidate_ids:
            raise LinkUsed("this link was not sent to this person")
        if candidate.is_anonymized:
            raise LinkUsed("the person's data was deleted")
        if self.store.was_recorded(FormSubmission.id_for_invitation(invitation.id, candidate.id)):
            raise LinkUsed("this link was used already")
        return invitation, candidate, self.store.load(TalentForm, invitation.form_id)

    def follow_up_form(self, invitation_id: UUID, candidate_id: UUID) -> dict[str, Any]:
        """What the follow-up page shows: the form's title and the profile's current values."""
        _, candidate, form = self._open(invitation_id, candidate_id)
        profile = candidate.profile
        return {"form_title": form.title, "values": {
            "name": profile["name"], "email": (profile["emails"] or [None])[0],
            "phone": (profile["phones"] or [None])[-1]}}

    @command
    def follow_up(self, invitation_id: UUID, candidate_id: UUID, name: Any, email: Any,
                  phone: Any = None, interests: Any = None) -> Recorded:
        """The person's own answers, applied at once; a new address is added to theirs."""
        invitation, candidate, form = self._open(invitation_id, candidate_id)
        answers = checked_answers(name, email, phone, interests)
        apply_answers(candidate, form, answers, PUBLIC)
        added: list[str] = []
        if answers["email"].lower() not in {e.lower() for e in candidate.emails}:
            try:
                self.candidates.claim_emails(candidate.id, [answers["email"]])
            except DuplicateCandidate:
                # Whose it is stays unsaid: the page is public.
                raise ValidationFailed.field("email", "this address cannot be used here; "
                                                      "enter the one you have") from None
            added = [answers["email"]]
            candidate.update_profile(
                personal=Personal(candidate.id, {"emails": [*candidate.emails, *added]}),
                tags=None, sources=None, by=PUBLIC)
        submission = FormSubmission(
            id=FormSubmission.id_for_invitation(invitation.id, candidate.id), form_id=form.id,
            candidate_id=candidate.id, new_candidate=False, consent=False,
            invitation_id=invitation.id, answers=Personal(candidate.id, answers),
            text_sha256=None, confirm_by=None, by=PUBLIC)
        submission.take_effect(form_id=form.id, candidate_id=candidate.id, new_candidate=False,
                               by=PUBLIC)
        try:
            position = self.store.record(candidate, submission)
        except BaseException:
            self.candidates.adapters.emails.release(candidate.id, added)
            raise
        return Recorded(candidate.id, position)
