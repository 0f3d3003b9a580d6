"""A reminder a recruiter sets on a candidate for someone (often themselves), e.g. 6 months on."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.personal import Personal

REMINDER_STATES = ("pending", "due", "dismissed")


class Reminder(Aggregate):
    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @event("ReminderSet")
    def __init__(self, candidate_id: UUID, assignee_id: UUID, due_at: datetime, note: Personal,
                 by: Actor) -> None:
        self.candidate_id = candidate_id
        self.assignee_id = assignee_id
        self.due_at = due_at
        self.note = note
        self.status = "pending"

    def is_due(self, now: datetime) -> bool:
        return self.status == "pending" and self.due_at <= now

    @event("ReminderDue")
    def fall_due(self, at: datetime, by: Actor) -> None:
        self.status = "due"

    @event("ReminderDismissed")
    def dismiss(self, by: Actor) -> None:
        self.status = "dismissed"
