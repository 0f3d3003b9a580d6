"""Personal follow-up links to a talent form, sent to candidates who gave consent: a
submission through one updates that candidate directly."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor


class FormInvitation(Aggregate):
    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @event("InvitationsSent")
    def __init__(self, form_id: UUID, candidate_ids: list[UUID], skipped: list[dict[str, Any]],
                 expires_at: datetime, by: Actor) -> None:
        """The mailer sends each of `candidate_ids` their link, valid until `expires_at`."""
        self.form_id = form_id
        self.candidate_ids = list(candidate_ids)
        self.skipped = list(skipped)
        self.expires_at = expires_at
