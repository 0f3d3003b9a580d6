"""The erasure record auditors read: who asked, when, why, and who carried it out.

Table `read.erasures`, one row per candidate that has a pending or completed erasure, with
ids, times, roles and reasons only (no name, no email: the record must outlive the person).
A row appears on a deletion request or an expired consent; it is dropped again if consent is
granted before anonymization (the expiry no longer leads anywhere, a deletion request
still does); anonymization completes it. Reasons: `request`, `expiry`, `admin`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from psycopg import Cursor
from psycopg_pool import ConnectionPool

from projections.paging import decode_cursor, list_page, page_limit
from projections.readview import ReadProjection, ReadView

TABLES_SQL = (
    """CREATE TABLE IF NOT EXISTS read.erasures (
        candidate_id uuid PRIMARY KEY,
        status text NOT NULL,
        reason text,
        deletion_requested_at timestamptz, deletion_requested_by uuid,
        consent_expired_at timestamptz,
        anonymized_at timestamptz, anonymized_by uuid, anonymized_by_role text,
        opened_at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS erasures_opened ON read.erasures (opened_at, candidate_id)",
)
STATUSES = ("pending", "done")
REASONS = ("request", "expiry", "admin")


class ErasuresView(ReadView):
    tables_sql = TABLES_SQL
    tables = ("erasures",)


class ErasuresProjection(ReadProjection):
    """Builds `read.erasures` from the candidates' deletion, consent and anonymization events."""

    name = "erasures"
    lingers = True
    view_class: ClassVar[type[ReadView]] = ErasuresView

    def on_DeletionRequested(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute(
            "INSERT INTO read.erasures (candidate_id, status, reason, deletion_requested_at, "
            "deletion_requested_by, opened_at) VALUES (%s, 'pending', 'request', %s, %s, %s) "
            "ON CONFLICT (candidate_id) DO UPDATE SET deletion_requested_at = EXCLUDED."
            "deletion_requested_at, deletion_requested_by = EXCLUDED.deletion_requested_by, "
            "reason = CASE WHEN read.erasures.status = 'pending' THEN 'request' "
            "ELSE read.erasures.reason END",
            (e.originator_id, e.at, e.by.user_id, e.timestamp))

    def on_ConsentExpired(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute(
            "INSERT INTO read.erasures (candidate_id, status, reason, consent_expired_at, "
            "opened_at) VALUES (%s, 'pending', 'expiry', %s, %s) "
            "ON CONFLICT (candidate_id) DO UPDATE SET consent_expired_at = EXCLUDED."
            "consent_expired_at",
            (e.originator_id, e.timestamp, e.timestamp))

    def on_ConsentGranted(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("DELETE FROM read.erasures WHERE candidate_id = %s AND status = 'pending' "
                    "AND deletion_requested_at IS NULL", (e.originator_id,))

    def on_CandidateAnonymized(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute(
            "INSERT INTO read.erasures (candidate_id, status, reason, anonymized_at, "
            "anonymized_by, anonymized_by_role, opened_at) VALUES (%s, 'done', %s, %s, %s, %s, "
            "%s) ON CONFLICT (candidate_id) DO UPDATE SET status = 'done', "
            "reason = EXCLUDED.reason, anonymized_at = EXCLUDED.anonymized_at, "
            "anonymized_by = EXCLUDED.anonymized_by, "
            "anonymized_by_role = EXCLUDED.anonymized_by_role",
            (e.originator_id, e.reason, e.at, e.by.user_id, e.by.role, e.timestamp))


def list_erasures(pool: ConnectionPool, *, status: str | None = None,
                  reason: str | None = None, limit: int | None = None,
                  cursor: str | None = None) -> dict[str, Any]:
    """Erasure records, oldest first, as `{items, next_cursor}`."""
    where: list[str] = []
    params: dict[str, Any] = {}
    for column, value in (("status", status), ("reason", reason)):
        if value is not None:
            where.append(f"{column} = %({column})s")
            params[column] = value
    with pool.connection() as conn:
        if conn.execute("SELECT to_regclass('read.erasures')").fetchone()[0] is None:
            page_limit(limit), decode_cursor(cursor)  # refused, even before the view exists
            return {"items": [], "next_cursor": None}
    return list_page(pool, "SELECT * FROM read.erasures", where, params, limit, cursor,
                     key="opened_at", id_column="candidate_id")
