"""Whom an event is about: the candidate (the data subject) that keys it on Kafka.

Every event about a candidate is published with the candidate's id as its key, so one
consumer of a group owns all of one candidate's events, in order: the candidate's own, its
opportunities', reminders', rule runs', notifications', and any other event that names a
candidate. Effects of one candidate are then applied by one consumer at a time, and never
race each other across partitions.

The subject of an event is, in this order:
- a Candidate's event: the candidate;
- an event that carries a `candidate_id` (OpportunityCreated, ReminderSet, RuleRan,
  FormSubmitted, NotificationRecorded, AtsEventReceived, ...): that candidate;
- any other event: the subject of its aggregate's creation event, looked up in the event
  store once and remembered (an opportunity's later events carry no candidate id, and the
  relay may start in the middle of the log);
- else none: the event is keyed by its own aggregate's id, as before (postings, users,
  pools, rules, forms' own edits, ...).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any
from uuid import UUID

from domain.store import EventStore

CANDIDATE = "Candidate"
REMEMBERED = 100_000
"""Aggregates whose subject is kept in memory (about 200 bytes each)."""

_NONE = object()


def aggregate_type(event: Any) -> str:
    return type(event).__qualname__.split(".")[0]


def carried_subject(event: Any) -> UUID | None:
    """The candidate an event names itself, if any."""
    if aggregate_type(event) == CANDIDATE:
        return event.originator_id
    candidate_id = getattr(event, "candidate_id", None)
    if isinstance(candidate_id, str):
        candidate_id = UUID(candidate_id)
    return candidate_id if isinstance(candidate_id, UUID) else None


class Subjects:
    """Each event's subject; an aggregate's subject is read from the store at most once."""

    def __init__(self, store: EventStore, size: int = REMEMBERED) -> None:
        self.store = store
        self.size = size
        self._known: OrderedDict[UUID, UUID | None] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, event: Any) -> UUID | None:
        carried = carried_subject(event)
        if event.originator_version == 1:
            self._remember(event.originator_id, carried)
        if carried is not None:
            return carried
        return self._of_aggregate(event.originator_id)

    def _of_aggregate(self, aggregate_id: UUID) -> UUID | None:
        with self._lock:
            found = self._known.get(aggregate_id, _NONE)
            if found is not _NONE:
                self._known.move_to_end(aggregate_id)
                return found  # type: ignore[return-value]
        first = self.store.recorder.select_events(aggregate_id, lte=1, limit=1)
        subject = carried_subject(self.store.mapper.to_domain_event(first[0])) if first else None
        self._remember(aggregate_id, subject)
        return subject

    def _remember(self, aggregate_id: UUID, subject: UUID | None) -> None:
        with self._lock:
            self._known[aggregate_id] = subject
            self._known.move_to_end(aggregate_id)
            while len(self._known) > self.size:
                self._known.popitem(last=False)
