"""The rule engine (domain/rule_engine.py) as a worker handler, on either transport.

Each integration message that maps to a trigger runs the enabled rules of that trigger;
every effect of the message and the handler's tracking commit in one transaction, so a
redelivered message changes nothing. Effects carry their cause (rule id, event id, depth):
a rule never reacts to its own effects, and chains stop at depth 3.

A write conflict that the tracking does not explain is tried once more at once, skipping
the rule runs already recorded (a run's id is derived from its rule and cause, so a run
recorded under another tracking name, say another partition's before the topic's key
changed, is never run twice); if that loses a race too, delivery tries again on fresh
state (consumers/delivery.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Tracking

from consumers.delivery import recorded_already
from consumers.messages import Message
from domain.errors import NotFound
from domain.opportunity import Opportunity
from domain.rule_engine import CauseEvent, RuleEngine

if TYPE_CHECKING:
    from consumers.context import Context
    from domain.store import EventStore

log = logging.getLogger(__name__)

TRIGGERS = {
    "CandidateCreated": "candidate_created",
    "OpportunityCreated": "opportunity_created",
    "OpportunityArchived": "opportunity_archived",
    "TagAdded": "tag_added",
    "CandidateTagged": "tag_added",
    "ConsentGranted": "consent_granted",
    "FormSubmitted": "form_submitted",
}


def trigger_of(message: Message) -> str | None:
    return TRIGGERS.get(message.type)


def ruled_trigger(message: Message, engine: RuleEngine) -> str | None:
    """The message's trigger if an enabled rule has it: the others need no cause looked up
    (which may load the opportunity) and record nothing."""
    trigger = trigger_of(message)
    return trigger if trigger is not None and engine.rules_for(trigger) else None


def cause_of(message: Message, store: EventStore) -> CauseEvent:
    """Which candidate (and opportunity, form) the event is about."""
    opportunity_id = form_id = None
    if message.aggregate_type == "Opportunity":
        opportunity_id = message.aggregate_id
        candidate_id = message.subject_id or message.data.get("candidate_id")
        if candidate_id is None:  # a message from before subjects were in it
            try:
                candidate_id = store.load(Opportunity, opportunity_id).candidate_id
            except NotFound:
                candidate_id = None
    elif message.aggregate_type in ("TalentForm", "FormSubmission"):
        # a submission's own aggregate names its form; earlier ones were on the form
        form_id = message.data.get("form_id") or message.aggregate_id
        candidate_id = message.data.get("candidate_id")
    else:
        candidate_id = message.aggregate_id
    if isinstance(candidate_id, str):
        candidate_id = UUID(candidate_id)
    return CauseEvent(message.event_id, message.actor, candidate_id,
                      opportunity_id=opportunity_id, form_id=form_id)


class AutomationHandler:
    """Runs the automation rules once per triggering event."""

    name = "automation"

    def wants(self, message: Message) -> bool:
        return trigger_of(message) is not None

    def batch_scope(self, runtime: Context) -> AbstractContextManager[None]:
        return runtime.rekindle.lookups.read_once_per_batch()

    def handle(self, message: Message, runtime: Context, tracking_name: str) -> None:
        engine, store = runtime.rekindle.automation, runtime.rekindle.store
        trigger = ruled_trigger(message, engine)
        if trigger is None:
            return
        steps = [(trigger, cause_of(message, store))]
        tracking = Tracking(tracking_name, message.position)
        try:
            engine.run(steps, tracking)
        except IntegrityError:
            if recorded_already(runtime, tracking_name, message.position):
                log.debug("automation: %s already handled", message.event_id)
                return
            engine.run(steps, tracking, skip_recorded=True)

    def handle_together(self, messages: Sequence[Message], runtime: Context,
                        tracking_name: str) -> None:
        """One transaction for a batch's effects: a commit (and the event table's lock) per
        batch rather than per event is what lets the consumer keep up with a steady stream."""
        engine, store = runtime.rekindle.automation, runtime.rekindle.store
        steps = [(trigger, cause_of(m, store)) for m in messages
                 if (trigger := ruled_trigger(m, engine)) is not None]
        tracking = Tracking(tracking_name, messages[-1].position)
        try:
            engine.run(steps, tracking)
        except IntegrityError:
            if recorded_already(runtime, tracking_name, messages[0].position):
                raise  # another delivery recorded some of them: the caller drops those
            engine.run(steps, tracking, skip_recorded=True)
