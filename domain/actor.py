"""Who did it, and, for automated effects, which rule and which event caused it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Transcoding

SYSTEM_USER_ID = UUID(int=0)


@dataclass(frozen=True)
class Actor:
    """Recorded on every event: the user, their role then, and for rule effects the cause."""

    user_id: UUID
    role: str | None = None
    rule_id: UUID | None = None
    cause_event_id: UUID | None = None
    depth: int = 0

    @classmethod
    def system(cls) -> Actor:
        return cls(SYSTEM_USER_ID, "system")

    def caused(self, rule_id: UUID, event_id: UUID) -> Actor:
        """The provenance of an effect a rule ran on behalf of this actor's event."""
        return Actor(SYSTEM_USER_ID, "system", rule_id, event_id, self.depth + 1)


class ActorAsDict(Transcoding):
    type = Actor
    name = "actor"

    def encode(self, obj: Actor) -> dict[str, Any]:
        data: dict[str, Any] = {"u": obj.user_id.hex, "o": obj.role}
        if obj.rule_id:
            data.update(r=obj.rule_id.hex, e=obj.cause_event_id.hex if obj.cause_event_id else None,
                        d=obj.depth)
        return data

    def decode(self, data: dict[str, Any]) -> Actor:
        return Actor(
            UUID(data["u"]),
            data.get("o"),
            UUID(data["r"]) if data.get("r") else None,
            UUID(data["e"]) if data.get("e") else None,
            int(data.get("d", 0)),
        )
