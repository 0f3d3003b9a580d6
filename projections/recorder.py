"""The event store's recorder: the library's, with each insert one statement that commits, and
its log reads composed once.

Every event insert takes the events table's EXCLUSIVE lock, so the log commits in id order
(README, guarantee 2). The library sends the lock and the insert, waits for their results
in Python, and only then sends COMMIT: the lock is held across that gap, which in a busy
process is a wait for the GIL of several milliseconds, and every other writer queues behind
it. Here one server-side function records the consumer's position (if any), takes the lock
and inserts; called outside a transaction block, it commits before it answers, so the lock
is held for the server's own work and the commit's WAL flush only. It takes the events as
four arrays, which psycopg sends in binary (the library's composite type goes as text, at a
far higher cost in Python per event).

The library's own insert function (POSTGRES_ENABLE_DB_FUNCTIONS) is one statement too, but
skips the lock (tests/domain/test_log_order.py).

Every follower of the log (projections, relay, workers) reads it on every wake-up, and
every command reads its aggregate and the caller's user; the library composes those SELECTs
anew on each call, a good part of an empty read's Python. Here each shape of each query is
composed and rendered to bytes once, which psycopg then finds in its cache. (README,
"Performance", has the measurements.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    InterfaceError,
    Notification,
    OperationalError,
    StoredEvent,
    Tracking,
)
from eventsourcing.postgres import PostgresDatastore, PostgresProcessRecorder
from eventsourcing.utils import retry
from psycopg import Connection
from psycopg.sql import SQL, Composed, Identifier

Shape = tuple[bool, ...]

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.{function}(
    ids {id_type}[], versions bigint[], topics text[], states bytea[],
    tracking_name text, tracking_position bigint)
RETURNS SETOF bigint LANGUAGE plpgsql AS $body$
BEGIN
    IF tracking_name IS NOT NULL THEN
        INSERT INTO {schema}.{tracking} VALUES (tracking_name, tracking_position)
        ON CONFLICT (application_name) DO UPDATE SET notification_id = tracking_position
        WHERE {schema}.{tracking}.notification_id < tracking_position;
        IF NOT FOUND THEN
            RAISE unique_violation USING MESSAGE = format(
                '%s has already recorded position %s', tracking_name, tracking_position);
        END IF;
    END IF;
    SET LOCAL lock_timeout = '{lock_timeout}s';
    LOCK TABLE {schema}.{events} IN EXCLUSIVE MODE;
    NOTIFY {channel};
    RETURN QUERY
        INSERT INTO {schema}.{events} (originator_id, originator_version, topic, state)
        SELECT * FROM unnest(ids, versions, topics, states)
        RETURNING notification_id;
END
$body$
"""


class OneStatementProcessRecorder(PostgresProcessRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events",
                 tracking_table_name: str = "notification_tracking") -> None:
        super().__init__(datastore, events_table_name=events_table_name,
                         tracking_table_name=tracking_table_name)
        schema = Identifier(datastore.schema)
        function = Identifier(events_table_name + "_insert")
        self.one_statement = datastore.single_row_tracking
        self.sql_create_statements.append(SQL(CREATE_FUNCTION).format(
            schema=schema, function=function, id_type=SQL(datastore.originator_id_type),
            tracking=Identifier(tracking_table_name), events=Identifier(events_table_name),
            channel=Identifier(self.channel_name), lock_timeout=datastore.lock_timeout))
        self._statements: dict[tuple[str, Shape], bytes] = {}
        self.insert_statement = SQL(
            "SELECT notification_id FROM {schema}.{function}(%b, %b, %b, %b, %s, %s) "
            "AS notification_id"
        ).format(schema=schema, function=function)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        if not stored_events or not self.one_statement:
            return super().insert_events(stored_events, **kwargs)
        tracking: Tracking | None = kwargs.get("tracking")
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._rendered("insert", (), lambda: self.insert_statement, conn),
                         ([e.originator_id for e in stored_events],
                          [e.originator_version for e in stored_events],
                          [e.topic for e in stored_events], [e.state for e in stored_events],
                          tracking and tracking.application_name,
                          tracking and tracking.notification_id), prepare=True)
            return [row["notification_id"] for row in curs.fetchall()]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_notifications(self, start: int | None, limit: int, stop: int | None = None,
                             topics: Sequence[str] = (), *,
                             inclusive_of_start: bool = True) -> Sequence[Notification]:
        """The library's query and answer, from a statement composed once per shape."""
        shape = (start is not None, inclusive_of_start, stop is not None, bool(topics))
        params: list[Any] = [p for p, used in ((start, shape[0]), (stop, shape[2])) if used]
        if topics:
            params.append(list(topics))
        params.append(limit)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._rendered("log", shape, self._compose_log_read, conn), params,
                         prepare=True)
            return [Notification(id=row["notification_id"], originator_id=row["originator_id"],
                                 originator_version=row["originator_version"],
                                 topic=row["topic"], state=bytes(row["state"]))
                    for row in curs.fetchall()]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events(self, originator_id: UUID | str, *, gt: int | None = None,
                      lte: int | None = None, desc: bool = False,
                      limit: int | None = None) -> Sequence[StoredEvent]:
        """The library's query and answer, from a statement composed once per shape."""
        shape = (gt is not None, lte is not None, desc, limit is not None)
        params = [originator_id, *(p for p in (gt, lte, limit) if p is not None)]
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._rendered("events", shape, self._compose_events_read, conn),
                         params, prepare=True)
            return [_stored(row) for row in curs.fetchall()]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events_of(self, originator_ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """Every event of these aggregates, by aggregate, each in version order: one query for
        many streams where `select_events` takes one each (the rule engine loads a consumer
        batch's candidates this way: tests/domain/test_load_many.py)."""
        found: dict[UUID, list[StoredEvent]] = {}
        if not originator_ids:
            return found
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._rendered("streams", (), self._compose_streams_read, conn),
                         [list(originator_ids)], prepare=True)
            for row in curs.fetchall():
                found.setdefault(row["originator_id"], []).append(_stored(row))
        return found

    def _rendered(self, query: str, shape: Shape, compose: Callable[..., Composed],
                  conn: Connection[Any]) -> bytes:
        statement = self._statements.get((query, shape))
        if statement is None:
            statement = self._statements[query, shape] = compose(*shape).as_bytes(conn)
        return statement

    def _compose_log_read(self, start: bool, inclusive: bool, stop: bool,
                          topics: bool) -> Composed:
        conditions = [SQL(text) for text, used in (
            ("notification_id >= %s" if inclusive else "notification_id > %s", start),
            ("notification_id <= %s", stop), ("topic = ANY(%s)", topics)) if used]
        where = SQL(" WHERE ") + SQL(" AND ").join(conditions) if conditions else SQL("")
        return SQL("SELECT * FROM {}.{}{} ORDER BY notification_id LIMIT %s").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name), where)

    def _compose_streams_read(self) -> Composed:
        return SQL("SELECT * FROM {}.{} WHERE originator_id = ANY(%s)"
                   " ORDER BY originator_id, originator_version").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name))

    def _compose_events_read(self, gt: bool, lte: bool, desc: bool, limit: bool) -> Composed:
        clauses = [text for text, used in (
            (" AND originator_version > %s", gt), (" AND originator_version <= %s", lte),
            (" ORDER BY originator_version DESC" if desc else " ORDER BY originator_version ASC",
             True), (" LIMIT %s", limit)) if used]
        return self.select_events_statement + SQL("".join(clauses))


def _stored(row: Any) -> StoredEvent:
    return StoredEvent(originator_id=row["originator_id"],
                       originator_version=row["originator_version"],
                       topic=row["topic"], state=bytes(row["state"]))
