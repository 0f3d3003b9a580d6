"""Which candidate an external system (the ATS) knows under which id: a lookup table.

Written when an external id is linked; the ExternalIdLinked events stay the truth, the
table only makes matching an inbound ATS event by external id one indexed query.
"""

from __future__ import annotations

from uuid import UUID

from psycopg_pool import ConnectionPool


class PostgresExternalIds:
    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def link(self, system: str, external_id: str, candidate_id: UUID) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO rekindle.external_ids (system, external_id, candidate_id) "
                "VALUES (%s, %s, %s) ON CONFLICT (system, external_id) "
                "DO UPDATE SET candidate_id = EXCLUDED.candidate_id",
                (system, external_id, candidate_id))

    def find(self, system: str, external_id: str) -> UUID | None:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT candidate_id FROM rekindle.external_ids "
                               "WHERE system = %s AND external_id = %s",
                               (system, external_id)).fetchone()
        return row[0] if row else None

    def forget(self, candidate_id: UUID) -> None:
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM rekindle.external_ids WHERE candidate_id = %s",
                         (candidate_id,))
