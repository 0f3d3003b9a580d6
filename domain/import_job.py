"""An import of a spreadsheet of candidates, and its progress.

The job holds counts and row-level errors only; error messages never quote the row's
values, so the job holds no personal data and may be read straight from its events.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor

MAX_KEPT_ERRORS = 1000


class ImportJob(Aggregate):
    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @event("ImportStarted")
    def __init__(self, id: UUID, file_format: str, file_size: int, source: str,
                 pool_id: UUID | None, tags: list[str], by: Actor) -> None:
        self.file_format = file_format
        self.file_size = file_size
        self.source = source
        self.pool_id = pool_id
        self.tags = list(tags)
        self.status = "running"
        self.rows_imported = 0
        self.rows_duplicate = 0
        self.rows_failed = 0
        self.errors: list[dict[str, Any]] = []
        self.failure: str | None = None
        self.started_by = by.user_id

    @property
    def rows_total(self) -> int:
        return self.rows_imported + self.rows_duplicate + self.rows_failed

    def summary(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "status": self.status,
            "rows_total": self.rows_total,
            "rows_imported": self.rows_imported,
            "rows_duplicate": self.rows_duplicate,
            "rows_failed": self.rows_failed,
            "errors": [dict(e) for e in self.errors],
            "failure": self.failure,
            "source": self.source,
            "pool_id": str(self.pool_id) if self.pool_id else None,
            "tags": list(self.tags),
            "created_at": self.created_on.isoformat(),
            "updated_at": self.modified_on.isoformat(),
        }

    @event("ImportBatchRecorded")
    def record_batch(self, rows_imported: int, rows_duplicate: int, rows_failed: int,
                     errors: list[dict[str, Any]], by: Actor) -> None:
        self.rows_imported += rows_imported
        self.rows_duplicate += rows_duplicate
        self.rows_failed += rows_failed
        room = MAX_KEPT_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    @event("ImportFinished")
    def finish(self, rows_total: int, by: Actor) -> None:
        self.status = "done"

    @event("ImportFailed")
    def fail(self, reason: str, by: Actor) -> None:
        self.status = "failed"
        self.failure = reason
