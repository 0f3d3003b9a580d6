"""One talent-form submission, an aggregate of its own (a public form is written by anyone,
and must not become one hot aggregate).

Double opt-in: a submission that creates a candidate takes effect at once, and its consent
waits for the person to confirm through the link mailed to them; a submission with the
address of a live candidate waits, whole, for that confirmation, so that whoever knows an
address cannot rewrite that person's profile or consent in their name. One made through a
personal follow-up link takes effect at once. `FormSubmitted`, which the rules' trigger
`form_submitted` follows, is recorded once per submission, when it takes effect.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.personal import Personal

INVITED_NAMESPACE = UUID("9a3f6d2e-4c17-4b8e-a5d0-2e7c1f9b6a34")
ANSWERS = ("name", "email", "phone", "interests")


class FormSubmission(Aggregate):
    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @staticmethod
    def id_for_invitation(invitation_id: UUID, candidate_id: UUID) -> UUID:
        """A follow-up link is used once: its submission has this id."""
        return uuid5(INVITED_NAMESPACE, f"{invitation_id}:{candidate_id}")

    @event("SubmissionReceived")
    def __init__(self, id: UUID, form_id: UUID, candidate_id: UUID, new_candidate: bool,
                 consent: bool, invitation_id: UUID | None, answers: Personal,
                 text_sha256: str | None, confirm_by: datetime | None, by: Actor) -> None:
        """`answers` (name, email, phone, interests) are sealed with the candidate's key;
        `confirm_by` is set when the submission waits for the person's confirmation, and is
        when its link expires; `text_sha256` is the consent text shown with the form."""
        self.form_id = form_id
        self.candidate_id = candidate_id
        self.new_candidate = new_candidate
        self.consent = consent
        self.invitation_id = invitation_id
        self.answers = answers
        self.text_sha256 = text_sha256
        self.confirm_by = confirm_by
        self.status = "pending" if confirm_by is not None else "applied"

    @event("SubmissionConfirmed")
    def confirm(self, at: datetime, by: Actor) -> None:
        self.status = "confirmed"

    @event("FormSubmitted")
    def take_effect(self, form_id: UUID, candidate_id: UUID, new_candidate: bool,
                    by: Actor) -> None:
        """The submission's fields are on the profile now (the trigger of `form_submitted`)."""
