"""Bulk import of candidates from a spreadsheet: a job whose progress can be followed.

Rows are imported in batches: each batch's new candidates and the job's progress commit in
one transaction. A row without a valid email fails with an error naming its row and field
(row numbers count the header as row 1; messages never quote the row's values); the other
rows are still imported. A row whose email is on a live candidate, or earlier in the file,
counts as a duplicate, so the same file imported twice creates nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain import access
from domain import validation as v
from domain.actor import Actor
from domain.candidate import Candidate
from domain.commands.candidates import Candidates, checked_profile
from domain.errors import ValidationFailed
from domain.import_job import ImportJob
from domain.personal import Personal
from domain.pool import Pool
from domain.ports import Adapters
from domain.recorded import Recorded
from domain.store import EventStore

DEFAULT_SOURCE = "Excel import"
FILE_FORMATS = ("csv", "xlsx", "xls", "ods")
FIELD_NAMES = {"emails": "email", "phones": "phone", "links": "link"}
Rows = list[tuple[int, Mapping[str, Any]]]


@dataclass
class ImportBatch:
    """A checked batch: its events, collected already, and the candidates it claimed."""

    events: list[Any]
    claimed: list[UUID]
    job_id: UUID
    rows_done: int = 0
    counts: dict[str, int] = field(default_factory=dict)


class Imports:
    def __init__(self, store: EventStore, candidates: Candidates, adapters: Adapters,
                 live: Callable[[set[UUID]], set[UUID]] | None = None) -> None:
        self.store = store
        self.candidates = candidates
        self.adapters = adapters
        self.live = live or self.live_one_by_one

    def live_one_by_one(self, ids: set[UUID]) -> set[UUID]:
        """Which of these ids are live candidates (projections/liveness.py asks in one query)."""
        return {i for i in ids if self.candidates.is_live(i)}

    def start(self, by: Actor, *, file_format: str, file_size: int, source: str | None = None,
              pool_id: UUID | None = None, tags: list[str] | None = None) -> Recorded:
        """Records the job before any row is read, so its progress can be followed at once."""
        access.ensure_writer(by)
        if pool_id is not None and not self.store.exists(Pool, pool_id):
            raise ValidationFailed.field("pool_id", "unknown pool")
        job = ImportJob(id=ImportJob.create_id(),
                        file_format=v.one_of("file", file_format, FILE_FORMATS),
                        file_size=int(file_size),
                        source=v.text("source", source, required=False) or DEFAULT_SOURCE,
                        pool_id=pool_id, tags=v.texts("tags", tags), by=by)
        return Recorded(job.id, self.store.record(job), {"job": job})

    def rows(self, job: ImportJob, rows: Rows, by: Actor) -> Recorded:
        """Imports one batch: new candidates and the job's progress in one transaction."""
        return self.record(self.prepare(job, rows, by))

    def prepare(self, job: ImportJob, rows: Rows, by: Actor,
                seen: set[str] | None = None) -> ImportBatch:
        """Checks a batch, claims its emails and creates its keys; nothing is recorded yet.

        Claims, keys and the owners' liveness take one round trip each for the whole batch.
        `seen` holds the addresses earlier in the file (kept by the caller across batches).
        The events are collected here, so the batch can be recorded in another thread while
        the next one is prepared (the job's next progress event must not join this batch).
        """
        seen = set() if seen is None else seen
        errors: list[dict[str, Any]] = []
        valid: list[tuple[str, dict[str, Any], list[str], list[str]]] = []
        duplicates = 0
        for number, row in rows:
            try:
                profile, tags, sources = self._profile(job, row)
            except ValidationFailed as error:
                name, messages = next(iter(error.details.items()), ("row", [error.message]))
                errors.append({"row": number, "field": FIELD_NAMES.get(name, name),
                               "message": messages[0]})
                continue
            address = profile["emails"][0].lower()
            if address in seen:
                duplicates += 1
                continue
            seen.add(address)
            valid.append((address, profile, tags, sources))
        ids = [Candidate.create_id() for _ in valid]
        taken = self.adapters.emails.claim_many(
            [(address, cid) for (address, *_), cid in zip(valid, ids, strict=True)])
        batch = ImportBatch([], ids, job.id)
        try:
            live = self.live(set(taken.values()))
            fresh = []
            for (address, profile, tags, sources), cid in zip(valid, ids, strict=True):
                owner = taken.get(address)
                if owner is not None and (owner in live
                                          or not self._take_over(address, owner, cid)):
                    duplicates += 1
                    continue
                fresh.append((cid, profile, tags, sources))
            batch.claimed = [cid for cid, *_ in fresh]
            self.adapters.keys.create_keys(batch.claimed)
            for cid, profile, tags, sources in fresh:
                candidate = Candidate(id=cid, personal=Personal(cid, profile), tags=tags,
                                      sources=sources, origin="sourced", by=by)
                if job.pool_id is not None:
                    candidate.add_to_pool(pool_id=job.pool_id, by=by)
                batch.events += candidate.collect_events()
            job.record_batch(rows_imported=len(fresh), rows_duplicate=duplicates,
                             rows_failed=len(errors), errors=errors, by=by)
            batch.events += job.collect_events()
        except BaseException:
            self.abandon(batch)
            raise
        batch.rows_done = job.rows_total
        batch.counts = {"imported": len(fresh), "duplicate": duplicates, "failed": len(errors)}
        return batch

    def record(self, batch: ImportBatch) -> Recorded:
        """Records a prepared batch in one transaction; if that fails its claims are released."""
        try:
            position = self.store.record_events(batch.events)
        except BaseException:
            self.abandon(batch)
            raise
        return Recorded(batch.job_id, position, dict(batch.counts))

    def abandon(self, batch: ImportBatch) -> None:
        """Releases the claims of a batch that will not be recorded (its keys stay unused)."""
        for cid in batch.claimed:
            self.adapters.emails.release(cid)

    def _profile(self, job: ImportJob,
                 row: Mapping[str, Any]) -> tuple[dict[str, Any], list[str], list[str]]:
        if row.get("email") is None:
            raise ValidationFailed.field("email", "is required")
        profile = checked_profile({**row, "emails": [v.email("email", row.get("email"))]})
        tags = v.texts("tags", [*job.tags, *(row.get("tags") or [])])
        source = v.text("source", row.get("source"), required=False) or job.source
        return profile, tags, [source]

    def _take_over(self, email: str, owner: UUID, candidate_id: UUID) -> bool:
        """A claim left by a candidate that was never recorded (a crash) is taken over."""
        if self.candidates.is_live(owner):
            return False
        self.adapters.emails.release(owner, [email])
        return self.adapters.emails.claim(email, candidate_id) is None

    def finish(self, job: ImportJob, by: Actor) -> Recorded:
        job.finish(rows_total=job.rows_total, by=by)
        return Recorded(job.id, self.store.record(job))

    def fail(self, job_id: UUID, reason: str, by: Actor) -> Recorded:
        """Reloads the job: a batch that failed to save left the in-memory one ahead."""
        job = self.store.load(ImportJob, job_id)
        if job.status == "running":
            job.fail(reason=reason[:500], by=by)
        return Recorded(job.id, self.store.record(job))

    def job(self, job_id: UUID) -> ImportJob:
        return self.store.load(ImportJob, job_id)
