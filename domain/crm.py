"""Commands of seed 004's CRM half: pools, rules, talent forms, reminders, notifications, campaigns.

A mixin of the `Rekindle` command service (domain/application.py): methods here use
`self.load`, `self.record`, `self.adapters` and `self.settings` like the core commands.
`run_rules` is the rule engine's domain half: consumers/automation.py feeds it one event at
a time and it records every effect of that event, plus the consumer's tracking, in one save.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Tracking

from domain import validation as v
from domain.actor import SYSTEM_USER_ID, Actor
from domain.campaign import Campaign
from domain.candidate import Candidate
from domain.commands import Recorded, T, command
from domain.commands import now as utc_now
from domain.errors import DomainError, Forbidden, NotFound, ValidationFailed
from domain.notification import Notification
from domain.opportunity import Opportunity
from domain.personal import Personal
from domain.pool import Pool
from domain.reminder import REMINDER_STATES, Reminder
from domain.rule import TRIGGERS, Rule, check_actions, check_filter, referenced
from domain.talent_form import TalentForm
from domain.user import User

RULE_ADMINS = ("super_admin", "admin", "system")
READ_ONLY_ROLES = ("auditor",)
MAX_RULE_DEPTH = 3
MAX_BATCH = 1000
INDEX_TAIL = 50
RULE_SNAPSHOT_INTERVAL = 50
OPPORTUNITY_CREATED_TOPIC = "domain.opportunity:Opportunity.OpportunityCreated"
RULE_CREATED_TOPIC = "domain.rule:Rule.RuleCreated"
REMINDER_SET_TOPIC = "domain.reminder:Reminder.ReminderSet"
POOL_TOPICS = ("domain.candidate:Candidate.AddedToPool",
               "domain.candidate:Candidate.RemovedFromPool")
PUBLIC = Actor(SYSTEM_USER_ID, "public")


def _ensure_writer(by: Actor) -> None:
    if by.role in READ_ONLY_ROLES:
        raise Forbidden("auditors read, they do not write")


class UnitOfWork:
    """The aggregates one engine step touches, loaded once, so several effects chain on them."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loaded: dict[UUID, Any] = {}
        self.created: list[Any] = []

    def get(self, cls: type[T], aggregate_id: UUID) -> T:
        if aggregate_id not in self.loaded:
            self.loaded[aggregate_id] = self.app.load(cls, aggregate_id)
        found = self.loaded[aggregate_id]
        if not isinstance(found, cls):
            raise NotFound(f"no {cls.__name__.lower()} with id {aggregate_id}")
        return found

    def add(self, aggregate: Any) -> None:
        self.created.append(aggregate)

    @property
    def aggregates(self) -> list[Any]:
        return [*self.loaded.values(), *self.created]


class BatchReads:
    """What a worker's batch reads once (read_once_per_batch): the rule ids, the rules loaded
    since, and the lookups already caught up with the log."""

    def __init__(self) -> None:
        self.ids: list[UUID] | None = None
        self.loaded: dict[UUID, Rule] = {}
        self.indexed: set[str] = set()


class CrmCommands:
    snapshotting_intervals: ClassVar[dict[type, int]] = {Rule: RULE_SNAPSHOT_INTERVAL}
    """A rule collects a RuleRan per run; snapshots keep loading it cheap for the engine."""

    # --- lookups over the event store (no read model needed, never stale) --------------------

    def _scan(self, topics: Iterable[str], start: int = 1) -> Iterable[tuple[int, Any]]:
        while True:
            batch = self.recorder.select_notifications(start=start, limit=500, topics=list(topics))
            for notification in batch:
                yield notification.id, self.mapper.to_domain_event(notification)
            if len(batch) < 500:
                return
            start = batch[-1].id + 1

    def _index(self, name: str, topic: str) -> dict[UUID, list[UUID]]:
        """Ids of created aggregates grouped by a key, caught up incrementally from the log
        (exact like a scan, without re-reading what this process already read)."""
        indexes = self.__dict__.setdefault("_crm_indexes", {})
        lock = self.__dict__.setdefault("_crm_index_lock", threading.Lock())
        batch = self._batch_reads()
        with lock:
            seen, grouped, known = indexes.get(name, (0, {}, set()))
            if name in batch.indexed:
                return grouped
            # The scan reaches the head even when it finds nothing of its topic there, so the
            # next one starts from it rather than rereading everything since the last find.
            head = self.recorder.max_notification_id() or 0
            # Re-read a short tail: a transaction holding a lower id may commit after a higher.
            for position, e in self._scan([topic], max(1, seen - INDEX_TAIL)):
                seen = max(seen, position)
                if e.originator_id in known:
                    continue
                known.add(e.originator_id)
                key = e.candidate_id if name == "opportunities" else None
                grouped.setdefault(key, []).append(e.originator_id)
            indexes[name] = (max(seen, head), grouped, known)
            batch.indexed.add(name)
            return grouped

    def opportunity_ids_of(self, candidate_id: UUID) -> list[UUID]:
        return list(self._index("opportunities", OPPORTUNITY_CREATED_TOPIC).get(candidate_id, []))

    def opportunities_of(self, candidate_id: UUID) -> list[Opportunity]:
        return [self.load(Opportunity, i) for i in self.opportunity_ids_of(candidate_id)]

    def pool_members(self, pool_id: UUID) -> list[UUID]:
        members: dict[UUID, bool] = {}
        for _, e in self._scan(POOL_TOPICS):
            if e.pool_id == pool_id:
                members[e.originator_id] = type(e).__name__ == "AddedToPool"
        return [c for c, member in members.items() if member]

    @contextmanager
    def read_once_per_batch(self) -> Iterator[None]:
        """Inside, this thread reads the rules, and catches each lookup up with the log, at
        most once.

        A worker enters it after reading a batch of events: the rules as of that read are
        the rules for every event of the batch, so the batch costs one query and one load
        per rule instead of one per event. A rule kept here is the one each run records on
        (its version stays current); any failure drops them, and the retry loads them again.
        A lookup (a candidate's opportunities) caught up inside holds everything recorded
        before the batch's events, which were read before it: the facts of each event stay
        exact, for two queries per batch instead of per event.
        """
        scope = self.__dict__.setdefault("_crm_scope", threading.local())
        scope.kept = BatchReads()
        try:
            yield
        finally:
            scope.kept = None

    def _batch_reads(self) -> BatchReads:
        """The batch's reads inside `read_once_per_batch`; outside it, nothing kept."""
        return getattr(self.__dict__.get("_crm_scope"), "kept", None) or BatchReads()

    def rules_for(self, trigger: str) -> list[Rule]:
        kept = self._batch_reads()
        if kept.ids is None:
            kept.ids = list(self._index("rules", RULE_CREATED_TOPIC).get(None, []))
        for rule_id in kept.ids:
            if rule_id not in kept.loaded:
                kept.loaded[rule_id] = self.load(Rule, rule_id)
        rules = [kept.loaded[i] for i in kept.ids]
        return [r for r in rules if r.enabled and r.trigger == trigger]

    # --- pools --------------------------------------------------------------------------------

    @command
    def create_pool(self, name: str, by: Actor, *, description: str | None = None) -> Recorded:
        _ensure_writer(by)
        pool = Pool(name=v.text("name", name),
                    description=v.text("description", description, required=False, max_len=2000),
                    by=by)
        return Recorded(pool.id, self.record(pool))

    @command
    def change_pool(self, pool_id: UUID, by: Actor, *, name: str | None = None,
                    description: str | None = None) -> Recorded:
        _ensure_writer(by)
        pool = self.load(Pool, pool_id)
        if name is not None and v.text("name", name) != pool.name:
            pool.rename(name=v.text("name", name), by=by)
        if description is not None:
            pool.describe(description=v.text("description", description, required=False,
                                              max_len=2000), by=by)
        return Recorded(pool.id, self.record(pool))

    @command
    def add_to_pool(self, pool_id: UUID, candidate_ids: list[UUID], by: Actor) -> Recorded:
        """All named candidates join, in one transaction, or none (an unknown id is a 422)."""
        _ensure_writer(by)
        self.load(Pool, pool_id)
        candidates = self._candidates("candidate_ids", candidate_ids)
        for candidate in candidates:
            candidate.ensure_live()
            if pool_id not in candidate.pool_ids:
                candidate.add_to_pool(pool_id=pool_id, by=by)
        return Recorded(pool_id, self.record(*candidates))

    @command
    def remove_from_pool(self, pool_id: UUID, candidate_id: UUID, by: Actor) -> Recorded:
        _ensure_writer(by)
        self.load(Pool, pool_id)
        candidate = self.load(Candidate, candidate_id)
        if pool_id not in candidate.pool_ids:
            raise NotFound("the candidate is not in this pool", {"candidate_id": str(candidate_id)})
        candidate.remove_from_pool(pool_id=pool_id, by=by)
        return Recorded(pool_id, self.record(candidate))

    def _candidates(self, field: str, candidate_ids: Any) -> list[Candidate]:
        if not isinstance(candidate_ids, list | tuple) or not candidate_ids:
            raise ValidationFailed.field(field, "give at least one candidate id")
        if len(candidate_ids) > MAX_BATCH:
            raise ValidationFailed.field(field, f"give at most {MAX_BATCH} ids")
        ids = list(dict.fromkeys(v.uuid(field, c) for c in candidate_ids))
        found, unknown = [], []
        for candidate_id in ids:
            try:
                found.append(self.load(Candidate, candidate_id))
            except NotFound:
                unknown.append(str(candidate_id))
        if unknown:
            raise ValidationFailed.field(field, f"unknown candidates: {', '.join(unknown)}")
        return found

    # --- rules --------------------------------------------------------------------------------

    @command
    def create_rule(self, name: str, trigger: str, by: Actor, *, filter: Any = None,
                    actions: Any = None, enabled: bool = True) -> Recorded:
        self._ensure_rule_admin(by)
        rule = Rule(name=v.text("name", name), trigger=v.one_of("trigger", trigger, TRIGGERS),
                    enabled=self._flag("enabled", enabled), filter=check_filter(filter),
                    actions=self._checked_actions(actions), by=by)
        return Recorded(rule.id, self.record(rule))

    @command
    def change_rule(self, rule_id: UUID, by: Actor, *, name: str | None = None,
                    trigger: str | None = None, filter: Any = None, actions: Any = None,
                    enabled: bool | None = None) -> Recorded:
        self._ensure_rule_admin(by)
        rule = self.load(Rule, rule_id)
        new = {
            "name": v.text("name", name) if name is not None else rule.name,
            "trigger": v.one_of("trigger", trigger, TRIGGERS) if trigger is not None
            else rule.trigger,
            "filter": check_filter(filter) if filter is not None else rule.filter,
            "actions": self._checked_actions(actions) if actions is not None else rule.actions,
        }
        if any(new[k] != getattr(rule, k) for k in new):
            rule.change(**new, by=by)
        if enabled is not None and self._flag("enabled", enabled) != rule.enabled:
            (rule.enable if enabled else rule.disable)(by=by)
        return Recorded(rule.id, self.record(rule))

    def _ensure_rule_admin(self, by: Actor) -> None:
        if by.role not in RULE_ADMINS:
            raise Forbidden("only admins create and change rules")

    @staticmethod
    def _flag(field: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationFailed.field(field, "must be true or false")
        return value

    def _checked_actions(self, actions: Any) -> list[dict[str, Any]]:
        checked = check_actions(actions)
        kinds = {"pool": Pool, "campaign": Campaign, "user": User}
        for path, kind, ref in referenced(checked):
            if not self.exists(kinds[kind], UUID(ref)):
                raise ValidationFailed.field(path, f"unknown {kind} {ref}")
        return checked

    # --- talent forms -------------------------------------------------------------------------

    @command
    def create_form(self, title: str, by: Actor, *, pool_id: UUID | None = None,
                    consent_text: str | None = None) -> Recorded:
        _ensure_writer(by)
        if pool_id is not None:
            pool_id = v.uuid("pool_id", pool_id)
            if not self.exists(Pool, pool_id):
                raise ValidationFailed.field("pool_id", f"unknown pool {pool_id}")
        form = TalentForm(title=v.text("title", title), pool_id=pool_id,
                          consent_text=v.text("consent_text", consent_text, required=False,
                                              max_len=5000), by=by)
        return Recorded(form.id, self.record(form))

    def submit_form(self, form_id: UUID, name: str, email: str, *, consent: bool,
                    phone: str | None = None, interests: list[str] | None = None) -> Recorded:
        """Public: creates the candidate, or updates the live one with that email (follow-up)."""
        form = self.load(TalentForm, form_id)
        name = v.text("name", name)
        email = v.email("email", email)
        phones = v.texts("phone", [phone] if phone else [], max_len=40)
        interests = v.texts("interests", interests, max_len=200, max_items=50)
        consent = self._flag("consent", consent)
        existing = self.find_candidate_by_email(email)
        if existing is None:
            candidate_id = self.create_candidate(name, [email], PUBLIC, phones=phones,
                                                 sources=[form.source], origin="applied").id
        else:
            candidate = self.load(Candidate, existing)
            changes: dict[str, Any] = {"name": name}
            if phones:
                changes["phones"] = list(dict.fromkeys([*candidate.profile["phones"], *phones]))
            if form.source not in candidate.sources:
                changes["sources"] = [*candidate.sources, form.source]
            candidate_id = self.update_profile(existing, changes, PUBLIC).id
        to_save: list[Any] = []
        if form.pool_id is not None:
            candidate = self.load(Candidate, candidate_id)
            if form.pool_id not in candidate.pool_ids:
                candidate.add_to_pool(pool_id=form.pool_id, by=PUBLIC)
                to_save.append(candidate)
        if to_save:
            self.record(*to_save)
        if consent:
            self.grant_consent(candidate_id, PUBLIC, channel="form")
        return self._record_submission(form_id, candidate_id, existing is None, consent, interests)

    @command
    def _record_submission(self, form_id: UUID, candidate_id: UUID, new: bool, consent: bool,
                           interests: list[str]) -> Recorded:
        form = self.load(TalentForm, form_id)
        form.submit(candidate_id=candidate_id, new_candidate=new, consent=consent,
                    interests=Personal(candidate_id, {"interests": interests}), by=PUBLIC)
        return Recorded(candidate_id, self.record(form), {"form_id": form_id})

    # --- reminders and notifications ----------------------------------------------------------

    @command
    def set_reminder(self, candidate_id: UUID, due_at: datetime, note: str, by: Actor, *,
                     assignee_id: UUID | None = None) -> Recorded:
        _ensure_writer(by)
        reminder = self._new_reminder(self.load(Candidate, candidate_id), due_at, note,
                                      assignee_id or by.user_id, by)
        return Recorded(reminder.id, self.record(reminder))

    def _new_reminder(self, candidate: Candidate, due_at: Any, note: Any, assignee_id: UUID,
                      by: Actor) -> Reminder:
        candidate.ensure_live()
        if not isinstance(due_at, datetime) or due_at.tzinfo is None:
            raise ValidationFailed.field("due_at", "must be a timestamp with a timezone")
        assignee_id = v.uuid("assignee_id", assignee_id)
        if assignee_id != by.user_id and not self.exists(User, assignee_id):
            raise ValidationFailed.field("assignee_id", f"unknown user {assignee_id}")
        return Reminder(candidate_id=candidate.id, assignee_id=assignee_id, due_at=due_at,
                        note=Personal(candidate.id, {"note": v.text("note", note, max_len=5000)}),
                        by=by)

    @command
    def dismiss_reminder(self, reminder_id: UUID, by: Actor) -> Recorded:
        _ensure_writer(by)
        reminder = self.load(Reminder, reminder_id)
        if reminder.status != "dismissed":
            reminder.dismiss(by=by)
        return Recorded(reminder.id, self.record(reminder))

    def fire_due_reminders(self, now: datetime | None = None, *,
                           reminder_ids: Iterable[UUID] | None = None) -> int:
        """Each due reminder and its notification commit together; a lost race skips it."""
        now = now or utc_now()
        ids = reminder_ids if reminder_ids is not None else [
            e.originator_id for _, e in self._scan([REMINDER_SET_TOPIC])]
        fired = 0
        for reminder_id in ids:
            try:
                reminder = self.load(Reminder, reminder_id)
            except NotFound:
                continue
            if not reminder.is_due(now):
                continue
            system = Actor.system()
            reminder.fall_due(at=now, by=system)
            notification = Notification(recipient_id=reminder.assignee_id,
                                        candidate_id=reminder.candidate_id,
                                        reason="reminder_due", message="Reminder due", by=system)
            try:
                self.record(reminder, notification)
            except IntegrityError:
                continue
            fired += 1
        return fired

    # --- campaigns ----------------------------------------------------------------------------

    @command
    def create_campaign(self, name: str, subject: str, body: str, by: Actor) -> Recorded:
        _ensure_writer(by)
        campaign = Campaign(name=v.text("name", name), subject=v.text("subject", subject),
                            body=v.text("body", body, max_len=100_000), by=by)
        return Recorded(campaign.id, self.record(campaign))

    @command
    def send_campaign(self, campaign_id: UUID, by: Actor, *, candidate_ids: Any = None,
                      pool_id: UUID | None = None) -> Recorded:
        """Only candidates with consent granted receive it; the rest are skipped with a reason."""
        _ensure_writer(by)
        if (candidate_ids is None) == (pool_id is None):
            raise ValidationFailed.field("candidate_ids", "give either candidate_ids or pool_id")
        campaign = self.load(Campaign, campaign_id)
        if pool_id is not None:
            pool_id = v.uuid("pool_id", pool_id)
            self.load(Pool, pool_id)
            candidates = [self.load(Candidate, c) for c in self.pool_members(pool_id)]
        else:
            candidates = self._candidates("candidate_ids", candidate_ids)
        sent, skipped = self._deliver(campaign, candidates, by)
        return Recorded(campaign.id, self.record(campaign),
                         {"sent": [str(c) for c in sent], "skipped": skipped})

    @staticmethod
    def _deliver(campaign: Campaign, candidates: list[Candidate], by: Actor
                 ) -> tuple[list[UUID], list[dict[str, Any]]]:
        sent, skipped = [], []
        for candidate in candidates:
            reason = campaign_skip_reason(candidate)
            if reason:
                skipped.append({"candidate_id": candidate.id, "reason": reason})
            else:
                sent.append(candidate.id)
        campaign.send(candidate_ids=sent, skipped=skipped, by=by)
        return sent, [{"candidate_id": str(s["candidate_id"]), "reason": s["reason"]}
                      for s in skipped]

    # --- seed 004 step 4: a new position for known candidates ---------------------------------

    def put_forward(self, candidate_ids: Any, posting_id: UUID, by: Actor) -> Recorded:
        """One opportunity per candidate for the posting; those already on it are skipped."""
        _ensure_writer(by)
        posting_id = v.uuid("posting_id", posting_id)
        self.choose_posting(posting_id, by)
        candidates = self._candidates("candidate_ids", candidate_ids)
        created: dict[str, str] = {}
        skipped: list[dict[str, str]] = []
        position = None
        for candidate in candidates:
            if any(o.posting_id == posting_id for o in self.opportunities_of(candidate.id)):
                skipped.append({"candidate_id": str(candidate.id), "reason": "already_on_posting"})
                continue
            try:
                done = self.add_opportunity(candidate.id, by, posting_id=posting_id)
            except DomainError as error:
                skipped.append({"candidate_id": str(candidate.id), "reason": error.code})
                continue
            created[str(candidate.id)] = str(done.id)
            position = done.position
        return Recorded(posting_id, position, {"opportunities": created, "skipped": skipped})

    # --- the rule engine's domain half --------------------------------------------------------

    def run_rules(self, trigger: str, cause: CauseEvent, tracking: Tracking) -> int | None:
        """Runs every enabled rule of the trigger for one event, and records all effects with
        the consumer's tracking in one transaction (IntegrityError: already done, or a race)."""
        return self.run_rules_together([(trigger, cause)], tracking)

    def run_rules_together(self, steps: Sequence[tuple[str, CauseEvent]],
                           tracking: Tracking) -> int | None:
        """Runs the rules for several events in their order, and records all their effects with
        the consumer's tracking (the last event's) in one transaction.

        The steps share one unit of work, so a later event sees the earlier ones' effects
        exactly as if each had been recorded on its own.
        """
        uow = UnitOfWork(self)
        try:
            for trigger, cause in steps:
                self._rule_step(trigger, cause, uow)
            if not uow.aggregates:
                return None  # nothing to record; the worker records its position per batch
            return self.record(*uow.aggregates, tracking=tracking)
        except BaseException:
            self._batch_reads().loaded.clear()  # they may hold unsaved runs, or be stale
            raise

    def _rule_step(self, trigger: str, cause: CauseEvent, uow: UnitOfWork) -> None:
        if cause.actor.depth >= MAX_RULE_DEPTH:
            return
        rules = [r for r in self.rules_for(trigger) if r.id != cause.actor.rule_id]
        if rules:
            facts = self.facts_for(cause, uow)
            for rule in rules:
                if rule.matches(facts):
                    uow.loaded.setdefault(rule.id, rule)
                    self._run_rule(rule, cause, uow)

    def facts_for(self, cause: CauseEvent, uow: UnitOfWork) -> dict[str, Any]:
        """What a filter sees: lists over the candidate and all its opportunities (loaded into
        the step's unit of work, where the actions find them again)."""
        facts: dict[str, Any] = {"source": [], "tag": [], "pool_id": [], "archive_reason": [],
                                 "origin": None, "form_id": cause.form_id, "posting_id": None}
        if cause.candidate_id is None:
            return facts
        try:
            candidate = uow.get(Candidate, cause.candidate_id)
        except NotFound:
            return facts
        opportunities = [uow.get(Opportunity, i) for i in self.opportunity_ids_of(candidate.id)]
        facts["source"] = list(dict.fromkeys(
            [*candidate.sources, *(s for o in opportunities for s in o.sources)]))
        facts["tag"] = list(dict.fromkeys(
            [*candidate.tags, *(t for o in opportunities for t in o.tags)]))
        facts["pool_id"] = [str(p) for p in candidate.pool_ids]
        facts["archive_reason"] = list(dict.fromkeys(
            o.archived["reason"] for o in opportunities if o.archived))
        facts["origin"] = candidate.origin
        trigger_opportunity = next((o for o in opportunities if o.id == cause.opportunity_id), None)
        if trigger_opportunity is not None:
            facts["origin"] = trigger_opportunity.origin
            facts["posting_id"] = (str(trigger_opportunity.posting_id)
                                   if trigger_opportunity.posting_id else None)
        return facts

    def _run_rule(self, rule: Rule, cause: CauseEvent, uow: UnitOfWork) -> None:
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
        rule.record_run(cause_event_id=cause.event_id, candidate_id=cause.candidate_id,
                        effects=effects, skipped=skipped, at=utc_now(), by=by)

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
            tag = action["tag"]
            if cause.opportunity_id is not None:
                opportunity = uow.get(Opportunity, cause.opportunity_id)
                if tag in opportunity.tags:
                    return {}
                opportunity.add_tag(tag=tag, by=by)
                return {"type": kind, "opportunity_id": str(opportunity.id), "tag": tag}
            if tag in candidate.tags:
                return {}
            candidate.tag(tag=tag, by=by)
            return {"type": kind, "candidate_id": str(candidate.id), "tag": tag}
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
            campaign = uow.get(Campaign, UUID(action["campaign_id"]))
            sent, skipped = self._deliver(campaign, [candidate], by)
            if skipped:
                return {"skipped": skipped[0]["reason"]}
            return {"type": kind, "campaign_id": str(campaign.id), "candidate_id": str(sent[0])}
        if kind == "set_reminder":
            assignee = self._recipient(action["assignee"], candidate, cause, uow)
            if assignee is None:
                return {"skipped": "no_owner"}
            reminder = self._new_reminder(candidate, utc_now() + timedelta(days=action["in_days"]),
                                          action["note"], assignee, by)
            uow.add(reminder)
            return {"type": kind, "reminder_id": str(reminder.id), "assignee_id": str(assignee)}
        raise ValidationFailed.field("type", f"unknown action {kind}")

    def _recipient(self, to: str, candidate: Candidate, cause: CauseEvent,
                   uow: UnitOfWork) -> UUID | None:
        """`owner`: the triggering opportunity's owner, else the candidate's latest one's,
        else the user who created the candidate (not the system or the public)."""
        if to != "owner":
            return UUID(to)
        if cause.opportunity_id is not None:
            return uow.get(Opportunity, cause.opportunity_id).owner_id
        opportunities = self.opportunities_of(candidate.id)
        if opportunities:
            return opportunities[-1].owner_id
        return candidate.created_by if candidate.created_by != SYSTEM_USER_ID else None


class CauseEvent:
    """The event a rule reacts to, reduced to what the engine needs."""

    def __init__(self, event_id: UUID, actor: Actor, candidate_id: UUID | None, *,
                 opportunity_id: UUID | None = None, form_id: UUID | None = None) -> None:
        self.event_id = event_id
        self.actor = actor
        self.candidate_id = candidate_id
        self.opportunity_id = opportunity_id
        self.form_id = str(form_id) if form_id else None


def campaign_skip_reason(candidate: Candidate) -> str | None:
    if candidate.is_anonymized:
        return "anonymized"
    if candidate.deletion_requested_at is not None:
        return "deletion_requested"
    if candidate.consent.status != "granted":
        return f"consent_{candidate.consent.status}"
    return None


def reminder_status(value: Any) -> str:
    return v.one_of("status", value, REMINDER_STATES)
