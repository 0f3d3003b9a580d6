"""An event from the applicant tracking system, as it arrives: checked field by field.

    {event_id, type: "application.rejected"|"application.hired"|"candidate.updated",
     occurred_at, candidate: {external_id, name, email, phone?},
     job?: {external_id, title}, rejection_reason?, last_stage?}
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain import validation as v
from domain.errors import ValidationFailed

ATS_EVENT_TYPES = ("application.rejected", "application.hired", "candidate.updated")


def parse_ats_message(message: Any, stages: tuple[str, ...]) -> dict[str, Any]:
    """Checks an inbound ATS message; every problem is named by its field."""
    if not isinstance(message, Mapping):
        raise ValidationFailed("the message must be a JSON object", {"_schema": ["not an object"]})
    problems: dict[str, list[str]] = {}

    def check(field: str, fn: Any) -> Any:
        try:
            return fn()
        except ValidationFailed as error:
            for key, messages in error.details.items():
                problems.setdefault(key, []).extend(messages)
            return None

    known = {"event_id", "type", "occurred_at", "candidate", "job", "rejection_reason",
             "last_stage"}
    for key in sorted(set(message) - known):
        problems[key] = ["unknown field"]
    event_id = check("event_id", lambda: v.text("event_id", message.get("event_id"),
                                                 max_len=200))
    kind = check("type", lambda: v.one_of("type", message.get("type"), ATS_EVENT_TYPES))
    occurred = message.get("occurred_at")
    try:
        occurred_at = datetime.fromisoformat(str(occurred).replace("Z", "+00:00"))
        if occurred_at.tzinfo is None:
            raise ValueError
    except ValueError:
        problems.setdefault("occurred_at", []).append("must be an ISO 8601 timestamp with a "
                                                       "timezone")
    person = message.get("candidate")
    candidate: dict[str, Any] = {}
    if not isinstance(person, Mapping):
        problems.setdefault("candidate", []).append("must be an object")
    else:
        candidate = {
            "external_id": check("candidate.external_id", lambda: v.text(
                "candidate.external_id", person.get("external_id"), max_len=200)),
            "name": check("candidate.name", lambda: v.text("candidate.name", person.get("name"))),
            "email": check("candidate.email",
                           lambda: v.email("candidate.email", person.get("email"))),
            "phone": check("candidate.phone", lambda: v.text(
                "candidate.phone", person.get("phone"), required=False, max_len=40)),
        }
    job = message.get("job")
    if job is not None and not isinstance(job, Mapping):
        problems.setdefault("job", []).append("must be an object")
    reason = check("rejection_reason", lambda: v.text(
        "rejection_reason", message.get("rejection_reason"), required=False, max_len=100))
    stage = check("last_stage", lambda: v.text("last_stage", message.get("last_stage"),
                                               required=False, max_len=100))
    if problems:
        raise ValidationFailed("the ATS message is malformed", problems)
    return {"event_id": event_id, "type": kind, "candidate": candidate,
            "job": dict(job) if job else None, "rejection_reason": reason, "last_stage": stage}

