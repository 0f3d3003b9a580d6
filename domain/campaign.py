"""A campaign (newsletter, welcome mail): sent only to candidates whose consent is granted."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor


class Campaign(Aggregate):
    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @event("CampaignCreated")
    def __init__(self, name: str, subject: str, body: str, by: Actor) -> None:
        self.name = name
        self.subject = subject
        self.body = body
        self.sent_to: list[UUID] = []
        self.skipped: list[dict[str, Any]] = []

    @event("CampaignSent")
    def send(self, candidate_ids: list[UUID], skipped: list[dict[str, Any]], by: Actor) -> None:
        """Earlier sends were recorded here, on the campaign; they are now recorded on each
        candidate (Candidate.CampaignSent), and this event is only ever read back."""
        self.sent_to += [c for c in candidate_ids if c not in self.sent_to]
        self.skipped += skipped
