"""The rule engine (seed 004, 2.1) as a worker handler, on either transport.

Each integration message that maps to a trigger runs the enabled rules of that trigger
(domain/crm.py `run_rules`); every effect of the message and the handler's tracking commit
in one transaction, so a redelivered message changes nothing. Effects carry their cause
(rule id, event id, depth): a rule never reacts to its own effects, and chains stop at
depth 3.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Tracking

from consumers.messages import Message
from domain.crm import CauseEvent
from domain.errors import NotFound, VersionConflict
from domain.opportunity import Opportunity

if TYPE_CHECKING:
    from api.runtime import Runtime
    from domain.application import Rekindle

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
ATTEMPTS = 3


def trigger_of(message: Message) -> str | None:
    return TRIGGERS.get(message.type)


def ruled_trigger(message: Message, app: Rekindle) -> str | None:
    """The message's trigger if an enabled rule has it: the others need no cause looked up
    (which may load the opportunity) and record nothing."""
    trigger = trigger_of(message)
    return trigger if trigger is not None and app.rules_for(trigger) else None


def cause_of(message: Message, app: object) -> CauseEvent:
    """Which candidate (and opportunity, form) the event is about."""
    opportunity_id = form_id = None
    if message.aggregate_type == "Opportunity":
        opportunity_id = message.aggregate_id
        candidate_id = message.data.get("candidate_id")
        if candidate_id is None:
            try:
                candidate_id = app.load(Opportunity, opportunity_id).candidate_id
            except NotFound:
                candidate_id = None
    elif message.aggregate_type == "TalentForm":
        form_id = message.aggregate_id
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

    def batch_scope(self, runtime: Runtime) -> AbstractContextManager[None]:
        return runtime.app.read_once_per_batch()

    def handle(self, message: Message, runtime: Runtime, tracking_name: str) -> None:
        app = runtime.app
        trigger = ruled_trigger(message, app)
        if trigger is None:
            return
        for _ in range(ATTEMPTS):
            try:
                app.run_rules(trigger, cause_of(message, app),
                              Tracking(tracking_name, message.position))
                return
            except IntegrityError:
                done = app.recorder.max_tracking_id(tracking_name)
                if done is not None and done >= message.position:
                    log.debug("automation: %s already handled", message.event_id)
                    return
        raise VersionConflict(f"rule effects for {message.event_id} kept losing races")

    def handle_together(self, messages: Sequence[Message], runtime: Runtime,
                        tracking_name: str) -> None:
        """One transaction for a batch's effects: a commit (and the event table's lock) per
        batch rather than per event is what lets the consumer keep up with a steady stream."""
        app = runtime.app
        steps = [(trigger, cause_of(m, app)) for m in messages
                 if (trigger := ruled_trigger(m, app)) is not None]
        app.run_rules_together(steps, Tracking(tracking_name, messages[-1].position))
