"""File bytes in PostgreSQL, content-addressed by SHA-256 within one candidate."""

from __future__ import annotations

import hashlib
from uuid import UUID

from psycopg_pool import ConnectionPool


class PostgresFileStore:
    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def put(self, candidate_id: UUID, content: bytes, content_type: str) -> str:
        sha256 = hashlib.sha256(content).hexdigest()
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO rekindle.file_blobs (candidate_id, sha256, content_type, content) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (candidate_id, sha256, content_type, content),
            )
        return sha256

    def get(self, candidate_id: UUID, sha256: str) -> tuple[bytes, str] | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT content, content_type FROM rekindle.file_blobs "
                "WHERE candidate_id = %s AND sha256 = %s",
                (candidate_id, sha256),
            ).fetchone()
        return (bytes(row[0]), row[1]) if row else None

    def purge(self, candidate_id: UUID) -> int:
        with self.pool.connection() as conn:
            return conn.execute("DELETE FROM rekindle.file_blobs WHERE candidate_id = %s",
                                (candidate_id,)).rowcount
