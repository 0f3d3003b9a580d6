"""Whom a send reaches (a campaign, follow-up invitations): the candidates named, or the
members of a pool that the caller sees; one of the two, never both."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain import validation as v
from domain.access import Access
from domain.actor import Actor
from domain.candidate import Candidate
from domain.errors import ValidationFailed
from domain.lookups import Lookups
from domain.pool import Pool
from domain.store import EventStore


def ensure_one_audience(candidate_ids: Any, pool_id: Any) -> None:
    if (candidate_ids is None) == (pool_id is None):
        raise ValidationFailed.field("candidate_ids", "give either candidate_ids or pool_id")


def audience(store: EventStore, access: Access, lookups: Lookups, by: Actor, *,
             candidate_ids: Any = None, pool_id: Any = None) -> list[Candidate]:
    """Named candidates out of the caller's scope are refused like unknown ones; a pool's
    members out of it are left out."""
    ensure_one_audience(candidate_ids, pool_id)
    if pool_id is None:
        return access.candidates(by, "candidate_ids", v.uuids("candidate_ids", candidate_ids))
    pool: UUID = v.uuid("pool_id", pool_id)
    store.load(Pool, pool)
    members = lookups.pool_members(pool)
    found = store.load_many(Candidate, members)
    return [found[m] for m in members if m in found and access.sees_candidate(by, m)]
