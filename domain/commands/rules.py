"""Automation rules: admins create and change them; the rule engine runs them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain import access
from domain import validation as v
from domain.actor import Actor
from domain.campaign import Campaign
from domain.errors import ValidationFailed
from domain.pool import Pool
from domain.recorded import Recorded, command, ensure_version
from domain.rule import TRIGGERS, Rule, check_actions, check_filter, referenced
from domain.store import EventStore
from domain.user import User

REFERENCED_KINDS = {"pool": Pool, "campaign": Campaign, "user": User}


class Rules:
    def __init__(self, store: EventStore) -> None:
        self.store = store

    @command
    def create(self, name: str, trigger: str, by: Actor, *, filter: Any = None,
               actions: Any = None, enabled: bool = True) -> Recorded:
        access.ensure_admin(by, "create and change rules")
        rule = Rule(name=v.text("name", name), trigger=v.one_of("trigger", trigger, TRIGGERS),
                    enabled=v.flag("enabled", enabled), filter=check_filter(filter),
                    actions=self._checked_actions(actions), by=by)
        return Recorded(rule.id, self.store.record(rule))

    @command
    def change(self, rule_id: UUID, by: Actor, *, name: str | None = None,
               trigger: str | None = None, filter: Any = None, actions: Any = None,
               enabled: bool | None = None, expected_version: int | None = None) -> Recorded:
        access.ensure_admin(by, "create and change rules")
        rule = self.store.load(Rule, rule_id)
        ensure_version(rule, expected_version)
        new = {
            "name": v.text("name", name) if name is not None else rule.name,
            "trigger": v.one_of("trigger", trigger, TRIGGERS) if trigger is not None
            else rule.trigger,
            "filter": check_filter(filter) if filter is not None else rule.filter,
            "actions": self._checked_actions(actions) if actions is not None else rule.actions,
        }
        if any(new[k] != getattr(rule, k) for k in new):
            rule.change(**new, by=by)
        if enabled is not None and v.flag("enabled", enabled) != rule.enabled:
            (rule.enable if enabled else rule.disable)(by=by)
        return Recorded(rule.id, self.store.record(rule))

    def _checked_actions(self, actions: Any) -> list[dict[str, Any]]:
        checked = check_actions(actions)
        for path, kind, ref in referenced(checked):
            if not self.store.exists(REFERENCED_KINDS[kind], UUID(ref)):
                raise ValidationFailed.field(path, f"unknown {kind} {ref}")
        return checked
