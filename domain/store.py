"""The event store: aggregates saved, several in one transaction, and loaded by id.

An `eventsourcing` application with a process recorder (a consumer's effect and its tracking
position commit together), and the transcodings of our own values: who did it (`Actor`) and
personal data sealed with its subject's key (`Personal`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProjectorFunction,
    project_aggregate,
)
from eventsourcing.persistence import JSONTranscoder, ProcessRecorder, Tracking

from domain.actor import ActorAsDict
from domain.errors import DomainError, NotFound
from domain.personal import PersonalAsSealed
from domain.ports import KeyStore

T = TypeVar("T")
NAME = "Rekindle"


class EventStore(Application[UUID]):
    """Records and loads Rekindle's aggregates; knows no rule of the product."""

    name = NAME
    replay: ClassVar[ProjectorFunction[Any, Any]] = staticmethod(project_aggregate)
    """How an aggregate is rebuilt from its events (projections/replay.py has a faster one)."""

    def __init__(self, env: Mapping[str, str] | None = None, *, keys: KeyStore) -> None:
        self.keys = keys
        super().__init__(env)

    def construct_recorder(self) -> ProcessRecorder:
        """A process recorder, so a consumer's effect and its tracking commit together."""
        return self.factory.process_recorder()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(ActorAsDict())
        transcoder.register(PersonalAsSealed(self.keys))

    def record(self, *aggregates: Any, tracking: Tracking | None = None) -> int | None:
        """Saves the aggregates' new events in one transaction; returns the last position.

        With `tracking`, a consumer's position is recorded in the same transaction, so an
        effect is stored once however often its cause is delivered (a repeat raises the
        library's IntegrityError, which consumers take for "already done").
        """
        return self.record_events(
            [e for a in aggregates if a is not None for e in a.collect_events()], tracking)

    def record_events(self, events: list[Any], tracking: Tracking | None = None) -> int | None:
        """Saves events collected earlier (an import collects a batch while the previous one
        is written); returns the last position, None if there was nothing to save."""
        if not events:
            if tracking is not None:
                self.recorder.insert_tracking(tracking)
            return None
        recordings = self.events.put(events, tracking=tracking)
        return recordings[-1].notification.id if recordings else None

    def load(self, cls: type[T], aggregate_id: UUID, *,
             missing: type[DomainError] = NotFound) -> T:
        """The aggregate of that kind, or `missing` (a NotFound by default)."""
        try:
            aggregate = self.repository.get(aggregate_id, projector_func=self.replay)
        except AggregateNotFoundError:
            aggregate = None
        if not isinstance(aggregate, cls):
            raise missing(f"no {cls.__name__.lower()} with id {aggregate_id}",
                          {"id": str(aggregate_id)})
        return aggregate

    def load_many(self, cls: type[T], aggregate_ids: Iterable[UUID]) -> dict[UUID, T]:
        """The aggregates of that kind among these ids, by id, each as `load` gives it (the
        others are left out). A recorder that reads many streams in one query
        (`select_events_of`), with the key store fetching their keys at once, make it two
        round trips, not two per aggregate."""
        ids = list(dict.fromkeys(aggregate_ids))
        read_many = getattr(self.recorder, "select_events_of", None)
        found: dict[UUID, T] = {}
        if read_many is None:
            for aggregate_id in ids:
                with contextlib.suppress(NotFound):
                    found[aggregate_id] = self.load(cls, aggregate_id)
            return found
        self.keys.preload(ids)
        for aggregate_id, stored in read_many(ids).items():
            aggregate = self.replay(None, map(self.mapper.to_domain_event, stored))
            if isinstance(aggregate, cls):
                found[aggregate_id] = aggregate
        return found

    def exists(self, cls: type, aggregate_id: UUID) -> bool:
        try:
            self.load(cls, aggregate_id)
        except NotFound:
            return False
        return True

    def was_recorded(self, aggregate_id: UUID) -> bool:
        """Whether any event of this id is stored (cheaper than loading it)."""
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def scan(self, topics: Iterable[str], start: int = 1,
             page: int = 500) -> Iterable[tuple[int, Any]]:
        """(position, event) of every stored event of these topics from `start`, in order."""
        topics = list(topics)
        while True:
            batch = self.recorder.select_notifications(start=start, limit=page, topics=topics)
            for notification in batch:
                yield notification.id, self.mapper.to_domain_event(notification)
            if len(batch) < page:
                return
            start = batch[-1].id + 1

    def head(self) -> int:
        """The position of the last stored event (0 for an empty store)."""
        return int(self.recorder.max_notification_id() or 0)
