"""Integration messages: what leaves the event store for Kafka and for the workers.

Ids and non-personal facts only: every `Personal` value is dropped, because Kafka topics
cannot be edited and personal data must stay erasable. `subject_id` is the candidate the
event is about (consumers/subjects.py), and `key` what the relay keys it by on Kafka.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.actor import Actor
from domain.mail import EVENT_ID_NAMESPACE, event_id
from domain.personal import Personal

if TYPE_CHECKING:
    from eventsourcing.persistence import Notification

    from consumers.context import Context
    from consumers.subjects import Subjects

__all__ = ["EVENT_ID_NAMESPACE", "Message", "event_id"]
SKIPPED_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic", "by"}


@dataclass(frozen=True)
class Message:
    event_id: UUID
    position: int
    aggregate_type: str
    aggregate_id: UUID
    version: int
    type: str
    occurred_at: datetime
    actor: Actor
    data: dict[str, Any]
    subject_id: UUID | None = None

    @property
    def key(self) -> UUID:
        """The Kafka key: the candidate the event is about, else its own aggregate."""
        return self.subject_id or self.aggregate_id

    @classmethod
    def from_event(cls, domain_event: Any, position: int,
                   subject_id: UUID | None = None) -> Message:
        aggregate_type = type(domain_event).__qualname__.split(".")[0]
        return cls(
            event_id=event_id(domain_event.originator_id, domain_event.originator_version),
            position=position,
            aggregate_type=aggregate_type,
            aggregate_id=domain_event.originator_id,
            version=domain_event.originator_version,
            type=type(domain_event).__name__,
            occurred_at=domain_event.timestamp,
            actor=getattr(domain_event, "by", None) or Actor.system(),
            data={k: _plain(v) for k, v in vars(domain_event).items()
                  if k not in SKIPPED_FIELDS and not isinstance(v, Personal)},
            subject_id=subject_id,
        )

    def to_json(self) -> bytes:
        return json.dumps({
            "event_id": str(self.event_id),
            "position": self.position,
            "aggregate_type": self.aggregate_type,
            "aggregate_id": str(self.aggregate_id),
            "subject_id": str(self.subject_id) if self.subject_id else None,
            "version": self.version,
            "type": self.type,
            "occurred_at": self.occurred_at.isoformat(),
            "actor": {
                "user_id": str(self.actor.user_id),
                "role": self.actor.role,
                "rule_id": str(self.actor.rule_id) if self.actor.rule_id else None,
                "cause_event_id": str(self.actor.cause_event_id)
                if self.actor.cause_event_id else None,
                "depth": self.actor.depth,
            },
            "data": self.data,
        }, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Message:
        doc = json.loads(raw)
        actor = doc["actor"]
        return cls(
            event_id=UUID(doc["event_id"]),
            position=int(doc["position"]),
            aggregate_type=doc["aggregate_type"],
            aggregate_id=UUID(doc["aggregate_id"]),
            version=int(doc["version"]),
            type=doc["type"],
            occurred_at=datetime.fromisoformat(doc["occurred_at"]),
            actor=Actor(UUID(actor["user_id"]), actor.get("role"),
                        UUID(actor["rule_id"]) if actor.get("rule_id") else None,
                        UUID(actor["cause_event_id"]) if actor.get("cause_event_id") else None,
                        int(actor.get("depth") or 0)),
            data=doc["data"],
            subject_id=UUID(doc["subject_id"]) if doc.get("subject_id") else None,
        )


def _plain(value: Any) -> Any:
    """JSON-able form; personal values inside containers are dropped too."""
    if isinstance(value, Personal):
        return None
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(_plain(k)): _plain(v) for k, v in value.items() if not isinstance(v, Personal)}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value if not isinstance(v, Personal)]
    return value


def to_message(runtime: Context, notification: Notification,
               subjects: Subjects | None = None) -> Message:
    """The logged event as its integration message (with the candidate it is about, when
    `subjects` is given): what every transport, and a replay of a parked one, delivers."""
    event = runtime.rekindle.store.mapper.to_domain_event(notification)
    return Message.from_event(event, notification.id,
                              subjects.of(event) if subjects is not None else None)
