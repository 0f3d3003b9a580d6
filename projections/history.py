"""Audit history and point-in-time profiles, read from the event store (not the projections).

Events come from the events table by originator id, in notification order, decoded with the
store's mapper, so erased personal values show as null. Which of a candidate's
opportunities the viewer sees comes from the read side (projections/visibility.py); their
events are read from the store. Secret files appear only to those the access policy lets
see them (`domain.access.sees_file`): their attachment and removal are left out for others.
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

from domain.access import Scope, scope_of, sees_file
from domain.actor import Actor
from domain.candidate import Candidate
from domain.opportunity import Opportunity
from domain.personal import Personal
from domain.store import EventStore
from projections.queries import candidate_visible, get_opportunity, visible_opportunity_ids

_META = {"originator_id", "originator_version", "timestamp", "originator_topic"}


def _events_table(store: EventStore) -> str:
    return f"public.{store.name.lower()}_events"


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


def _load(store: EventStore, pool: ConnectionPool, ids: Iterable[UUID],
          scope: Scope) -> list[tuple[int, Any]]:
    """The events of these aggregates in recorded order, as the scope may see them."""
    with pool.connection() as conn:
        rows = conn.execute(
            f"SELECT notification_id, originator_id, originator_version, topic, state "
            f"FROM {_events_table(store)} WHERE originator_id = ANY(%s) "
            "ORDER BY notification_id", (list(ids),)).fetchall()
    events = [(n, store.mapper.to_domain_event(StoredEvent(o, v, t, bytes(s))))
              for n, o, v, t, s in rows]
    return events if scope.secret_files else _without_secret_files(events, scope)


def _without_secret_files(events: list[tuple[int, Any]], scope: Scope) -> list[tuple[int, Any]]:
    secret: set[UUID] = set()
    kept = []
    for position, event in events:
        kind = type(event).__name__
        if kind == "FileAttached" and not sees_file(scope, event.file["secret"]):
            secret.add(event.file["id"])
            continue
        if kind == "FileRemoved" and event.file_id in secret:
            continue
        kept.append((position, event))
    return kept


def _item(position: int, event: Any) -> dict[str, Any]:
    aggregate_type, event_type = _kind(type(event))
    by = getattr(event, "by", None)
    return {
        "position": position,
        "aggregate_type": aggregate_type,
        "aggregate_id": event.originator_id,
        "version": event.originator_version,
        "type": event_type,
        "occurred_at": event.timestamp,
        "actor_id": by.user_id if isinstance(by, Actor) else None,
        "data": {k: _render(v) for k, v in event.__dict__.items() if k not in _META},
    }


def candidate_history(store: EventStore, pool: ConnectionPool, candidate_id: UUID,
                      viewer: Actor) -> list[dict[str, Any]]:
    """Every event of the candidate and of the opportunities the viewer sees, in recorded
    order; [] for a candidate unknown or out of the viewer's scope."""
    if not candidate_visible(pool, candidate_id, viewer):
        return []
    ids = [candidate_id, *visible_opportunity_ids(pool, candidate_id, viewer)]
    return [_item(n, e) for n, e in _load(store, pool, ids, scope_of(viewer))]


def opportunity_history(store: EventStore, pool: ConnectionPool, opportunity_id: UUID,
                        viewer: Actor) -> list[dict[str, Any]]:
    if get_opportunity(pool, opportunity_id, viewer) is None:
        return []
    return [_item(n, e) for n, e in _load(store, pool, [opportunity_id], scope_of(viewer))]


def candidate_as_of(store: EventStore, pool: ConnectionPool, candidate_id: UUID,
                    at: datetime, viewer: Actor) -> dict[str, Any] | None:
    """The profile as it was at `at`, replayed from events, with the opportunities the
    viewer sees (None if it did not exist yet, or is out of the viewer's scope)."""
    if not candidate_visible(pool, candidate_id, viewer):
        return None
    ids = [candidate_id, *visible_opportunity_ids(pool, candidate_id, viewer)]
    aggregates: dict[UUID, Any] = {}
    for _, event in _load(store, pool, ids, scope_of(viewer)):
        if event.timestamp > at:
            continue
        aggregates[event.originator_id] = event.mutate(aggregates.get(event.originator_id))
    candidate = aggregates.pop(candidate_id, None)
    if not isinstance(candidate, Candidate):
        return None
    opportunities = sorted((o for o in aggregates.values() if isinstance(o, Opportunity)),
                           key=lambda o: (o.created_on, str(o.id)))
    return _profile(candidate, opportunities)


def _profile(c: Candidate, opportunities: list[Opportunity]) -> dict[str, Any]:
    """The candidate replayed, as the profiles view's rows hold it (columns of
    read.candidates, and of read.opportunities under `opportunities`)."""
    return {
        "id": c.id, **c.profile, "tags": list(c.tags), "sources": list(c.sources),
        "origin": c.origin, "pools": list(c.pool_ids), "external_ids": dict(c.external_ids),
        "consent_status": c.consent.status, "consent_deadline": c.consent.deadline,
        "consent_granted_at": c.consent.granted_at,
        "deletion_requested_at": c.deletion_requested_at, "anonymized_at": c.anonymized_at,
        "opportunity_tags": sorted({t for o in opportunities for t in o.tags}),
        "opportunity_sources": sorted({s for o in opportunities for s in o.sources}),
        "archive_reasons": sorted({o.archived["reason"] for o in opportunities if o.archived}),
        "stages": sorted({o.stage for o in opportunities}),
        "version": c.version, "created_at": c.created_on, "updated_at": c.modified_on,
        "opportunities": [{
            "id": o.id, "posting_id": o.posting_id, "owner_id": o.owner_id, "stage": o.stage,
            "origin": o.origin, "sources": list(o.sources), "tags": list(o.tags),
            "archive_reason": (o.archived or {}).get("reason"),
            "archived_at": (o.archived or {}).get("at"),
            "archived_by": (o.archived or {}).get("by"), "created_at": o.created_on,
        } for o in opportunities],
    }
