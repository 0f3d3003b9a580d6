"""Applying one decoded batch to several projections at once, each in its own transaction."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from eventsourcing.persistence import Tracking

from projections.readview import ReadProjection

log = logging.getLogger(__name__)

def apply_to(projection: ReadProjection, events: Sequence[tuple[Any, Tracking]],
             position: int, limit: int | None = None) -> int:
    """Applies the decoded events after `position` (at most `limit` of them) in one
    transaction; returns the new position."""
    mine = [pair for pair in events if pair[1].notification_id > position][:limit]
    if not mine:
        return position
    projection.process_batch(mine)
    return mine[-1][1].notification_id


def apply_all(workers: ThreadPoolExecutor,
              work: Sequence[tuple[ReadProjection, int, int | None]],
              events: Sequence[tuple[Any, Tracking]]) -> list[int | Exception]:
    """Every projection applies the batch in its own transaction, concurrently: while one
    waits for PostgreSQL, another builds its statements. `work` holds each projection, its
    position and how many events it may take at most. Returns each new position, or the
    error that projection failed with."""
    futures = [workers.submit(apply_to, projection, events, position, limit)
               for projection, position, limit in work]
    results: list[int | Exception] = []
    for future in futures:
        try:
            results.append(future.result())
        except Exception as error:
            results.append(error)
    return results
