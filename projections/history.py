"""Audit history and point-in-time profiles, read from the event store (not the projections).

Events come from the application's events table by originator id, in notification order,
decoded with the application's mapper, so erased personal values show as null. The only
thing taken from a projection is which opportunities a candidate has (an immutable fact
that OpportunityCreated records); their events themselves are read from the store.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from psycopg_pool import ConnectionPool

from domain.actor import Actor
from domain.application import Rekindle
from domain.candidate import Candidate
from domain.opportunity import Opportunity
from domain.personal import Personal

_META = {"originator_id", "originator_version", "timestamp", "originator_topic"}


def _events_table(app: Rekindle) -> str:
    return f"public.{app.name.lower()}_events"


def _render(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, Personal):
        return None if value.data is None else _render(value.data)
    if isinstance(value, Actor):
        return dict(_render_actor(value))
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k.hex if isinstance(k, UUID) else k): _render(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_render(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _render(getattr(value, f.name)) for f in fields(value)}
    return value


@functools.lru_cache(maxsize=1024)
def _render_actor(actor: Actor) -> dict[str, Any]:
    """Memoized: a long history names the same few actors on every event."""
    return {"user_id": str(actor.user_id), "role": actor.role,
            "rule_id": str(actor.rule_id) if actor.rule_id else None,
            "cause_event_id": str(actor.cause_event_id) if actor.cause_event_id else None,
            "depth": actor.depth}


@functools.lru_cache(maxsize=256)
def _kind(event_class: type) -> tuple[str | None, str]:
    """The aggregate type and event type of an event class."""
    topic_class = event_class.__qualname__.split(".")
    return (topic_class[0] if len(topic_class) > 1 else None), event_class.__name__


def _load(app: Rekindle, pool: ConnectionPool, ids: Iterable[UUID]) -> list[tuple[int, Any]]:
    with pool.connection() as conn:
        rows = conn.execute(
            f"SELECT notification_id, originator_id, originator_version, topic, state "
            f"FROM {_events_table(app)} WHERE originator_id = ANY(%s) ORDER BY notification_id",
            (list(ids),)).fetchall()
    return [(n, app.mapper.to_domain_event(StoredEvent(o, v, t, bytes(s))))
            for n, o, v, t, s in rows]


def _opportunity_ids(pool: ConnectionPool, candidate_id: UUID) -> list[UUID]:
    with pool.connection() as conn:
        rows = conn.execute("SELECT id FROM read.opportunities WHERE candidate_id = %s",
                            (candidate_id,)).fetchall()
    return [r[0] for r in rows]


def _item(position: int, event: Any) -> dict[str, Any]:
    aggregate_type, event_type = _kind(type(event))
    by = getattr(event, "by", None)
    return {
        "position": position,
        "aggregate_type": aggregate_type,
        "aggregate_id": str(event.originator_id),
        "version": event.originator_version,
        "type": event_type,
        "occurred_at": event.timestamp.isoformat(),
        "actor_id": _render_actor(by)["user_id"] if isinstance(by, Actor) else None,
        "data": {k: _render(v) for k, v in event.__dict__.items() if k not in _META},
    }


def candidate_history(app: Rekindle, pool: ConnectionPool,
                      candidate_id: UUID) -> list[dict[str, Any]]:
    """Every event of the candidate and of its opportunities, in recorded order."""
    ids = [candidate_id, *_opportunity_ids(pool, candidate_id)]
    return [_item(n, e) for n, e in _load(app, pool, ids)]


def opportunity_history(app: Rekindle, pool: ConnectionPool,
                        opportunity_id: UUID) -> list[dict[str, Any]]:
    return [_item(n, e) for n, e in _load(app, pool, [opportunity_id])]


def candidate_as_of(app: Rekindle, pool: ConnectionPool, candidate_id: UUID,
                    at: datetime) -> dict[str, Any] | None:
    """The profile as it was at `at`, replayed from events (None if it did not exist yet)."""
    aggregates: dict[UUID, Any] = {}
    for _, event in _load(app, pool, [candidate_id, *_opportunity_ids(pool, candidate_id)]):
        if event.timestamp > at:
            continue
        aggregates[event.originator_id] = event.mutate(aggregates.get(event.originator_id))
    candidate = aggregates.pop(candidate_id, None)
    if not isinstance(candidate, Candidate):
        return None
    opportunities = sorted((o for o in aggregates.values() if isinstance(o, Opportunity)),
                           key=lambda o: (o.created_on, str(o.id)))
    return _profile(candidate, opportunities)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _profile(c: Candidate, opportunities: list[Opportunity]) -> dict[str, Any]:
    profile = c.profile
    summaries = [{
        "id": str(o.id), "posting_id": str(o.posting_id) if o.posting_id else None,
        "general": o.general, "owner_id": str(o.owner_id), "stage": o.stage, "origin": o.origin,
        "sources": list(o.sources), "tags": list(o.tags),
        "archived": None if o.archived is None else {
            "reason": o.archived["reason"], "at": _iso(o.archived["at"]),
            "by": str(o.archived["by"])},
        "created_at": _iso(o.created_on),
    } for o in opportunities]
    return {
        "id": str(c.id), **profile, "tags": list(c.tags), "sources": list(c.sources),
        "origin": c.origin, "pools": [str(p) for p in c.pool_ids],
        "external_ids": dict(c.external_ids),
        "consent": {"status": c.consent.status, "deadline": _iso(c.consent.deadline),
                    "granted_at": _iso(c.consent.granted_at)},
        "gdpr": {"deletion_requested": c.deletion_requested_at is not None,
                 "anonymized": c.anonymized_at is not None,
                 "deletion_requested_at": _iso(c.deletion_requested_at),
                 "anonymized_at": _iso(c.anonymized_at)},
        "opportunity_tags": sorted({t for o in opportunities for t in o.tags}),
        "opportunity_sources": sorted({s for o in opportunities for s in o.sources}),
        "archive_reasons": sorted({o.archived["reason"] for o in opportunities if o.archived}),
        "stages": sorted({o.stage for o in opportunities}),
        "created_at": _iso(c.created_on), "updated_at": _iso(c.modified_on),
        "opportunities": summaries,
    }
