"""Queries over the core read models (schema `read`): candidates, opportunities, postings,
users. The API's GET routes call only these.

Every function takes a psycopg ConnectionPool first and returns the read model's rows (with
their related rows under a key: a candidate's `opportunities`, an opportunity's `files`),
which the API renders in its shapes (api/responses/); None for an id that is unknown or
that the viewer's scope does not reach (projections/visibility.py).
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from domain.access import scope_of
from domain.actor import Actor
from projections import visibility as seen
from projections.paging import decode_cursor, list_page, page_limit

VIEWS = ("profiles",)  # the projections whose tables these queries read (read-your-writes)


# --- candidates ---------------------------------------------------------------------------------

_CANDIDATE_COLUMNS = ("c.id, c.name, c.emails, c.phones, c.location, c.headline, c.links, c.tags, "
                      "c.sources, c.origin, c.pools, c.external_ids, c.consent_status, "
                      "c.consent_deadline, c.consent_granted_at, c.deletion_requested_at, "
                      "c.anonymized_at, c.version, c.created_at, c.updated_at")


def _candidates_from(viewer: Actor) -> tuple[str, dict[str, Any], dict[str, str]]:
    """SELECT … FROM and its parameters for candidates the viewer sees (under the clause
    `_sees`), with the expressions of their derived columns (over the opportunities the
    viewer sees)."""
    scope = scope_of(viewer)
    join, derived = seen.derived_columns(scope)
    columns = ", ".join(f"{expression} AS {name}" for name, expression in derived.items())
    sql = f"SELECT {_CANDIDATE_COLUMNS}, {columns} FROM read.candidates c{join}"
    return sql, seen.params(scope), derived


def _sees(viewer: Actor) -> str:
    return seen.candidate_visible(scope_of(viewer))


def get_candidate(pool: ConnectionPool, candidate_id: UUID, viewer: Actor) -> dict[str, Any] | None:
    select, params, _ = _candidates_from(viewer)
    params["id"] = candidate_id
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(f"{select} WHERE {_sees(viewer)} AND c.id = %(id)s",
                          params).fetchone()
        if row is None:
            return None
        opportunities = cur.execute(
            "SELECT * FROM read.opportunities o WHERE o.candidate_id = %(id)s AND "
            f"{seen.opportunity_visible(scope_of(viewer))} ORDER BY o.created_at, o.id",
            params).fetchall()
    return {**row, "opportunities": opportunities}


def candidate_visible(pool: ConnectionPool, candidate_id: UUID, viewer: Actor) -> bool:
    scope = scope_of(viewer)
    with pool.connection() as conn:
        row = conn.execute(f"SELECT 1 FROM read.candidates c WHERE c.id = %(id)s AND "
                           f"{seen.candidate_visible(scope)}",
                           {**seen.params(scope), "id": candidate_id}).fetchone()
    return row is not None


def visible_opportunity_ids(pool: ConnectionPool, candidate_id: UUID,
                            viewer: Actor) -> list[UUID]:
    scope = scope_of(viewer)
    with pool.connection() as conn:
        rows = conn.execute(f"SELECT o.id FROM read.opportunities o WHERE o.candidate_id = "
                            f"%(id)s AND {seen.opportunity_visible(scope)}",
                            {**seen.params(scope), "id": candidate_id}).fetchall()
    return [r[0] for r in rows]


def _tsquery(q: str) -> str | None:
    """Prefix-matches every word of `q` (names and email addresses), safely quoted."""
    words = [w for w in re.split(r"\s+", q.lower().strip()) if w]
    terms = []
    for word in words:
        cleaned = re.sub(r"[^\w@.+-]", "", word)
        if cleaned:
            terms.append("'" + cleaned.replace("'", "''") + "':*")
    return " & ".join(terms) or None


def list_candidates(pool: ConnectionPool, viewer: Actor, *, tag: str | None = None,
                    pool_id: UUID | None = None, posting_id: UUID | None = None,
                    source: str | None = None,
                    archive_reason: str | None = None, consent: str | None = None,
                    stage: str | None = None, q: str | None = None, limit: int | None = None,
                    cursor: str | None = None) -> dict[str, Any]:
    """Talent search; all filters run in PostgreSQL (GIN indexes), newest-first keyset pages.

    A list filter matches the candidate's own values and those of the opportunities the
    viewer sees; `posting_id`, the candidates with an opportunity the viewer sees for it."""
    page_limit(limit), decode_cursor(cursor)  # refused even when nothing can match
    select, params, derived = _candidates_from(viewer)
    where = [_sees(viewer)]
    filters = {
        "tag": (tag, f"(c.tags || {derived['opportunity_tags']}) @> ARRAY[%(tag)s]::text[]"),
        "pool_id": (pool_id, "c.pools @> ARRAY[%(pool_id)s]::uuid[]"),
        "posting_id": (posting_id, "c.id IN (SELECT po.candidate_id FROM read.opportunities po "
                       "WHERE po.posting_id = %(posting_id)s AND "
                       f"{seen.opportunity_visible(scope_of(viewer), 'po')})"),
        "source": (source, f"(c.sources || {derived['opportunity_sources']}) "
                           "@> ARRAY[%(source)s]::text[]"),
        "archive_reason": (archive_reason,
                           f"{derived['archive_reasons']} @> ARRAY[%(archive_reason)s]::text[]"),
        "consent": (consent, "c.consent_status = %(consent)s"),
        "stage": (stage, f"{derived['stages']} @> ARRAY[%(stage)s]::text[]"),
    }
    for key, (value, clause) in filters.items():
        if value is not None:
            where.append(clause)
            params[key] = value
    if q is not None and q.strip():
        query = _tsquery(q)
        if query is None:
            return {"items": [], "next_cursor": None}
        where.append("c.search @@ to_tsquery('simple', %(q)s)")
        params["q"] = query
    return list_page(pool, select, where, params, limit, cursor, alias="c", newest_first=True)


# --- opportunities ------------------------------------------------------------------------------

def get_opportunity(pool: ConnectionPool, opportunity_id: UUID,
                    viewer: Actor) -> dict[str, Any] | None:
    scope = scope_of(viewer)
    params = {**seen.params(scope), "id": opportunity_id}
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(f"SELECT * FROM read.opportunities o WHERE o.id = %(id)s AND "
                          f"{seen.opportunity_visible(scope)}", params).fetchone()
        if row is None:
            return None
        files = cur.execute("SELECT * FROM read.opportunity_files f WHERE opportunity_id = "
                            f"%(id)s AND {seen.file_visible(scope)} ORDER BY attached_at, id",
                            params).fetchall()
    return {**row, "files": files}


def list_opportunities(pool: ConnectionPool, viewer: Actor, *, posting_id: UUID | None = None,
                       candidate_id: UUID | None = None, stage: str | None = None,
                       owner_id: UUID | None = None, archived: bool | None = None,
                       archive_reason: str | None = None, general: bool | None = None,
                       limit: int | None = None, cursor: str | None = None) -> dict[str, Any]:
    """Opportunities the viewer sees (a posting's pipeline, a candidate's, an owner's...),
    oldest first, without their files (the opportunity's own GET has them)."""
    scope = scope_of(viewer)
    where = [seen.opportunity_visible(scope)]
    params: dict[str, Any] = seen.params(scope)
    for name, value, clause in (
            ("posting_id", posting_id, "o.posting_id = %(posting_id)s"),
            ("candidate_id", candidate_id, "o.candidate_id = %(candidate_id)s"),
            ("stage", stage, "o.stage = %(stage)s"),
            ("owner_id", owner_id, "o.owner_id = %(owner_id)s"),
            ("archive_reason", archive_reason, "o.archive_reason = %(archive_reason)s")):
        if value is not None:
            where.append(clause)
            params[name] = value
    if archived is not None:
        where.append("o.archived_at IS " + ("NOT NULL" if archived else "NULL"))
    if general is not None:
        where.append("o.posting_id IS " + ("NULL" if general else "NOT NULL"))
    return list_page(pool, "SELECT * FROM read.opportunities o", where, params, limit, cursor,
                     alias="o")


# --- postings -----------------------------------------------------------------------------------



def _posting_visible(viewer: Actor) -> tuple[str, dict[str, Any]]:
    """A limited team member sees the postings whose hiring team lists them."""
    scope = scope_of(viewer)
    if scope.everything:
        return "true", {}
    return "%(scope_member)s = ANY(p.hiring_team)", seen.params(scope)
_POSTING_SELECT = (
    "SELECT p.*, coalesce((SELECT jsonb_object_agg(stage, opportunities) "
    "FROM read.posting_pipeline pp WHERE pp.posting_id = p.id), '{}') AS pipeline "
    "FROM read.postings p")


def get_posting(pool: ConnectionPool, posting_id: UUID, viewer: Actor) -> dict[str, Any] | None:
    visible, params = _posting_visible(viewer)
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(f"{_POSTING_SELECT} WHERE p.id = %(id)s AND {visible}",
                          {**params, "id": posting_id}).fetchone()
    return row


def list_postings(pool: ConnectionPool, viewer: Actor, *, state: str | None = None,
                  limit: int | None = None, cursor: str | None = None) -> dict[str, Any]:
    visible, params = _posting_visible(viewer)
    where = [visible]
    if state is not None:
        where.append("p.state = %(state)s")
        params["state"] = state
    return list_page(pool, _POSTING_SELECT, where, params, limit, cursor, alias="p")


# --- users --------------------------------------------------------------------------------------

def get_user(pool: ConnectionPool, user_id: UUID) -> dict[str, Any] | None:
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("SELECT * FROM read.users WHERE id = %s", (user_id,)).fetchone()
    return row


def list_users(pool: ConnectionPool, *, role: str | None = None, limit: int | None = None,
               cursor: str | None = None) -> dict[str, Any]:
    where: list[str] = []
    params: dict[str, Any] = {}
    if role is not None:
        where.append("role = %(role)s")
        params["role"] = role
    return list_page(pool, "SELECT * FROM read.users", where, params, limit, cursor)
