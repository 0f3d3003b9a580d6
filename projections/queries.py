"""Queries over the read models (schema `read`). The API's GET routes call only these.

CONTRACT (shared by the projections and API work): every function takes a psycopg
ConnectionPool first and returns plain JSON-able dicts shaped as API.md shows them
(ids as str, timestamps as ISO 8601 strings with timezone). `viewer` is an Actor; for a
`limited_team_member` results are restricted to what their hiring teams cover.
Functions return None (single item) when the id is unknown or not visible.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from domain.actor import Actor
from domain.errors import ValidationFailed

VIEWS = ("profiles",)  # the projections whose tables these queries read (read-your-writes)
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
LIMITED = "limited_team_member"
SECRET_READERS = ("super_admin", "admin")

# An opportunity a limited team member may see: on a posting whose hiring team lists them.
_OPP_VISIBLE = ("(%(limited)s = false OR (o.posting_id IS NOT NULL AND EXISTS ("
                "SELECT 1 FROM read.postings p WHERE p.id = o.posting_id "
                "AND %(viewer)s = ANY(p.hiring_team))))")
_CANDIDATE_VISIBLE = ("(%(limited)s = false OR EXISTS (SELECT 1 FROM read.opportunities o "
                      "WHERE o.candidate_id = c.id AND " + _OPP_VISIBLE + "))")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _str(value: Any) -> str | None:
    return str(value) if value is not None else None


def _viewer(viewer: Actor) -> dict[str, Any]:
    return {"limited": viewer.role == LIMITED, "viewer": viewer.user_id}


def page_limit(limit: int | None) -> int:
    """A list route's `limit`: DEFAULT_LIMIT when absent, else 1 to MAX_LIMIT."""
    if limit is None:
        return DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed.field("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
    return limit


def encode_cursor(*values: Any) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else str(v) for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, arity: int = 2) -> list[str] | None:
    """An opaque cursor: the sort key of the last item of the previous page."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != arity:
            raise ValueError("wrong shape")
        datetime.fromisoformat(values[0])
        UUID(values[1])
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed.field("cursor", "is not a cursor this list returned") from None
    return values


def _page(rows: list[dict[str, Any]], limit: int, render: Any) -> dict[str, Any]:
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows and more else None
    return {"items": [render(r) for r in rows],
            "next_cursor": encode_cursor(last["created_at"], last["id"]) if last else None}


# --- candidates ---------------------------------------------------------------------------------

def _opportunity_summary(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]), "posting_id": _str(row["posting_id"]),
        "general": row["posting_id"] is None, "owner_id": _str(row["owner_id"]),
        "stage": row["stage"], "origin": row["origin"], "sources": list(row["sources"]),
        "tags": list(row["tags"]), "archived": _archived(row),
        "created_at": _iso(row["created_at"]),
    }


def _archived(row: dict[str, Any]) -> dict[str, Any] | None:
    if row["archived_at"] is None:
        return None
    return {"reason": row["archive_reason"], "at": _iso(row["archived_at"]),
            "by": _str(row["archived_by"])}


def _candidate(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]), "name": row["name"], "emails": list(row["emails"]),
        "phones": list(row["phones"]), "location": row["location"],
        "headline": row["headline"], "links": list(row["links"]), "tags": list(row["tags"]),
        "sources": list(row["sources"]), "origin": row["origin"],
        "pools": [str(p) for p in row["pools"]],
        "external_ids": dict(row["external_ids"] or {}),
        "consent": {"status": row["consent_status"], "deadline": _iso(row["consent_deadline"]),
                    "granted_at": _iso(row["consent_granted_at"])},
        "gdpr": {"deletion_requested": row["deletion_requested_at"] is not None,
                 "anonymized": row["anonymized_at"] is not None,
                 "deletion_requested_at": _iso(row["deletion_requested_at"]),
                 "anonymized_at": _iso(row["anonymized_at"])},
        "opportunity_tags": list(row["opportunity_tags"]),
        "opportunity_sources": list(row["opportunity_sources"]),
        "archive_reasons": list(row["archive_reasons"]), "stages": list(row["stages"]),
        "created_at": _iso(row["created_at"]), "updated_at": _iso(row["updated_at"]),
    }


_CANDIDATE_COLUMNS = ("c.id, c.name, c.emails, c.phones, c.location, c.headline, c.links, c.tags, "
                      "c.sources, c.origin, c.pools, c.external_ids, c.consent_status, "
                      "c.consent_deadline, c.consent_granted_at, c.deletion_requested_at, "
                      "c.anonymized_at, c.opportunity_tags, c.opportunity_sources, "
                      "c.archive_reasons, c.stages, c.created_at, c.updated_at")


def get_candidate(pool: ConnectionPool, candidate_id: UUID, viewer: Actor) -> dict[str, Any] | None:
    params = {**_viewer(viewer), "id": candidate_id}
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(f"SELECT {_CANDIDATE_COLUMNS} FROM read.candidates c "
                          f"WHERE c.id = %(id)s AND {_CANDIDATE_VISIBLE}", params).fetchone()
        if row is None:
            return None
        opportunities = cur.execute(
            "SELECT * FROM read.opportunities o WHERE o.candidate_id = %(id)s AND "
            f"{_OPP_VISIBLE} ORDER BY o.created_at, o.id", params).fetchall()
    return {**_candidate(row), "opportunities": [_opportunity_summary(o) for o in opportunities]}


def candidate_visible(pool: ConnectionPool, candidate_id: UUID, viewer: Actor) -> bool:
    with pool.connection() as conn:
        row = conn.execute(f"SELECT 1 FROM read.candidates c WHERE c.id = %(id)s AND "
                           f"{_CANDIDATE_VISIBLE}",
                           {**_viewer(viewer), "id": candidate_id}).fetchone()
    return row is not None


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
                    pool_id: UUID | None = None, source: str | None = None,
                    archive_reason: str | None = None, consent: str | None = None,
                    stage: str | None = None, q: str | None = None, limit: int = DEFAULT_LIMIT,
                    cursor: str | None = None) -> dict[str, Any]:
    """Talent search; all filters run in PostgreSQL (GIN indexes), newest-first keyset pages."""
    limit = page_limit(limit)
    after = decode_cursor(cursor)
    where = [_CANDIDATE_VISIBLE]
    params: dict[str, Any] = {**_viewer(viewer), "limit": limit + 1}
    filters = {
        "tag": (tag, "(c.tags || c.opportunity_tags) @> ARRAY[%(tag)s]::text[]"),
        "pool_id": (pool_id, "c.pools @> ARRAY[%(pool_id)s]::uuid[]"),
        "source": (source, "(c.sources || c.opportunity_sources) @> ARRAY[%(source)s]::text[]"),
        "archive_reason": (archive_reason,
                           "c.archive_reasons @> ARRAY[%(archive_reason)s]::text[]"),
        "consent": (consent, "c.consent_status = %(consent)s"),
        "stage": (stage, "c.stages @> ARRAY[%(stage)s]::text[]"),
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
    if after is not None:
        where.append("(c.created_at, c.id) < (%(after_at)s::timestamptz, %(after_id)s::uuid)")
        params.update(after_at=after[0], after_id=after[1])
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(f"SELECT {_CANDIDATE_COLUMNS} FROM read.candidates c WHERE "
                           f"{' AND '.join(where)} ORDER BY c.created_at DESC, c.id DESC "
                           "LIMIT %(limit)s", params).fetchall()
    return _page(rows, limit, _candidate)


# --- opportunities ------------------------------------------------------------------------------

def get_opportunity(pool: ConnectionPool, opportunity_id: UUID,
                    viewer: Actor) -> dict[str, Any] | None:
    params = {**_viewer(viewer), "id": opportunity_id,
              "secrets": viewer.role in SECRET_READERS}
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(f"SELECT * FROM read.opportunities o WHERE o.id = %(id)s AND "
                          f"{_OPP_VISIBLE}", params).fetchone()
        if row is None:
            return None
        files = cur.execute("SELECT * FROM read.opportunity_files WHERE opportunity_id = %(id)s "
                            "AND (%(secrets)s OR NOT secret) ORDER BY attached_at, id",
                            params).fetchall()
    return {
        **_opportunity_summary(row), "candidate_id": str(row["candidate_id"]),
        "files": [{"id": str(f["id"]), "name": f["name"], "secret": f["secret"],
                   "kind": f["kind"], "sha256": f["sha256"], "size": f["size"],
                   "content_type": f["content_type"]} for f in files],
        "referral": None if row["referrer_id"] is None else {
            "referrer_id": str(row["referrer_id"]),
            "relationship": row["referral_relationship"], "notes": row["referral_notes"]},
        "copied_from": None if row["copied_from_id"] is None else {
            "opportunity_id": str(row["copied_from_id"]),
            "categories": list(row["copied_categories"] or [])},
        "ats": None if row["ats_status"] is None else {
            "status": row["ats_status"], "external_id": row["ats_external_id"],
            "last_error": row["ats_last_error"]},
        "created_by": _str(row["created_by"]), "updated_at": _iso(row["updated_at"]),
    }


# --- postings -----------------------------------------------------------------------------------

_POSTING_VISIBLE = "(%(limited)s = false OR %(viewer)s = ANY(p.hiring_team))"
_POSTING_SELECT = (
    "SELECT p.*, coalesce((SELECT jsonb_object_agg(stage, opportunities) "
    "FROM read.posting_pipeline pp WHERE pp.posting_id = p.id), '{}') AS pipeline "
    "FROM read.postings p")


def _posting(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(row["id"]), "title": row["title"], "team": row["team"],
            "location": row["location"], "state": row["state"],
            "hiring_team": [str(u) for u in row["hiring_team"]],
            "pipeline": dict(row["pipeline"]), "created_at": _iso(row["created_at"]),
            "updated_at": _iso(row["updated_at"])}


def get_posting(pool: ConnectionPool, posting_id: UUID, viewer: Actor) -> dict[str, Any] | None:
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(f"{_POSTING_SELECT} WHERE p.id = %(id)s AND {_POSTING_VISIBLE}",
                          {**_viewer(viewer), "id": posting_id}).fetchone()
    return None if row is None else _posting(row)


def list_postings(pool: ConnectionPool, viewer: Actor, *, state: str | None = None,
                  limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> dict[str, Any]:
    limit = page_limit(limit)
    after = decode_cursor(cursor)
    where = [_POSTING_VISIBLE]
    params: dict[str, Any] = {**_viewer(viewer), "limit": limit + 1}
    if state is not None:
        where.append("p.state = %(state)s")
        params["state"] = state
    if after is not None:
        where.append("(p.created_at, p.id) > (%(after_at)s::timestamptz, %(after_id)s::uuid)")
        params.update(after_at=after[0], after_id=after[1])
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(f"{_POSTING_SELECT} WHERE {' AND '.join(where)} "
                           "ORDER BY p.created_at, p.id LIMIT %(limit)s", params).fetchall()
    return _page(rows, limit, _posting)


# --- users --------------------------------------------------------------------------------------

def _user(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(row["id"]), "name": row["name"], "email": row["email"],
            "role": row["role"], "created_at": _iso(row["created_at"])}


def get_user(pool: ConnectionPool, user_id: UUID) -> dict[str, Any] | None:
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("SELECT * FROM read.users WHERE id = %s", (user_id,)).fetchone()
    return None if row is None else _user(row)


def list_users(pool: ConnectionPool, *, role: str | None = None, limit: int = DEFAULT_LIMIT,
               cursor: str | None = None) -> dict[str, Any]:
    limit = page_limit(limit)
    after = decode_cursor(cursor)
    where = ["true"]
    params: dict[str, Any] = {"limit": limit + 1}
    if role is not None:
        where.append("role = %(role)s")
        params["role"] = role
    if after is not None:
        where.append("(created_at, id) > (%(after_at)s::timestamptz, %(after_id)s::uuid)")
        params.update(after_at=after[0], after_id=after[1])
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(f"SELECT * FROM read.users WHERE {' AND '.join(where)} "
                           "ORDER BY created_at, id LIMIT %(limit)s", params).fetchall()
    return _page(rows, limit, _user)
