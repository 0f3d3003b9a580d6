"""Postings and users, part of the profiles view (read.postings, read.users): who hires for
what, and who works in Rekindle. A user's name and email come sealed like a candidate's."""

from __future__ import annotations

from typing import Any

from psycopg import Cursor

TABLES_SQL = (
    """CREATE TABLE IF NOT EXISTS read.postings (
        id uuid PRIMARY KEY, title text NOT NULL, team text, location text, state text NOT NULL,
        hiring_team uuid[] NOT NULL DEFAULT '{}', version bigint NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS postings_created ON read.postings (created_at, id)",
    """CREATE TABLE IF NOT EXISTS read.users (
        id uuid PRIMARY KEY, name text, email text, role text NOT NULL,
        version bigint NOT NULL DEFAULT 1, created_at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS users_created ON read.users (created_at, id)",
)
TABLES = ("postings", "users")


def personal_data(personal: Any) -> dict[str, Any] | None:
    """What a `Personal` holds; None once erased."""
    return None if personal is None else personal.data


class PostingAndUserRows:
    """The profiles view's handlers of posting and user events."""

    def on_PostingCreated(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("INSERT INTO read.postings (id, title, team, location, state, hiring_team, "
                    "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (id) DO NOTHING",
                    (e.originator_id, e.title, e.team, e.location, e.state, list(e.hiring_team),
                     e.timestamp, e.timestamp))

    def on_PostingStateChanged(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.postings SET state = %s, updated_at = %s WHERE id = %s",
                    (e.state, e.timestamp, e.originator_id))

    def on_HiringTeamChanged(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.postings SET hiring_team = %s, updated_at = %s WHERE id = %s",
                    (list(e.hiring_team), e.timestamp, e.originator_id))

    def on_UserCreated(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        data = personal_data(e.personal) or {}
        cur.execute("INSERT INTO read.users (id, name, email, role, created_at) VALUES "
                    "(%s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                    (e.originator_id, data.get("name"), data.get("email"), e.role, e.timestamp))

    def on_RoleChanged(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.users SET role = %s WHERE id = %s", (e.role, e.originator_id))
