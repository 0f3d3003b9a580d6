"""Talent pools: named groups of candidates (the membership lives on each Candidate)."""

from __future__ import annotations

from uuid import UUID

from domain import access
from domain import validation as v
from domain.access import Access
from domain.actor import Actor
from domain.errors import NotFound
from domain.pool import Pool
from domain.recorded import Recorded, command, ensure_version
from domain.store import EventStore


class Pools:
    def __init__(self, store: EventStore, access: Access) -> None:
        self.store = store
        self.access = access

    @command
    def create(self, name: str, by: Actor, *, description: str | None = None) -> Recorded:
        access.ensure_writer(by)
        pool = Pool(name=v.text("name", name),
                    description=v.text("description", description, required=False,
                                       max_len=2000), by=by)
        return Recorded(pool.id, self.store.record(pool))

    @command
    def change(self, pool_id: UUID, by: Actor, *, name: str | None = None,
               description: str | None = None, expected_version: int | None = None) -> Recorded:
        access.ensure_writer(by)
        pool = self.store.load(Pool, pool_id)
        ensure_version(pool, expected_version)
        if name is not None and v.text("name", name) != pool.name:
            pool.rename(name=v.text("name", name), by=by)
        if description is not None:
            pool.describe(description=v.text("description", description, required=False,
                                              max_len=2000), by=by)
        return Recorded(pool.id, self.store.record(pool))

    @command
    def add_members(self, pool_id: UUID, candidate_ids: list[UUID], by: Actor, *,
                    expected_version: int | None = None) -> Recorded:
        """All named candidates join, in one transaction, or none (an unknown or unseen id
        is refused with the others)."""
        access.ensure_writer(by)
        ensure_version(self.store.load(Pool, pool_id), expected_version)
        candidates = self.access.candidates(by, "candidate_ids",
                                            v.uuids("candidate_ids", candidate_ids))
        for candidate in candidates:
            candidate.ensure_live()
            if pool_id not in candidate.pool_ids:
                candidate.add_to_pool(pool_id=pool_id, by=by)
        return Recorded(pool_id, self.store.record(*candidates))

    @command
    def remove_member(self, pool_id: UUID, candidate_id: UUID, by: Actor, *,
                      expected_version: int | None = None) -> Recorded:
        access.ensure_writer(by)
        ensure_version(self.store.load(Pool, pool_id), expected_version)
        candidate = self.access.candidate(by, candidate_id)
        if pool_id not in candidate.pool_ids:
            raise NotFound("the candidate is not in this pool", {"candidate_id": str(candidate_id)})
        candidate.remove_from_pool(pool_id=pool_id, by=by)
        return Recorded(pool_id, self.store.record(candidate))
