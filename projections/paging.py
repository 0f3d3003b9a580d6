"""How the queries cut lists into pages, and how a value is written as text when a query
must (a cursor, a history's event data).

Lists are `{"items": [...], "next_cursor": "<opaque>"|null}`, ordered by a (time, id) key;
the cursor is that key of the last item, so a page never repeats or skips a row.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from domain.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def text_or_none(value: Any) -> str | None:
    return str(value) if value is not None else None


def page_limit(limit: int | None) -> int:
    """A list's `limit`: DEFAULT_LIMIT when absent, else 1 to MAX_LIMIT."""
    if limit is None:
        return DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed.field("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
    return limit


def encode_cursor(*values: Any) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else str(v) for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, UUID] | None:
    """The (time, id) key a cursor holds; a validation error for anything else."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != 2:
            raise ValueError("wrong shape")
        return datetime.fromisoformat(values[0]), UUID(values[1])
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed.field("cursor", "is not a cursor this list returned") from None


def page(rows: list[dict[str, Any]], limit: int, key: str = "created_at",
         id_column: str = "id") -> dict[str, Any]:
    """The first `limit` rows; `rows` holds one more when there is a next page."""
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows and more else None
    return {"items": rows,
            "next_cursor": encode_cursor(last[key], last[id_column]) if last else None}


def list_page(pool: ConnectionPool, select: str, where: list[str], params: dict[str, Any],
              limit: int | None, cursor: str | None, *, key: str = "created_at",
              id_column: str = "id", alias: str = "", newest_first: bool = False
              ) -> dict[str, Any]:
    """One page of `select` (`SELECT … FROM …`, the calling module's own SQL) under the
    `where` clauses (named parameters in `params`), ordered by (key, id) — of the table
    called `alias`, when the select joins others."""
    limit = page_limit(limit)
    after = decode_cursor(cursor)
    order = f"{alias}.{key}, {alias}.{id_column}" if alias else f"{key}, {id_column}"
    where, params = list(where), {**params, "limit": limit + 1}
    if after is not None:
        where.append(f"({order}) {'<' if newest_first else '>'} (%(after_at)s, %(after_id)s)")
        params.update(after_at=after[0], after_id=after[1])
    direction = " DESC" if newest_first else ""
    sql = (f"{select} WHERE {' AND '.join(where) or 'true'} ORDER BY "
           + ", ".join(column + direction for column in order.split(", "))
           + " LIMIT %(limit)s")
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(sql, params).fetchall()
    return page(rows, limit, key, id_column)
