"""A talent pool: a named group of candidates (membership lives on the Candidate)."""

from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor


class Pool(Aggregate):
    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @event("PoolCreated")
    def __init__(self, name: str, description: str | None, by: Actor) -> None:
        self.name = name
        self.description = description

    @event("PoolRenamed")
    def rename(self, name: str, by: Actor) -> None:
        self.name = name

    @event("PoolDescribed")
    def describe(self, description: str | None, by: Actor) -> None:
        self.description = description
