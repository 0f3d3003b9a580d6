"""Talent forms: candidates enter themselves, with consent if they give it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain import access
from domain import validation as v
from domain.actor import SYSTEM_USER_ID, Actor
from domain.candidate import Candidate
from domain.commands.candidates import Candidates
from domain.commands.consent import Consent
from domain.errors import ValidationFailed
from domain.personal import Personal
from domain.pool import Pool
from domain.recorded import Recorded, command, ensure_version
from domain.store import EventStore
from domain.talent_form import TalentForm

PUBLIC = Actor(SYSTEM_USER_ID, access.PUBLIC)


class Forms:
    def __init__(self, store: EventStore, candidates: Candidates, consent: Consent) -> None:
        self.store = store
        self.candidates = candidates
        self.consent = consent

    @command
    def create(self, title: str, by: Actor, *, pool_id: UUID | None = None,
               consent_text: str | None = None) -> Recorded:
        access.ensure_writer(by)
        if pool_id is not None:
            pool_id = v.uuid("pool_id", pool_id)
            if not self.store.exists(Pool, pool_id):
                raise ValidationFailed.field("pool_id", f"unknown pool {pool_id}")
        form = TalentForm(title=v.text("title", title), pool_id=pool_id,
                          consent_text=v.text("consent_text", consent_text, required=False,
                                              max_len=5000), by=by)
        return Recorded(form.id, self.store.record(form))

    def submit(self, form_id: UUID, name: str, email: str, *, consent: bool,
               phone: str | None = None, interests: list[str] | None = None,
               expected_version: int | None = None) -> Recorded:
        """Public: creates the candidate, or updates the live one with that email (follow-up).
        `expected_version` (the form's) is checked before anything is recorded, not at the
        end: a submission is several transactions."""
        form = self.store.load(TalentForm, form_id)
        ensure_version(form, expected_version)
        name = v.text("name", name)
        email = v.email("email", email)
        phones = v.texts("phone", [phone] if phone else [], max_len=40)
        interests = v.texts("interests", interests, max_len=200, max_items=50)
        consent = v.flag("consent", consent)
        existing = self.candidates.find_by_email(email)
        if existing is None:
            candidate_id = self.candidates.create(name, [email], PUBLIC, phones=phones,
                                                  sources=[form.source], origin="applied").id
        else:
            candidate = self.store.load(Candidate, existing)
            changes: dict[str, Any] = {"name": name}
            if phones:
                changes["phones"] = list(dict.fromkeys([*candidate.profile["phones"], *phones]))
            if form.source not in candidate.sources:
                changes["sources"] = [*candidate.sources, form.source]
            candidate_id = self.candidates.update_profile(existing, changes, PUBLIC).id
        if form.pool_id is not None:
            candidate = self.store.load(Candidate, candidate_id)
            if form.pool_id not in candidate.pool_ids:
                candidate.add_to_pool(pool_id=form.pool_id, by=PUBLIC)
                self.store.record(candidate)
        if consent:
            self.consent.grant(candidate_id, PUBLIC, channel="form")
        return self._record_submission(form_id, candidate_id, existing is None, consent,
                                       interests)

    @command
    def _record_submission(self, form_id: UUID, candidate_id: UUID, new: bool, consent: bool,
                           interests: list[str]) -> Recorded:
        form = self.store.load(TalentForm, form_id)
        form.submit(candidate_id=candidate_id, new_candidate=new, consent=consent,
                    interests=Personal(candidate_id, {"interests": interests}), by=PUBLIC)
        return Recorded(candidate_id, self.store.record(form), {"form_id": form_id})
