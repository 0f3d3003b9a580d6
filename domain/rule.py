"""An automation rule: when a trigger fires, for the candidates a filter selects, act.

The rule itself holds configuration and its run history (RuleRan); the rule engine in
consumers/automation.py evaluates it and records the effects as ordinary events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain import validation as v
from domain.actor import Actor
from domain.errors import ValidationFailed

TRIGGERS = ("candidate_created", "opportunity_created", "opportunity_archived", "tag_added",
            "consent_granted", "form_submitted")
LIST_FIELDS = ("source", "tag", "pool_id", "archive_reason")
FIELDS = (*LIST_FIELDS, "origin", "form_id", "posting_id")
OPS = ("equals", "contains", "in")
ACTIONS = ("add_to_pool", "add_tag", "notify", "send_campaign", "set_reminder",
           "request_consent")
MAX_CONDITIONS = 20
MAX_ACTIONS = 20
MAX_REMINDER_DAYS = 3650


class Rule(Aggregate):
    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @event("RuleCreated")
    def __init__(self, name: str, trigger: str, enabled: bool, filter: list[dict[str, Any]],
                 actions: list[dict[str, Any]], by: Actor) -> None:
        self.name = name
        self.trigger = trigger
        self.enabled = enabled
        self.filter = filter
        self.actions = actions
        self.runs = 0
        self.last_run_at: datetime | None = None

    @event("RuleChanged")
    def change(self, name: str, trigger: str, filter: list[dict[str, Any]],
               actions: list[dict[str, Any]], by: Actor) -> None:
        self.name = name
        self.trigger = trigger
        self.filter = filter
        self.actions = actions

    @event("RuleEnabled")
    def enable(self, by: Actor) -> None:
        self.enabled = True

    @event("RuleDisabled")
    def disable(self, by: Actor) -> None:
        self.enabled = False

    @event("RuleRan")
    def record_run(self, cause_event_id: UUID, candidate_id: UUID | None,
                   effects: list[dict[str, Any]], skipped: list[dict[str, Any]],
                   at: datetime, by: Actor) -> None:
        self.runs += 1
        self.last_run_at = at

    def matches(self, facts: Mapping[str, Any]) -> bool:
        return all(condition_holds(c, facts.get(c["field"])) for c in self.filter)


def condition_holds(condition: Mapping[str, Any], fact: Any) -> bool:
    """A condition on a list holds when one of its items satisfies it."""
    items = fact if isinstance(fact, list | tuple | set) else [fact]
    op, value = condition["op"], condition["value"]
    for item in items:
        if item is None:
            continue
        item = str(item)
        if op == "equals" and item == value:
            return True
        if op == "contains" and value.lower() in item.lower():
            return True
        if op == "in" and item in value:
            return True
    return False


def check_filter(conditions: Any) -> list[dict[str, Any]]:
    """Shape checks of a filter; each error names the offending condition and part."""
    if conditions is None:
        return []
    if not isinstance(conditions, list):
        raise ValidationFailed.field("filter", "must be a list of {field, op, value}")
    if len(conditions) > MAX_CONDITIONS:
        raise ValidationFailed.field("filter", f"must have at most {MAX_CONDITIONS} conditions")
    out = []
    for i, raw in enumerate(conditions):
        where = f"filter[{i}]"
        if not isinstance(raw, Mapping):
            raise ValidationFailed.field(where, "must be an object {field, op, value}")
        unknown = sorted(set(raw) - {"field", "op", "value"})
        if unknown:
            raise ValidationFailed.field(where, f"unknown keys: {', '.join(unknown)}")
        field = v.one_of(f"{where}.field", raw.get("field"), FIELDS)
        op = v.one_of(f"{where}.op", raw.get("op"), OPS)
        value: Any
        if op == "in":
            value = v.texts(f"{where}.value", raw.get("value"), max_len=200)
            if not value:
                raise ValidationFailed.field(f"{where}.value", "must be a non-empty list")
        else:
            value = v.text(f"{where}.value", raw.get("value"))
        if field in ("pool_id", "form_id", "posting_id") and op != "contains":
            values = value if isinstance(value, list) else [value]
            value = [str(v.uuid(f"{where}.value", x)) for x in values]
            value = value if op == "in" else value[0]
        out.append({"field": field, "op": op, "value": value})
    return out


def check_actions(actions: Any) -> list[dict[str, Any]]:
    """Shape checks of the actions; the caller checks the pools, users and campaigns named."""
    if not isinstance(actions, list) or not actions:
        raise ValidationFailed.field("actions", "give at least one action")
    if len(actions) > MAX_ACTIONS:
        raise ValidationFailed.field("actions", f"must have at most {MAX_ACTIONS} actions")
    return [_check_action(f"actions[{i}]", raw) for i, raw in enumerate(actions)]


def _check_action(where: str, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ValidationFailed.field(where, "must be an object with a type")
    kind = v.one_of(f"{where}.type", raw.get("type"), ACTIONS)
    allowed = {
        "add_to_pool": {"pool_id"},
        "add_tag": {"tag"},
        "notify": {"to", "message"},
        "send_campaign": {"campaign_id"},
        "set_reminder": {"in_days", "assignee", "note"},
        "request_consent": {"deadline_days"},
    }[kind]
    unknown = sorted(set(raw) - allowed - {"type"})
    if unknown:
        raise ValidationFailed.field(where, f"unknown keys for {kind}: {', '.join(unknown)}")
    action: dict[str, Any] = {"type": kind}
    if kind == "add_to_pool":
        action["pool_id"] = str(v.uuid(f"{where}.pool_id", raw.get("pool_id")))
    elif kind == "add_tag":
        action["tag"] = v.text(f"{where}.tag", raw.get("tag"), max_len=100)
    elif kind == "notify":
        action["to"] = _recipient(f"{where}.to", raw.get("to"))
        action["message"] = v.text(f"{where}.message", raw.get("message"), max_len=1000)
    elif kind == "send_campaign":
        action["campaign_id"] = str(v.uuid(f"{where}.campaign_id", raw.get("campaign_id")))
    elif kind == "request_consent":
        days = raw.get("deadline_days")
        if days is not None:
            if type(days) is not int or not 0 < days <= 365:
                raise ValidationFailed.field(f"{where}.deadline_days",
                                             "must be a whole number from 1 to 365")
            action["deadline_days"] = days
    else:
        days = raw.get("in_days")
        if type(days) is not int or not 0 <= days <= MAX_REMINDER_DAYS:
            raise ValidationFailed.field(f"{where}.in_days",
                                         f"must be a whole number from 0 to {MAX_REMINDER_DAYS}")
        action["in_days"] = days
        action["assignee"] = _recipient(f"{where}.assignee", raw.get("assignee"))
        action["note"] = v.text(f"{where}.note", raw.get("note"), max_len=1000)
    return action


def _recipient(where: str, value: Any) -> str:
    if value == "owner":
        return "owner"
    return str(v.uuid(where, value))


def referenced(actions: Iterable[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """(path, kind, id) of every pool, campaign and user the actions name."""
    out = []
    for i, action in enumerate(actions):
        for key, kind in (("pool_id", "pool"), ("campaign_id", "campaign"), ("to", "user"),
                          ("assignee", "user")):
            value = action.get(key)
            if value and value != "owner":
                out.append((f"actions[{i}].{key}", kind, value))
    return out
