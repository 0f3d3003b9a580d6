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
                 by: Actor) -> None:
        self.recipient_id = recipient_id
        self.candidate_id = candidate_id
        self.reason = reason
        self.message = message
