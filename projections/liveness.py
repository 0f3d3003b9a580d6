"""Speeds up asking which candidates are live (recorded, not anonymized) for many ids at once.

An import re-run meets an owner for almost every row; loading each owner to ask costs a
query and a decode per row. This asks the events table once per batch, by topic alone.
tests/projections/test_liveness.py checks it answers as `Imports.live_one_by_one` does.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.utils import get_topic
from psycopg.sql import SQL, Identifier
from psycopg_pool import ConnectionPool

from domain.candidate import Candidate

CREATED = get_topic(Candidate.CandidateCreated)
ANONYMIZED = get_topic(Candidate.CandidateAnonymized)


class LiveCandidates:
    def __init__(self, pool: ConnectionPool, events_table: str = "rekindle_events",
                 schema: str = "public") -> None:
        self.pool = pool
        self.query = SQL(
            "SELECT originator_id FROM {}.{} WHERE originator_id = ANY(%s) "
            "GROUP BY originator_id HAVING bool_or(topic = %s) AND NOT bool_or(topic = %s)"
        ).format(Identifier(schema), Identifier(events_table))

    def __call__(self, ids: set[UUID]) -> set[UUID]:
        if not ids:
            return set()
        with self.pool.connection() as conn:
            rows = conn.execute(self.query, (list(ids), CREATED, ANONYMIZED)).fetchall()
        return {row[0] for row in rows}
