"""Subject keys in PostgreSQL: one AES-256 key per candidate or user; deleting it erases them."""

from __future__ import annotations

import os
import threading
import time
from uuid import UUID

from psycopg_pool import ConnectionPool

CACHE_TTL_S = 30.0


class PostgresKeyStore:
    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool
        self._cache: dict[UUID, tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    def create_key(self, subject_id: UUID) -> bytes:
        key = os.urandom(32)
        with self.pool.connection() as conn:
            row = conn.execute(
                "INSERT INTO rekindle.subject_keys (subject_id, key) VALUES (%s, %s) "
                "ON CONFLICT (subject_id) DO UPDATE SET subject_id = EXCLUDED.subject_id "
                "RETURNING key",
                (subject_id, key),
            ).fetchone()
        key = bytes(row[0])
        self._remember(subject_id, key)
        return key

    def create_keys(self, subject_ids: list[UUID]) -> None:
        """New keys for many subjects in one round trip (bulk import)."""
        keys = [(subject_id, os.urandom(32)) for subject_id in subject_ids]
        with self.pool.connection() as conn:
            conn.execute("INSERT INTO rekindle.subject_keys (subject_id, key) "
                         "SELECT * FROM unnest(%s::uuid[], %s::bytea[])",
                         ([s for s, _ in keys], [k for _, k in keys]))
        for subject_id, key in keys:
            self._remember(subject_id, key)

    def key_for(self, subject_id: UUID) -> bytes | None:
        with self._lock:
            cached = self._cache.get(subject_id)
        if cached and time.monotonic() - cached[1] < CACHE_TTL_S:
            return cached[0]
        with self.pool.connection() as conn:
            row = conn.execute("SELECT key FROM rekindle.subject_keys WHERE subject_id = %s",
                               (subject_id,)).fetchone()
        if row is None:
            return None
        key = bytes(row[0])
        self._remember(subject_id, key)
        return key

    def preload(self, subject_ids: list[UUID]) -> None:
        """Fetches many keys in one query (projection catch-up decodes thousands of subjects)."""
        wanted = [s for s in subject_ids if s not in self._cache]
        if not wanted:
            return
        with self.pool.connection() as conn:
            rows = conn.execute("SELECT subject_id, key FROM rekindle.subject_keys "
                                "WHERE subject_id = ANY(%s)", (wanted,)).fetchall()
        for subject_id, key in rows:
            self._remember(subject_id, bytes(key))

    def destroy(self, subject_id: UUID) -> None:
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM rekindle.subject_keys WHERE subject_id = %s", (subject_id,))
        with self._lock:
            self._cache.pop(subject_id, None)

    def _remember(self, subject_id: UUID, key: bytes) -> None:
        with self._lock:
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[subject_id] = (key, time.monotonic())
