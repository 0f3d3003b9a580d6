"""A notification for a user: a reminder fell due, or a rule asked to tell someone.

The message is the configured text of the rule or reminder, never a candidate's personal
data, so notifications can be published to Kafka and kept after an erasure.
"""

from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor

REASONS = ("reminder_due", "rule")


class Notification(Aggregate):
    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @event("NotificationRecorded")
    def __init__(self, recipient_id: UUID, candidate_id: UUID | None, reason: str, message: str,
                 by: Actor, reminder_id: UUID | None = None) -> None:
        """`reminder_id`: the reminder that fell due; its note (personal, sealed with the
        candidate's key) goes into the mail, and stays out of this event."""
        self.recipient_id = recipient_id
        self.candidate_id = candidate_id
        self.reason = reason
        self.message = message
        self.reminder_id = reminder_id
