"""One run of an automation rule for one event: what it did, and what it skipped and why.

Each run is an aggregate of its own, its id derived from the rule and the event that caused
it, so a run is recorded once however often its cause is delivered, and no run writes to
the rule: the rule's run count and last run are a projection of these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor

RUN_NAMESPACE = UUID("5d0f3e52-8b61-4c8e-a0c7-6f2b9e4d1a73")


class RuleRun(Aggregate):
    @staticmethod
    def id_for(rule_id: UUID, cause_event_id: UUID) -> UUID:
        return uuid5(RUN_NAMESPACE, f"{rule_id}:{cause_event_id}")

    @event("RuleRan")
    def __init__(self, id: UUID, rule_id: UUID, cause_event_id: UUID,
                 candidate_id: UUID | None, effects: list[dict[str, Any]],
                 skipped: list[dict[str, Any]], at: datetime, by: Actor) -> None:
        self.rule_id = rule_id
        self.cause_event_id = cause_event_id
        self.candidate_id = candidate_id
        self.effects = effects
        self.skipped = skipped
        self.at = at
