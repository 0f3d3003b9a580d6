"""Which live candidate owns an email address: a claim table, released on anonymization."""

from __future__ import annotations

from uuid import UUID

from psycopg_pool import ConnectionPool


class PostgresEmailIndex:
    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def claim(self, email: str, candidate_id: UUID) -> UUID | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                "INSERT INTO rekindle.email_claims (email, candidate_id) VALUES (%s, %s) "
                "ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING candidate_id",
                (email.lower(), candidate_id),
            ).fetchone()
        return None if row[0] == candidate_id else row[0]

    def claim_many(self, claims: list[tuple[str, UUID]]) -> dict[str, UUID]:
        """Claims many (unique) addresses at once; returns the taken ones with their owners."""
        if not claims:
            return {}
        emails = [e.lower() for e, _ in claims]
        with self.pool.connection() as conn:
            won = {row[0] for row in conn.execute(
                "INSERT INTO rekindle.email_claims (email, candidate_id) "
                "SELECT * FROM unnest(%s::text[], %s::uuid[]) ON CONFLICT (email) DO NOTHING "
                "RETURNING email", (emails, [c for _, c in claims])).fetchall()}
            lost = [e for e in emails if e not in won]
            if not lost:
                return {}
            rows = conn.execute("SELECT email, candidate_id FROM rekindle.email_claims "
                                "WHERE email = ANY(%s)", (lost,)).fetchall()
        return dict(rows)

    def release(self, candidate_id: UUID, emails: list[str] | None = None) -> None:
        with self.pool.connection() as conn:
            if emails is None:
                conn.execute("DELETE FROM rekindle.email_claims WHERE candidate_id = %s",
                             (candidate_id,))
            elif emails:
                conn.execute(
                    "DELETE FROM rekindle.email_claims WHERE candidate_id = %s AND email = ANY(%s)",
                    (candidate_id, [e.lower() for e in emails]),
                )

    def owner(self, email: str) -> UUID | None:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT candidate_id FROM rekindle.email_claims WHERE email = %s",
                               (email.lower(),)).fetchone()
        return row[0] if row else None
