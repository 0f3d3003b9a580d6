"""Facts looked up in the event log itself, never stale: a candidate's opportunities, the
rules, a pool's members.

The groupings are caught up incrementally: each lookup remembers how far into the log it has
read and reads on from there (rereading a short tail, since a transaction holding a lower
position may commit after a higher one).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.candidate import Candidate
from domain.opportunity import Opportunity
from domain.rule import Rule
from domain.store import EventStore

OPPORTUNITY_CREATED = get_topic(Opportunity.OpportunityCreated)
RULE_CREATED = get_topic(Rule.RuleCreated)
POOL_TOPICS = (get_topic(Candidate.AddedToPool), get_topic(Candidate.RemovedFromPool))
TAIL = 50


class Grouping:
    """Ids of created aggregates grouped by a key, read from one topic of the log."""

    def __init__(self, topic: str, key: Any) -> None:
        self.topic = topic
        self.key = key
        self.seen = 0
        self.groups: dict[Any, list[UUID]] = {}
        self.known: set[UUID] = set()

    def catch_up(self, store: EventStore) -> None:
        head = store.head()  # reached even if nothing of this topic lies before it
        for position, event in store.scan([self.topic], max(1, self.seen - TAIL)):
            self.seen = max(self.seen, position)
            if event.originator_id not in self.known:
                self.known.add(event.originator_id)
                self.groups.setdefault(self.key(event), []).append(event.originator_id)
        self.seen = max(self.seen, head)


class BatchReads:
    """What one batch of a worker reads once: the lookups caught up, and the rules loaded."""

    def __init__(self) -> None:
        self.caught_up: set[str] = set()
        self.rules: dict[UUID, Rule] | None = None


class Lookups:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._groupings = {
            "opportunities": Grouping(OPPORTUNITY_CREATED, lambda e: e.candidate_id),
            "rules": Grouping(RULE_CREATED, lambda e: None),
        }
        self._lock = threading.Lock()
        self._batch = threading.local()

    def _grouped(self, name: str) -> dict[Any, list[UUID]]:
        batch = self._batch_reads()
        with self._lock:
            grouping = self._groupings[name]
            if name not in batch.caught_up:
                grouping.catch_up(self.store)
                batch.caught_up.add(name)
            return grouping.groups

    def opportunity_ids_of(self, candidate_id: UUID) -> list[UUID]:
        return list(self._grouped("opportunities").get(candidate_id, []))

    def opportunities_of(self, candidate_id: UUID) -> list[Opportunity]:
        return [self.store.load(Opportunity, i) for i in self.opportunity_ids_of(candidate_id)]

    def rules(self) -> list[Rule]:
        """Every rule, loaded once per batch inside `read_once_per_batch`."""
        batch = self._batch_reads()
        ids = list(self._grouped("rules").get(None, []))
        if batch.rules is None or set(batch.rules) != set(ids):
            loaded = batch.rules or {}
            batch.rules = {i: loaded.get(i) or self.store.load(Rule, i) for i in ids}
        return [batch.rules[i] for i in ids]

    def pool_members(self, pool_id: UUID) -> list[UUID]:
        members: dict[UUID, bool] = {}
        for _, event in self.store.scan(POOL_TOPICS):
            if event.pool_id == pool_id:
                members[event.originator_id] = type(event).__name__ == "AddedToPool"
        return [c for c, member in members.items() if member]

    @contextmanager
    def read_once_per_batch(self) -> Iterator[None]:
        """Inside, this thread loads the rules and catches each lookup up at most once.

        A worker enters it after reading a batch of events. The rules as of that read are the
        rules for every event of the batch; a lookup caught up inside holds everything
        recorded before the batch's events, which were read before it, so each event's facts
        stay exact. Any failure drops what was kept, and the retry reads afresh.
        """
        self._batch.reads = BatchReads()
        try:
            yield
        finally:
            self._batch.reads = None

    def forget_batch(self) -> None:
        """Drops what the current batch kept (after a failed step, whose rules may be stale)."""
        if getattr(self._batch, "reads", None) is not None:
            self._batch.reads = BatchReads()

    def _batch_reads(self) -> BatchReads:
        return getattr(self._batch, "reads", None) or BatchReads()
