"""Reminders a recruiter sets on a candidate for someone (often themselves), and the
notification each one becomes when it falls due."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain import access
from domain import validation as v
from domain.access import Access
from domain.actor import Actor
from domain.candidate import Candidate
from domain.errors import NotFound, ValidationFailed
from domain.notification import Notification
from domain.personal import Personal
from domain.recorded import Recorded, command, ensure_version, now
from domain.reminder import Reminder
from domain.store import EventStore
from domain.user import User


def new_reminder(store: EventStore, candidate: Candidate, due_at: Any, note: Any,
                 assignee_id: UUID, by: Actor) -> Reminder:
    """A reminder not yet recorded (the rule engine records it with its other effects)."""
    candidate.ensure_live()
    if not isinstance(due_at, datetime) or due_at.tzinfo is None:
        raise ValidationFailed.field("due_at", "must be a timestamp with a timezone")
    assignee_id = v.uuid("assignee_id", assignee_id)
    if assignee_id != by.user_id and not store.exists(User, assignee_id):
        raise ValidationFailed.field("assignee_id", f"unknown user {assignee_id}")
    return Reminder(candidate_id=candidate.id, assignee_id=assignee_id, due_at=due_at,
                    note=Personal(candidate.id, {"note": v.text("note", note, max_len=5000)}),
                    by=by)


class Reminders:
    def __init__(self, store: EventStore, access: Access) -> None:
        self.store = store
        self.access = access

    @command
    def set(self, candidate_id: UUID, due_at: datetime, note: str, by: Actor, *,
            assignee_id: UUID | None = None, expected_version: int | None = None) -> Recorded:
        """`expected_version` is the candidate's."""
        access.ensure_writer(by)
        candidate = self.access.candidate(by, candidate_id)
        ensure_version(candidate, expected_version)
        reminder = new_reminder(self.store, candidate, due_at, note, assignee_id or by.user_id,
                                by)
        return Recorded(reminder.id, self.store.record(reminder))

    @command
    def dismiss(self, reminder_id: UUID, by: Actor) -> Recorded:
        access.ensure_writer(by)
        reminder = self.access.reminder(by, reminder_id)
        if reminder.status != "dismissed":
            reminder.dismiss(by=by)
        return Recorded(reminder.id, self.store.record(reminder))

    def fire_due(self, reminder_ids: Iterable[UUID], at: datetime | None = None) -> int:
        """Each due reminder and its notification commit together; a lost race skips it."""
        at = at or now()
        system = Actor.system()
        fired = 0
        for reminder_id in reminder_ids:
            try:
                reminder = self.store.load(Reminder, reminder_id)
            except NotFound:
                continue
            if not reminder.is_due(at):
                continue
            reminder.fall_due(at=at, by=system)
            notification = Notification(recipient_id=reminder.assignee_id,
                                        candidate_id=reminder.candidate_id,
                                        reason="reminder_due", message="Reminder due", by=system,
                                        reminder_id=reminder.id)
            try:
                self.store.record(reminder, notification)
            except IntegrityError:
                continue
            fired += 1
        return fired
