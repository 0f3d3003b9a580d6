"""Read models stopped at an event they cannot apply: which event, and why.

Kept in PostgreSQL, so `/readyz` of every process (the API's too, when the projections run
in a worker) names the stuck view. The reason is the error's class and the line of ours that
raised it, never its message, which can quote personal values.
"""

from __future__ import annotations

from typing import Any

from psycopg_pool import ConnectionPool


class ViewFaults:
    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def stuck(self, name: str, position: int, event_type: str, error: str) -> None:
        with self.pool.connection() as conn:
            conn.execute("INSERT INTO rekindle.view_faults (name, position, event_type, error) "
                         "VALUES (%s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET "
                         "position = EXCLUDED.position, event_type = EXCLUDED.event_type, "
                         "error = EXCLUDED.error, since = now()",
                         (name, position, event_type, error))

    def moved_on(self, name: str) -> None:
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM rekindle.view_faults WHERE name = %s", (name,))

    def all(self) -> dict[str, dict[str, Any]]:
        with self.pool.connection() as conn:
            rows = conn.execute("SELECT name, position, event_type, error, since "
                                "FROM rekindle.view_faults ORDER BY name").fetchall()
        return {name: {"position": position, "event": event_type, "error": error,
                       "since": since.isoformat()}
                for name, position, event_type, error, since in rows}
