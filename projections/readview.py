"""A read model: its view (tables and tracking in schema `read`) and the projection that
applies batches of events to it, each batch with its tracking record in one transaction.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from threading import Condition
from typing import Any, ClassVar

import orjson
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection
from psycopg import Cursor
from psycopg.sql import SQL, Identifier
from psycopg.types.json import Jsonb

from domain.store import NAME

log = logging.getLogger(__name__)

READ_SCHEMA = "read"
APP_NAME = NAME
PROJECTIONS_CHANNEL = "rekindle_projections"
"""Every committed batch NOTIFYs '<view name>:<position>' here (projections/watch.py)."""
_INDEX = re.compile(r"CREATE INDEX IF NOT EXISTS (\w+) ON (\w+)\.(\w+) USING gin", re.S)
committed_batches = Condition()
"""Notified after every committed batch, so read-your-writes waiters in this process wake."""


class ReadView(PostgresTrackingRecorder):
    """A view's tables (DDL in `tables_sql`) and its tracking table, in schema `read`."""

    tables_sql: ClassVar[Sequence[str]] = ()
    tables: ClassVar[Sequence[str]] = ()
    views: ClassVar[Sequence[str]] = ()
    schema_version: ClassVar[int] = 1
    """Raised when `tables_sql` changes shape: a view found with another version is dropped
    and rebuilt from the log when it is opened."""

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.sql_create_statements.extend(SQL(s) for s in self.tables_sql)  # type: ignore[arg-type]

    def recreate(self) -> None:
        """Drops and creates the view's tables in one transaction: a rebuild's fresh start."""
        with self.datastore.transaction(commit=True) as cur:
            self._drop(cur)
            for statement in self.sql_create_statements:
                cur.execute(statement, prepare=False)

    def _drop(self, cur: Cursor[Any]) -> None:
        for name in self.views:
            cur.execute(SQL("DROP VIEW IF EXISTS {}.{} CASCADE").format(
                Identifier(READ_SCHEMA), Identifier(name)))
        for name in (*self.tables, self.tracking_table_name):
            cur.execute(SQL("DROP TABLE IF EXISTS {}.{} CASCADE").format(
                Identifier(READ_SCHEMA), Identifier(name)))

    def position(self) -> int:
        return self.max_tracking_id(APP_NAME) or 0

    def defer_indexes(self, lag: int, bulk_lag: int) -> bool:
        """Drops the view's GIN indexes (the list filters') for a long catch-up, a cold start
        or a rebuild: every event then writes far fewer index entries, and `restore_indexes`
        builds each index once at the end. Only when the lag is long, and longer than the
        indexed tables are (building afresh must cost less than keeping up): at least
        `bulk_lag` events (REKINDLE_PROJECTION_BULK_LAG). True if dropped.

        A catch-up that dies before the end loses nothing: opening the view creates every
        missing index (`tables_sql`).
        """
        found = [_INDEX.match(s) for s in self.tables_sql]
        indexes = [m.groups() for m in found if m is not None]
        if lag < bulk_lag or not indexes:
            return False
        with self.datastore.transaction(commit=True) as cur:
            tables = sorted({f"{schema}.{table}" for _, schema, table in indexes})
            held = cur.execute("SELECT coalesce(sum(greatest(reltuples, 0)), 0) AS n "
                               "FROM pg_class WHERE oid = ANY(%s::regclass[])",
                               (tables,)).fetchone()["n"]
            if held >= lag:
                return False
            for name, schema, _ in indexes:
                cur.execute(SQL("DROP INDEX IF EXISTS {}.{}").format(Identifier(schema),
                                                                    Identifier(name)))
        log.info("%s: catching up %d events without its GIN indexes", self.__class__.__name__,
                 lag)
        return True

    def restore_indexes(self) -> None:
        """Builds the indexes `defer_indexes` dropped."""
        with self.datastore.transaction(commit=True) as cur:
            for statement in self.tables_sql:
                if _INDEX.match(statement):
                    cur.execute(SQL(statement), prepare=False)  # type: ignore[arg-type]


class ReadProjection(Projection[ReadView]):
    """Applies events by type name; unknown types are skipped (other features' events).

    A batch is applied in layers: layer k holds each aggregate's k-th event of the batch, so
    the events of one layer touch distinct rows and may run in any order. Within a layer, the
    events of a type listed in `bulk` are applied by ONE statement (see `bulk`); the others by
    their `on_<Type>(cur, event, touched)` handler. Handlers must touch only rows of their own
    aggregate, or be listed in `barriers`.
    """

    view_class: ClassVar[type[ReadView]] = ReadView
    bulk: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    """Event type -> statements applying many such events at once: each statement's only
    parameter is a jsonb array of the rows `row_<Type>(event, touched)` made, one per event."""
    versioned: ClassVar[Mapping[str, str]] = {}
    """Aggregate class name -> the table holding one row per such aggregate (by `id`), whose
    `version` column (DEFAULT 1) follows every event of the aggregate, those without a
    handler here included: the version a conditional write (If-Match) names."""
    barriers: ClassVar[frozenset[str]] = frozenset()
    """Event types whose handler touches other aggregates' rows: applied in log order, after
    everything before them."""
    lingers: ClassVar[bool] = False
    """Under steady writes, apply at most every REKINDLE_PROJECTION_LINGER_S (bigger batches, far
    less work per event) unless someone waits for this view. Views that 201 answers read do not
    linger."""
    current_position: int = 0
    committed_position: int = 0

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.process_batch([(domain_event, tracking)])

    def process_batch(self, batch: Sequence[tuple[Any, Tracking]]) -> None:
        """The whole batch and its tracking record commit together, or nothing does."""
        if not batch:
            return
        with (self.view.datastore.transaction(commit=True) as cur,
              cur.connection.pipeline() as pipeline):
            # pipeline mode: statements are sent without waiting for each answer, so a batch
            # costs about one round trip instead of one per statement. A handler that reads a
            # result uses its own cursor: this one's results arrive late and out of step.
            touched: set[Any] = set()
            layers: list[list[tuple[Any, Tracking]]] = []
            depth: dict[Any, int] = {}
            versions: dict[str, dict[Any, int]] = {}
            for pair in batch:
                if self.versioned:
                    _note_version(self.versioned, pair[0], versions)
                name = type(pair[0]).__name__
                if name in self.barriers:
                    self._apply_layers(cur, layers, touched)
                    layers, depth = [], {}
                    self._apply_one(cur, pair, touched)
                elif name in self.bulk or hasattr(self, "on_" + name):
                    level = depth.get(pair[0].originator_id, 0)
                    depth[pair[0].originator_id] = level + 1
                    if level == len(layers):
                        layers.append([])
                    layers[level].append(pair)
            self._apply_layers(cur, layers, touched)
            for table, found in versions.items():
                cur.execute(f"UPDATE {table} t SET version = r.version FROM "
                            f"{rows('id uuid, version bigint')} "
                            "WHERE t.id = r.id AND t.version < r.version",
                            (Jsonb(dump_rows([{"id": k, "version": v} for k, v in found.items()]),
                                   dumps=bytes),))
            self.current_position = batch[-1][1].notification_id
            self.after_batch(cur, touched)
            pipeline.sync()  # every earlier result is in: the tracking insert reads its own
            self.view._insert_tracking(cur, batch[-1][1])
            cur.execute("SELECT pg_notify(%s, %s)", (PROJECTIONS_CHANNEL,
                                                     f"{self.name}:{self.current_position}"))
        self.committed(batch[-1][1].notification_id)

    def _apply_layers(self, cur: Cursor[Any], layers: list[list[tuple[Any, Tracking]]],
                      touched: set[Any]) -> None:
        for layer in layers:
            rows: dict[str, list[dict[str, Any]]] = {}
            for pair in layer:
                name = type(pair[0]).__name__
                if name in self.bulk:
                    self.current_position = pair[1].notification_id
                    row = getattr(self, "row_" + name)(pair[0], touched)
                    rows.setdefault(name, []).append(row)
                else:
                    self._apply_one(cur, pair, touched)
            for name, many in rows.items():
                dumped = dump_rows(many)
                for statement in self.bulk[name]:
                    cur.execute(statement, (Jsonb(dumped, dumps=bytes),))  # dumped already

    def _apply_one(self, cur: Cursor[Any], pair: tuple[Any, Tracking], touched: set[Any]
                   ) -> None:
        self.current_position = pair[1].notification_id
        handler = getattr(self, "on_" + type(pair[0]).__name__, None)
        if handler is not None:
            handler(cur, pair[0], touched)

    def committed(self, position: int) -> None:
        """Tells in-process waiters (ProjectionService.wait) that `position` is visible."""
        with committed_batches:
            self.committed_position = max(self.committed_position, position)
            committed_batches.notify_all()

    def after_batch(self, cur: Cursor[Any], touched: set[Any]) -> None:
        """Recomputes derived columns once per batch for the rows the batch touched."""


def _note_version(versioned: Mapping[str, str], event: Any,
                  versions: dict[str, dict[Any, int]]) -> None:
    """Keeps the highest version of each versioned aggregate the batch has an event of. A
    creating event needs no update: the column's default is 1."""
    table = versioned.get(type(event).__qualname__.partition(".")[0])
    if table is not None and event.originator_version > 1:
        found = versions.setdefault(table, {})
        found[event.originator_id] = max(found.get(event.originator_id, 0),
                                         event.originator_version)


def dump_rows(many: list[dict[str, Any]]) -> bytes:
    """A layer's rows as one JSON array: orjson writes uuids and datetimes as PostgreSQL
    reads them, far faster than the json module (catch-up dumps every row)."""
    return orjson.dumps(many, default=str)


def rows(columns: str) -> str:
    """A bulk statement's jsonb parameter as the table `r` with these typed columns."""
    return f"jsonb_to_recordset(%s) AS r({columns})"
