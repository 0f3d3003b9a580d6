"""A talent form: candidates enter themselves, with consent if they give it."""

from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.personal import Personal


class TalentForm(Aggregate):
    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @event("TalentFormCreated")
    def __init__(self, title: str, pool_id: UUID | None, consent_text: str | None,
                 by: Actor) -> None:
        self.title = title
        self.pool_id = pool_id
        self.consent_text = consent_text
        self.submissions = 0

    @event("TalentFormChanged")
    def change(self, title: str, pool_id: UUID | None, consent_text: str | None,
               by: Actor) -> None:
        """Candidates who entered before keep the source they came with; new ones get the
        new title's (and rules filtering on the source see it)."""
        self.title = title
        self.pool_id = pool_id
        self.consent_text = consent_text

    @property
    def source(self) -> str:
        """The source recorded on candidates from this form, which rules filter on."""
        return f"Talent form: {self.title}"

    @event("FormSubmitted")
    def submit(self, candidate_id: UUID, new_candidate: bool, consent: bool, interests: Personal,
               by: Actor) -> None:
        """`interests` are the candidate's own words, so they are sealed with their key."""
        self.submissions += 1
