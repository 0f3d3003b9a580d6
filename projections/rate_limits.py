"""Per-address budgets (talent-form posts, failed authentications) shared by every process.

A budget allows `per_minute` hits per client address in any sixty seconds (a sliding
minute, exactly). Its state lives in PostgreSQL, so whichever API process answers, an
address spends the same budget: one row per budget and address in
`rekindle.rate_limit_hits`, holding the times of its hits of the last minute (at most
`per_minute` of them, so the row stays small for the small budgets these are).

One statement per hit checks and counts at once: the upsert locks the address's row, so
two processes admitting the same address at the same moment cannot both take its last
place. A refused hit is not counted: an address that keeps knocking is admitted again a
minute after its earliest counted hit. Rows idle for a minute hold nothing a budget looks
at; a chore deletes them (`purge_idle`, consumers/scheduler.py).
"""

from __future__ import annotations

from psycopg_pool import ConnectionPool

_RECENT = "(SELECT count(*) FROM unnest(h.hits) t WHERE t > now() - interval '1 minute')"

_ADMIT = f"""
    INSERT INTO rekindle.rate_limit_hits AS h (budget, address, hits, last_hit)
    VALUES (%(budget)s, %(address)s, ARRAY[now()], now())
    ON CONFLICT (budget, address) DO UPDATE
    SET hits = ARRAY(SELECT t FROM unnest(h.hits) t WHERE t > now() - interval '1 minute')
               || now(),
        last_hit = now()
    WHERE {_RECENT} < %(limit)s
    RETURNING 1"""

_SPENT = f"""SELECT {_RECENT} >= %(limit)s FROM rekindle.rate_limit_hits h
    WHERE h.budget = %(budget)s AND h.address = %(address)s"""


class SharedLimiter:
    """At most `per_minute` hits per client address in any minute, across processes."""

    def __init__(self, pool: ConnectionPool, budget: str, per_minute: int) -> None:
        self.pool = pool
        self.budget = budget
        self.per_minute = per_minute

    def _params(self, address: str) -> dict[str, object]:
        return {"budget": self.budget, "address": address, "limit": self.per_minute}

    def admit(self, address: str) -> bool:
        """Counts a hit from `address` if its budget allows one more; False if it is spent."""
        with self.pool.connection() as conn:
            return conn.execute(_ADMIT, self._params(address)).fetchone() is not None

    def blocked(self, address: str) -> bool:
        """Whether the budget of `address` is spent, without counting anything."""
        with self.pool.connection() as conn:
            row = conn.execute(_SPENT, self._params(address)).fetchone()
        return bool(row and row[0])


def purge_idle(pool: ConnectionPool) -> int:
    """Deletes the rows of addresses with no hit in the last minute; returns how many."""
    with pool.connection() as conn:
        cur = conn.execute("DELETE FROM rekindle.rate_limit_hits "
                           "WHERE last_hit < now() - interval '1 minute'")
        return cur.rowcount
