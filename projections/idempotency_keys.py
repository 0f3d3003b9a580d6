"""The stored first answers to `Idempotency-Key`s (`rekindle.idempotency_keys`), forgotten
when they expire (a chore) or when their candidate is erased (an erasure step).

The API claims and fills the rows (api/idempotency.py); forgetting them is here, beside the
table, so the chores and the composition root reach it without the API.
"""

from __future__ import annotations

from uuid import UUID

from psycopg_pool import ConnectionPool


def purge_candidate(pool: ConnectionPool, candidate_id: UUID) -> int:
    """Forgets stored answers about a candidate (they may hold personal data): GDPR erasure."""
    with pool.connection() as conn:
        cur = conn.execute("DELETE FROM rekindle.idempotency_keys WHERE candidate_id = %s",
                           (candidate_id,))
        return cur.rowcount


def purge_expired(pool: ConnectionPool) -> int:
    """Forgets the answers past their expiry, by the database's clock (the one that set it
    and that a claim compares it with): an expired key is claimed afresh anyway, so they
    only take room."""
    with pool.connection() as conn:
        cur = conn.execute("DELETE FROM rekindle.idempotency_keys WHERE expires_at < now()")
        return cur.rowcount


class IdempotentAnswers:
    """Erasure step: stored answers about the candidate (they echo its data) are forgotten."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def __call__(self, candidate_id: UUID) -> None:
        purge_candidate(self.pool, candidate_id)
