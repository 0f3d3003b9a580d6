"""Parked messages: what a handler still failed on after its retries, kept with the reason
for an operator (`rekindle.parked_messages`), listed and handed back to the handler.

Both transports park here: the in-process workers, and the Kafka consumers for messages of
`rekindle.events` (which also go to `rekindle.events.dlq`, the broker's own record). A parked
message is the event it stands for, so a replay reads that event from the event store by its
position, whichever transport parked it, and delivers it to the handler as the workers do.

Replaying is safe: handlers are idempotent by event id, and a replay runs under a tracking
name of its own (`__replay:<handler>:<event id>`, which the consumer metrics skip), so an
effect the replay records is recorded once however often it is replayed, and the handler's
own position, long past the message, is not touched. A replay that fails again stays
parked, with the new reason.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from consumers.delivery import RetryPolicy, deliver
from consumers.handlers import Handler, registered_handlers
from consumers.messages import Message, to_message
from consumers.subjects import Subjects
from domain.errors import NotFound
from projections.paging import decode_cursor, page, page_limit

if TYPE_CHECKING:
    from consumers.context import Context

TABLE = "rekindle.parked_messages"
REPLAY_PREFIX = "__replay:"
REPLAY_POLICY = RetryPolicy(attempts=3, first_delay_s=0.1, max_delay_s=0.5)
"""A replay is asked for by someone waiting for the answer: a few quick tries, then the
message stays parked with the reason."""


@dataclass(frozen=True)
class Replayed:
    """The outcome of one replay: `replayed` (handled, no longer parked) or `parked` (it
    failed again; `reason` is the new one)."""

    id: UUID
    handler: str
    event_id: UUID
    position: int
    status: str
    reason: str | None


def park(runtime: Context, handler_name: str, position: int, event_id: object,
         error: BaseException | str) -> None:
    """Keeps a message a handler could not process, with the reason, for an operator. Parked
    again, it keeps its id and gets the new reason."""
    with runtime.database.pool.connection() as conn:
        conn.execute(
            f"INSERT INTO {TABLE} (handler, position, event_id, error)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (handler, event_id) DO UPDATE"
            " SET error = EXCLUDED.error, parked_at = now()",
            (handler_name, position, event_id, _reason(error)))


def list_parked(pool: ConnectionPool, *, handler: str | None = None, limit: int | None = None,
                cursor: str | None = None) -> dict[str, Any]:
    """Parked messages, oldest first: {items: [{id, handler, position, event_id, error,
    parked_at}], next_cursor}."""
    limit = page_limit(limit)
    after = decode_cursor(cursor)
    where, params = ["true"], {"limit": limit + 1, "handler": handler}
    if handler is not None:
        where.append("handler = %(handler)s")
    if after is not None:
        where.append("(parked_at, id) > (%(after_at)s, %(after_id)s)")
        params.update(after_at=after[0], after_id=after[1])
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(f"SELECT id, handler, position, event_id, error, parked_at "
                           f"FROM {TABLE} WHERE {' AND '.join(where)} "
                           "ORDER BY parked_at, id LIMIT %(limit)s", params).fetchall()
    return page(rows, limit, key="parked_at")


def replay(runtime: Context, parked_id: UUID,
           handlers: list[Handler] | None = None) -> Replayed:
    """Hands the parked message back to its handler; NotFound for an unknown id."""
    row = _parked(runtime.database.pool, parked_id)
    handler = next((h for h in handlers or registered_handlers() if h.name == row["handler"]),
                   None)
    if handler is None:
        return _still_parked(runtime, row, f"no handler {row['handler']!r} in this process")
    message = _message_at(runtime, row["position"], row["event_id"])
    if message is None:
        return _still_parked(runtime, row, "its event is not in the event store")
    error = deliver(handler, message, runtime, f"{REPLAY_PREFIX}{handler.name}:{message.event_id}",
                    REPLAY_POLICY, threading.Event())
    if error is not None:
        return _still_parked(runtime, row, _reason(error))
    with runtime.database.pool.connection() as conn:
        conn.execute(f"DELETE FROM {TABLE} WHERE id = %s", (parked_id,))
    return Replayed(parked_id, row["handler"], row["event_id"], row["position"], "replayed",
                    None)


def _parked(pool: ConnectionPool, parked_id: UUID) -> dict[str, Any]:
    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(f"SELECT id, handler, position, event_id, error FROM {TABLE} "
                          "WHERE id = %s", (parked_id,)).fetchone()
    if row is None:
        raise NotFound(f"no parked message with id {parked_id}", {"id": str(parked_id)})
    return row


def _message_at(runtime: Context, position: int, event_id: UUID) -> Message | None:
    store = runtime.rekindle.store
    found = store.recorder.select_notifications(start=position, limit=1)
    if not found or found[0].id != position:
        return None
    message = to_message(runtime, found[0], Subjects(store))
    return message if message.event_id == event_id else None


def _still_parked(runtime: Context, row: dict[str, Any], reason: str) -> Replayed:
    with runtime.database.pool.connection() as conn:
        conn.execute(f"UPDATE {TABLE} SET error = %s, parked_at = now() WHERE id = %s",
                     (reason, row["id"]))
    return Replayed(row["id"], row["handler"], row["event_id"], row["position"], "parked",
                    reason)


def _reason(error: BaseException | str) -> str:
    return (error if isinstance(error, str) else repr(error))[:4000]
