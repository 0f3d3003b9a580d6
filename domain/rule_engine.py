"""The rule engine: when a trigger fires, for the candidates a rule's filter selects, act.

A rule's filter sees lists over the candidate and all their opportunities (sources, tags,
pools, archive reasons), plus the origin and posting of the triggering opportunity and the
form of a submission. Its actions add to a pool, tag, notify, send a campaign (only with
consent granted, else recorded as skipped), set a reminder or request consent (mailed,
unless consent is granted or already requested). Effects are ordinary events
whose actor names the rule and the event that caused them; a rule never reacts to its own
effects, and chains of rules stop after MAX_DEPTH steps. Each run is recorded as a RuleRun.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import Tracking

from domain.actor import SYSTEM_USER_ID, Actor
from domain.campaign import Campaign
from domain.candidate import Candidate
from domain.commands.campaigns import deliver
from domain.commands.consent import Consent
from domain.commands.reminders import new_reminder
from domain.errors import DomainError, NotFound, ValidationFailed
from domain.lookups import Lookups
from domain.notification import Notification
from domain.opportunity import Opportunity
from domain.pool import Pool
from domain.recorded import now
from domain.rule import Rule
from domain.rule_run import RuleRun
from domain.store import EventStore

T = TypeVar("T")
MAX_DEPTH = 3


class CauseEvent:
    """The event a rule reacts to, reduced to what the engine needs."""

    def __init__(self, event_id: UUID, actor: Actor, candidate_id: UUID | None, *,
                 opportunity_id: UUID | None = None, form_id: UUID | None = None) -> None:
        self.event_id = event_id
        self.actor = actor
        self.candidate_id = candidate_id
        self.opportunity_id = opportunity_id
        self.form_id = str(form_id) if form_id else None


class UnitOfWork:
    """The aggregates one batch of steps touches, loaded once, so effects chain on them."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.loaded: dict[UUID, Any] = {}
        self.created: list[Any] = []

    def get(self, cls: type[T], aggregate_id: UUID) -> T:
        if aggregate_id not in self.loaded:
            self.loaded[aggregate_id] = self.store.load(cls, aggregate_id)
        found = self.loaded[aggregate_id]
        if not isinstance(found, cls):
            raise NotFound(f"no {cls.__name__.lower()} with id {aggregate_id}")
        return found

    def preload(self, cls: type, aggregate_ids: Iterable[UUID]) -> None:
        """Loads those not loaded yet together (a batch's candidates: two queries, not two
        each); an id not found is left for `get` to report."""
        wanted = [i for i in dict.fromkeys(aggregate_ids) if i not in self.loaded]
        if len(wanted) > 1:
            self.loaded.update(self.store.load_many(cls, wanted))

    def add(self, aggregate: Any) -> None:
        self.created.append(aggregate)

    @property
    def aggregates(self) -> list[Any]:
        return [*self.loaded.values(), *self.created]


class RuleEngine:
    def __init__(self, store: EventStore, lookups: Lookups, consent: Consent) -> None:
        self.store = store
        self.lookups = lookups
        self.consent = consent

    def rules_for(self, trigger: str) -> list[Rule]:
        return [r for r in self.lookups.rules() if r.enabled and r.trigger == trigger]

    def run(self, steps: Sequence[tuple[str, CauseEvent]], tracking: Tracking, *,
            skip_recorded: bool = False) -> int | None:
        """Runs the rules for several events in their order, and records all their effects
        with the consumer's tracking (the last event's) in one transaction.

        The steps share one unit of work, so a later event sees the earlier ones' effects
        exactly as if each had been recorded on its own. With `skip_recorded`, a rule whose
        run for that cause is already stored is not run again (its effects were recorded
        with it); it costs a read per run, so callers ask for it after a write conflict.
        """
        uow = UnitOfWork(self.store)
        try:
            self._preload(steps, uow)
            for trigger, cause in steps:
                self._step(trigger, cause, uow, skip_recorded)
            if not uow.aggregates:
                return None  # nothing to record; the worker records its position per batch
            return self.store.record(*uow.aggregates, tracking=tracking)
        except BaseException:
            self.lookups.forget_batch()
            raise

    def _preload(self, steps: Sequence[tuple[str, CauseEvent]], uow: UnitOfWork) -> None:
        """What the filters of many steps will read, loaded at once: their candidates, then
        those candidates' opportunities."""
        candidates = [c.candidate_id for _, c in steps if c.candidate_id is not None]
        uow.preload(Candidate, candidates)
        uow.preload(Opportunity, [o for c in candidates
                                  for o in self.lookups.opportunity_ids_of(c)])

    def _step(self, trigger: str, cause: CauseEvent, uow: UnitOfWork,
              skip_recorded: bool = False) -> None:
        if cause.actor.depth >= MAX_DEPTH:
            return
        rules = [r for r in self.rules_for(trigger) if r.id != cause.actor.rule_id]
        if skip_recorded:
            rules = [r for r in rules
                     if not self.store.was_recorded(RuleRun.id_for(r.id, cause.event_id))]
        if rules:
            facts = self.facts_for(cause, uow)
            for rule in rules:
                if rule.matches(facts):
                    self._run(rule, cause, uow)

    def facts_for(self, cause: CauseEvent, uow: UnitOfWork) -> dict[str, Any]:
        """What a filter sees: lists over the candidate and all their opportunities (loaded
        into the unit of work, where the actions find them again)."""
        facts: dict[str, Any] = {"source": [], "tag": [], "pool_id": [], "archive_reason": [],
                                 "origin": None, "form_id": cause.form_id, "posting_id": None}
        if cause.candidate_id is None:
            return facts
        try:
            candidate = uow.get(Candidate, cause.candidate_id)
        except NotFound:
            return facts
        opportunities = [uow.get(Opportunity, i)
                         for i in self.lookups.opportunity_ids_of(candidate.id)]
        facts["source"] = list(dict.fromkeys(
            [*candidate.sources, *(s for o in opportunities for s in o.sources)]))
        facts["tag"] = list(dict.fromkeys(
            [*candidate.tags, *(t for o in opportunities for t in o.tags)]))
        facts["pool_id"] = [str(p) for p in candidate.pool_ids]
        facts["archive_reason"] = list(dict.fromkeys(
            o.archived["reason"] for o in opportunities if o.archived))
        facts["origin"] = candidate.origin
        trigger_opportunity = next((o for o in opportunities if o.id == cause.opportunity_id),
                                   None)
        if trigger_opportunity is not None:
            facts["origin"] = trigger_opportunity.origin
            facts["posting_id"] = (str(trigger_opportunity.posting_id)
                                   if trigger_opportunity.posting_id else None)
        return facts

    def _run(self, rule: Rule, cause: CauseEvent, uow: UnitOfWork) -> None:
        by = cause.actor.caused(rule.id, cause.event_id)
        effects: list[dict[str, Any]] = []
        skipped: list[dict[str, Any]] = []
        for action in rule.actions:
            try:
                effect = self._apply(action, cause, uow, by)
            except DomainError as error:
                skipped.append({"action": action["type"], "reason": error.code,
                                "message": error.message})
                continue
            if effect.get("skipped"):
                skipped.append({"action": action["type"], "reason": effect["skipped"]})
            elif effect:
                effects.append(effect)
        uow.add(RuleRun(id=RuleRun.id_for(rule.id, cause.event_id), rule_id=rule.id,
                        cause_event_id=cause.event_id, candidate_id=cause.candidate_id,
                        effects=effects, skipped=skipped, at=now(), by=by))

    def _apply(self, action: Mapping[str, Any], cause: CauseEvent, uow: UnitOfWork,
               by: Actor) -> dict[str, Any]:
        kind = action["type"]
        if cause.candidate_id is None:
            return {"skipped": "no_candidate"}
        candidate = uow.get(Candidate, cause.candidate_id)
        if candidate.is_anonymized:
            return {"skipped": "anonymized"}
        if kind == "add_to_pool":
            pool_id = UUID(action["pool_id"])
            uow.get(Pool, pool_id)
            if pool_id in candidate.pool_ids:
                return {}
            candidate.add_to_pool(pool_id=pool_id, by=by)
            return {"type": kind, "candidate_id": str(candidate.id), "pool_id": str(pool_id)}
        if kind == "add_tag":
            return self._tag(action["tag"], candidate, cause, uow, by)
        if kind == "notify":
            recipient = self._recipient(action["to"], candidate, cause, uow)
            if recipient is None:
                return {"skipped": "no_owner"}
            notification = Notification(recipient_id=recipient, candidate_id=candidate.id,
                                        reason="rule", message=action["message"], by=by)
            uow.add(notification)
            return {"type": kind, "notification_id": str(notification.id),
                    "recipient_id": str(recipient)}
        if kind == "send_campaign":
            campaign = self.store.load(Campaign, UUID(action["campaign_id"]))
            sent, skipped = deliver(campaign, [candidate], by)
            if skipped:
                return {"skipped": skipped[0]["reason"]}
            return {"type": kind, "campaign_id": str(campaign.id), "candidate_id": str(sent[0])}
        if kind == "set_reminder":
            assignee = self._recipient(action["assignee"], candidate, cause, uow)
            if assignee is None:
                return {"skipped": "no_owner"}
            reminder = new_reminder(self.store, candidate,
                                    now() + timedelta(days=action["in_days"]), action["note"],
                                    assignee, by)
            uow.add(reminder)
            return {"type": kind, "reminder_id": str(reminder.id), "assignee_id": str(assignee)}
        if kind == "request_consent":
            status = candidate.consent.status
            if status in ("granted", "requested"):
                return {"skipped": f"consent_{status}"}
            for text in self.consent.ask(candidate, by, deadline_days=action.get("deadline_days")):
                if text is not None:
                    uow.add(text)
            return {"type": kind, "candidate_id": str(candidate.id)}
        raise ValidationFailed.field("type", f"unknown action {kind}")

    @staticmethod
    def _tag(tag: str, candidate: Candidate, cause: CauseEvent, uow: UnitOfWork,
             by: Actor) -> dict[str, Any]:
        """Tags the triggering opportunity, or the candidate when no opportunity triggered."""
        if cause.opportunity_id is not None:
            opportunity = uow.get(Opportunity, cause.opportunity_id)
            if tag in opportunity.tags:
                return {}
            opportunity.add_tag(tag=tag, by=by)
            return {"type": "add_tag", "opportunity_id": str(opportunity.id), "tag": tag}
        if tag in candidate.tags:
            return {}
        candidate.tag(tag=tag, by=by)
        return {"type": "add_tag", "candidate_id": str(candidate.id), "tag": tag}

    def _recipient(self, to: str, candidate: Candidate, cause: CauseEvent,
                   uow: UnitOfWork) -> UUID | None:
        """`owner`: the triggering opportunity's owner, else the candidate's latest one's,
        else the user who created the candidate (not the system or the public)."""
        if to != "owner":
            return UUID(to)
        if cause.opportunity_id is not None:
            return uow.get(Opportunity, cause.opportunity_id).owner_id
        opportunities = self.lookups.opportunities_of(candidate.id)
        if opportunities:
            return opportunities[-1].owner_id
        return candidate.created_by if candidate.created_by != SYSTEM_USER_ID else None
