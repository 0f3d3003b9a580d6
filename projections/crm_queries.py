"""Queries over the CRM read models (projections/crm.py); the CRM routes call only these.

Same contract as projections/queries.py: a psycopg pool first, the read models' rows out
(the API's response schemas render them), None for an unknown id, lists as
{items, next_cursor} ordered by (created_at, id).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from domain.access import addressed_to, scope_of
from domain.actor import Actor
from projections import visibility as seen
from projections.paging import list_page

VIEWS = ("crm", "profiles")  # the projections whose tables these queries read


def _list(pool: ConnectionPool, table: str, where: list[str], params: dict[str, Any],
          limit: int | None, cursor: str | None, key: str = "created_at",
          id_column: str = "id") -> dict[str, Any]:
    """One page of a table of this module's, oldest first."""
    return list_page(pool, f"SELECT * FROM {table}", where, params, limit, cursor, key=key,
                     id_column=id_column)


def _one(pool: ConnectionPool, sql: str, args: Any) -> dict[str, Any] | None:
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql, args).fetchone()


def _sees_candidate(viewer: Actor, column: str) -> tuple[str, dict[str, Any]]:
    """A clause on a candidate id column: the viewer sees that candidate."""
    scope = scope_of(viewer)
    if scope.everything:
        return "true", {}
    clause = seen.candidate_visible(scope, "vc")
    return (f"EXISTS (SELECT 1 FROM read.candidates vc WHERE vc.id = {column} AND {clause})",
            seen.params(scope))


# --- pools --------------------------------------------------------------------------------------




def get_pool(pool: ConnectionPool, pool_id: UUID, viewer: Actor) -> dict[str, Any] | None:
    """The pool, with how many of its members the viewer sees."""
    visible, params = _sees_candidate(viewer, "m.candidate_id")
    row = _one(pool, "SELECT p.*, (SELECT count(*) FROM read.crm_pool_members m "
                     f"WHERE m.pool_id = p.id AND {visible}) AS members "
                     "FROM read.crm_pools p WHERE p.id = %(id)s", {**params, "id": pool_id})
    return row


def list_pools(pool: ConnectionPool, *, limit: int | None = None,
               cursor: str | None = None) -> dict[str, Any]:
    return _list(pool, "read.crm_pools", [], {}, limit, cursor)




def pool_members(pool: ConnectionPool, pool_id: UUID, viewer: Actor, *,
                 limit: int | None = None, cursor: str | None = None) -> dict[str, Any]:
    """Summaries of the pool's members the viewer sees, in the order they joined."""
    table = ("(SELECT m.candidate_id, m.pool_id, m.added_at, m.added_by_rule, c.name, c.emails, "
             "c.tags, c.consent_status FROM read.crm_pool_members m "
             "LEFT JOIN read.candidates c ON c.id = m.candidate_id) AS members")
    visible, params = _sees_candidate(viewer, "members.candidate_id")
    return _list(pool, table, ["pool_id = %(pool_id)s", visible], {**params, "pool_id": pool_id},
                 limit, cursor, key="added_at", id_column="candidate_id")


# --- rules --------------------------------------------------------------------------------------




def get_rule(pool: ConnectionPool, rule_id: UUID) -> dict[str, Any] | None:
    row = _one(pool, "SELECT * FROM read.crm_rules WHERE id = %s", (rule_id,))
    if row is None:
        return None
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        runs = cur.execute("SELECT * FROM read.crm_rule_runs WHERE rule_id = %s "
                           "ORDER BY ran_at DESC, run_id LIMIT 20", (rule_id,)).fetchall()
    return {**row, "recent_runs": runs}


def list_rules(pool: ConnectionPool, *, trigger: str | None = None, limit: int | None = None,
               cursor: str | None = None) -> dict[str, Any]:
    where = [] if trigger is None else ["trigger = %(trigger)s"]
    return _list(pool, "read.crm_rules", where, {"trigger": trigger}, limit, cursor)


# --- forms --------------------------------------------------------------------------------------




def get_form(pool: ConnectionPool, form_id: UUID) -> dict[str, Any] | None:
    row = _one(pool, "SELECT * FROM read.crm_forms WHERE id = %s", (form_id,))
    return row


def list_forms(pool: ConnectionPool, *, limit: int | None = None,
               cursor: str | None = None) -> dict[str, Any]:
    return _list(pool, "read.crm_forms", [], {}, limit, cursor)


# --- reminders and notifications ----------------------------------------------------------------




def get_reminder(pool: ConnectionPool, reminder_id: UUID,
                 viewer: Actor | None = None) -> dict[str, Any] | None:
    """The reminder; with `viewer`, only as their list would show it: on a candidate they
    see and, for a limited team member, addressed to them (else None, like an unknown id)."""
    where, params = ["id = %(id)s"], {"id": reminder_id}
    if viewer is not None:
        visible, seen_params = _sees_candidate(viewer, "candidate_id")
        where.append(visible)
        params.update(seen_params)
        assignee = addressed_to(viewer, None)
        if assignee is not None:
            where.append("assignee_id = %(assignee_id)s")
            params["assignee_id"] = assignee
    return _one(pool, f"SELECT * FROM read.crm_reminders WHERE {' AND '.join(where)}", params)


def list_reminders(pool: ConnectionPool, viewer: Actor, *, assignee_id: UUID | None = None,
                   candidate_id: UUID | None = None, due_before: datetime | None = None,
                   status: str | None = None, limit: int | None = None,
                   cursor: str | None = None) -> dict[str, Any]:
    """Reminders on candidates the viewer sees."""
    visible, params = _sees_candidate(viewer, "candidate_id")
    where = [visible]
    for clause, name, value in (("assignee_id = %(assignee_id)s", "assignee_id", assignee_id),
                                ("candidate_id = %(candidate_id)s", "candidate_id", candidate_id),
                                ("due_at < %(due_before)s", "due_before", due_before),
                                ("status = %(status)s", "status", status)):
        if value is not None:
            where.append(clause)
            params[name] = value
    return _list(pool, "read.crm_reminders", where, params, limit, cursor)


def due_reminder_ids(pool: ConnectionPool, now: datetime, limit: int = 1000) -> list[UUID]:
    """Pending reminders due by `now`; [] until the projection's tables exist."""
    with pool.connection() as conn:
        if conn.execute("SELECT to_regclass('read.crm_reminders')").fetchone()[0] is None:
            return []
        rows = conn.execute("SELECT id FROM read.crm_reminders WHERE status = 'pending' "
                            "AND due_at <= %s ORDER BY due_at LIMIT %s", (now, limit)).fetchall()
    return [row[0] for row in rows]




def list_notifications(pool: ConnectionPool, *, recipient_id: UUID | None = None,
                       limit: int | None = None, cursor: str | None = None) -> dict[str, Any]:
    where = [] if recipient_id is None else ["recipient_id = %(recipient_id)s"]
    return _list(pool, "read.crm_notifications", where, {"recipient_id": recipient_id},
                 limit, cursor)


# --- campaigns ----------------------------------------------------------------------------------




def get_campaign(pool: ConnectionPool, campaign_id: UUID) -> dict[str, Any] | None:
    row = _one(pool, "SELECT * FROM read.crm_campaigns WHERE id = %s", (campaign_id,))
    if row is None:
        return None
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        skipped = cur.execute("SELECT candidate_id, reason FROM read.crm_campaign_deliveries "
                              "WHERE campaign_id = %s AND status = 'skipped' "
                              "ORDER BY position, candidate_id LIMIT 500",
                              (campaign_id,)).fetchall()
        mails = cur.execute("SELECT status, count(*) AS n FROM read.crm_mails "
                            "WHERE campaign_id = %s GROUP BY status", (campaign_id,)).fetchall()
    return {**row, "skipped": skipped,
            "mails": {"queued": 0, "sent": 0, "failed": 0, "cancelled": 0,
                      **{r["status"]: r["n"] for r in mails}}}


def list_campaigns(pool: ConnectionPool, *, limit: int | None = None,
                   cursor: str | None = None) -> dict[str, Any]:
    return _list(pool, "read.crm_campaigns", [], {}, limit, cursor)


# --- imports ------------------------------------------------------------------------------------


def get_import(pool: ConnectionPool, import_id: UUID) -> dict[str, Any] | None:
    """An import's progress: counts and row errors (which never quote the row's values)."""
    row = _one(pool, "SELECT * FROM read.crm_imports WHERE id = %s", (import_id,))
    if row is None:
        return None
    return row
