"""The mailer's queue: which mails to try, and when (`rekindle.mail_queue`).

A hint kept from the Mail events (queued, attempt failed: a row due then; sent, failed,
cancelled: no row), never the truth: a sender loads the Mail before trying it, so a stale or
repeated row costs a lookup, not a second message. Each row remembers the mail version that
wrote it, so a redelivered older event never moves a newer due time. A sender leases the
rows it takes, and a lease that runs out (the sender died) hands them to another.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from psycopg_pool import ConnectionPool


def due_at(pool: ConnectionPool, mail_id: UUID, candidate_id: UUID | None, at: datetime,
           version: int) -> None:
    with pool.connection() as conn:
        conn.execute(
            "INSERT INTO rekindle.mail_queue (mail_id, candidate_id, due_at, version) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (mail_id) DO UPDATE "
            "SET due_at = EXCLUDED.due_at, version = EXCLUDED.version, leased_until = NULL "
            "WHERE rekindle.mail_queue.version < EXCLUDED.version",
            (mail_id, candidate_id, at, version))


def done(pool: ConnectionPool, mail_id: UUID) -> None:
    with pool.connection() as conn:
        conn.execute("DELETE FROM rekindle.mail_queue WHERE mail_id = %s", (mail_id,))


def take(pool: ConnectionPool, now: datetime, limit: int, lease: timedelta) -> list[UUID]:
    """Leases up to `limit` due rows, oldest first; rows another sender holds are skipped."""
    with pool.connection() as conn:
        rows = conn.execute(
            "UPDATE rekindle.mail_queue SET leased_until = %(until)s WHERE mail_id IN ("
            " SELECT mail_id FROM rekindle.mail_queue WHERE due_at <= %(now)s"
            " AND (leased_until IS NULL OR leased_until < %(now)s)"
            " ORDER BY due_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED) RETURNING mail_id, due_at",
            {"until": now + lease, "now": now, "limit": limit}).fetchall()
    return [row[0] for row in sorted(rows, key=lambda r: r[1])]


def release(pool: ConnectionPool, mail_id: UUID) -> None:
    """Hands a leased row back untried (the sender is stopping, or the database blinked)."""
    with pool.connection() as conn:
        conn.execute("UPDATE rekindle.mail_queue SET leased_until = NULL WHERE mail_id = %s",
                     (mail_id,))


def of_candidate(pool: ConnectionPool, candidate_id: UUID) -> list[UUID]:
    with pool.connection() as conn:
        rows = conn.execute("SELECT mail_id FROM rekindle.mail_queue WHERE candidate_id = %s",
                            (candidate_id,)).fetchall()
    return [row[0] for row in rows]


def next_due(pool: ConnectionPool) -> datetime | None:
    with pool.connection() as conn:
        row = conn.execute("SELECT min(due_at) FROM rekindle.mail_queue").fetchone()
    return row[0] if row else None
