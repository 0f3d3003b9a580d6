"""A job posting; only published and internal ones can be chosen for a new opportunity."""

from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.errors import PostingNotOpen

POSTING_STATES = ("draft", "pending", "published", "internal", "closed")
OPEN_POSTING_STATES = ("published", "internal")
"""Only postings in these states can be chosen for a new opportunity."""


class Posting(Aggregate):
    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @event("PostingCreated")
    def __init__(self, title: str, team: str | None, location: str | None, state: str,
                 hiring_team: list[UUID], by: Actor) -> None:
        self.title = title
        self.team = team
        self.location = location
        self.state = state
        self.hiring_team = list(hiring_team)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_POSTING_STATES

    def ensure_open(self) -> None:
        if not self.is_open:
            raise PostingNotOpen(
                f"posting is {self.state}; only published or internal postings can be chosen",
                {"posting_id": str(self.id), "state": self.state},
            )

    @event("PostingStateChanged")
    def change_state(self, state: str, by: Actor) -> None:
        self.state = state

    @event("HiringTeamChanged")
    def change_hiring_team(self, hiring_team: list[UUID], by: Actor) -> None:
        self.hiring_team = list(hiring_team)
