"""Runs the read-side projections: batched, exactly once, rebuildable, and self-healing.

Each projection is an `eventsourcing.projection.Projection` whose view is a
`PostgresTrackingRecorder` in schema `read`. The service reads and decodes each batch of the
notification log (up to REKINDLE_PROJECTION_BATCH events) once, and every projection applies
it with its tracking record in ONE transaction, so a crash leaves the whole batch or none of it,
and catch-up is not bound by commits/s. A projection that fails is retried from its tracking
position with a bounded backoff; a rebuild shares the same batches.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import traceback
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from threading import Condition, Event, Thread
from time import monotonic
from typing import Any, ClassVar

import orjson
from eventsourcing.persistence import InfrastructureFactory, Mapper, Notification, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.utils import Environment
from psycopg import Cursor
from psycopg.sql import SQL, Identifier
from psycopg.types.json import Jsonb

from domain.settings import Settings
from domain.store import NAME, EventStore
from projections.database import Database, quiet_checks
from projections.listen import Listener
from projections.stores import open_store

log = logging.getLogger(__name__)

READ_SCHEMA = "read"
APP_NAME = NAME
MIN_BACKOFF_S = 0.5  # first retry of a failed projection; doubles per failure ...
MAX_BACKOFF_S = 10.0  # ... up to this
IDLE_WAIT_S = 0.25  # longest wait for a NOTIFY before looking again (and for stop())
DEMAND_POLL_S = 0.02  # how soon a lingering projection someone waits for is applied
PROJECTIONS_CHANNEL = "rekindle_projections"
"""Every committed batch NOTIFYs '<view name>:<position>' here (projections.watch)."""
_INDEX = re.compile(r"CREATE INDEX IF NOT EXISTS (\w+) ON (\w+)\.(\w+) USING gin", re.S)
Batch = tuple[Sequence[Notification], list[tuple[Any, Tracking]]]
_PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_committed = Condition()  # notified after every committed batch: read-your-writes waiters wake


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
            for pair in batch:
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
        with _committed:
            self.committed_position = max(self.committed_position, position)
            _committed.notify_all()

    def after_batch(self, cur: Cursor[Any], touched: set[Any]) -> None:
        """Recomputes derived columns once per batch for the rows the batch touched."""


def dump_rows(many: list[dict[str, Any]]) -> bytes:
    """A layer's rows as one JSON array: orjson writes uuids and datetimes as PostgreSQL
    reads them, about fifteen times faster than the json module (catch-up dumps every row)."""
    return orjson.dumps(many, default=str)


def rows(columns: str) -> str:
    """A bulk statement's jsonb parameter as the table `r` with these typed columns."""
    return f"jsonb_to_recordset(%s) AS r({columns})"


def preload_keys(app: EventStore, notifications: Sequence[Notification]) -> None:
    """Fetches the keys of the batch's subjects in one query, not one per event decoded."""
    keys = app.keys
    if hasattr(keys, "preload"):
        keys.preload(list({n.originator_id for n in notifications}))


def decode(app: EventStore, notifications: Sequence[Notification]) -> list[tuple[Any, Tracking]]:
    """Maps notifications to events, fetching the subjects' keys in one query first."""
    preload_keys(app, notifications)
    mapper: Mapper[Any] = app.mapper
    return [(mapper.to_domain_event(n), Tracking(APP_NAME, n.id)) for n in notifications]


class Reader:
    """Reads and decodes the log in batches; while one batch is applied, the next full one is
    fetched and decoded in a helper thread (decoding then overlaps the database's work)."""

    def __init__(self, app: EventStore, batch_size: int) -> None:
        self.app = app
        self.batch_size = batch_size
        self._ahead: tuple[int, Future[Batch]] | None = None
        self._helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="projection-reader")

    def read(self, after: int) -> Batch:
        """The batch after position `after` (empty at the head of the log)."""
        batch = None
        if self._ahead is not None:
            start, future = self._ahead
            self._ahead = None
            if start == after:
                with contextlib.suppress(Exception):  # read again below, where errors surface
                    batch = future.result()
        if batch is None:
            batch = self._read(after)
        notifications = batch[0]
        if len(notifications) == self.batch_size:
            self._ahead = (notifications[-1].id,
                           self._helper.submit(self._read, notifications[-1].id))
        return batch

    def _read(self, after: int) -> Batch:
        notifications = self.app.recorder.select_notifications(
            start=after, limit=self.batch_size, inclusive_of_start=False)
        return notifications, decode(self.app, notifications)

    def close(self) -> None:
        self._ahead = None
        self._helper.shutdown(wait=True, cancel_futures=True)


def projection_env(database: Database, projection: type[ReadProjection]) -> dict[str, str]:
    env = database.eventsourcing_env()
    env[projection.name.upper() + "_POSTGRES_SCHEMA"] = READ_SCHEMA
    env["CREATE_TABLE"] = "y"
    env.update(POSTGRES_POOL_SIZE="2", POSTGRES_MAX_OVERFLOW="4")
    return env


def catalog(names: Sequence[str] | None = None) -> list[type[ReadProjection]]:
    from projections.catalog import projections

    found = projections()
    if names:
        unknown = set(names) - {p.name for p in found}
        if unknown:
            raise KeyError(f"unknown projections: {', '.join(sorted(unknown))}")
        found = [p for p in found if p.name in names]
    return found


def apply_to(projection: ReadProjection, events: Sequence[tuple[Any, Tracking]],
             position: int) -> int:
    """Applies the decoded events after `position` (one transaction); returns the new position."""
    mine = [pair for pair in events if pair[1].notification_id > position]
    if not mine:
        return position
    projection.process_batch(mine)
    return mine[-1][1].notification_id


def apply_all(workers: ThreadPoolExecutor, work: Sequence[tuple[ReadProjection, int]],
              events: Sequence[tuple[Any, Tracking]]) -> list[int | Exception]:
    """Every projection applies the batch in its own transaction, concurrently: while one
    waits for PostgreSQL, another builds its statements. Returns each new position, or the
    error that projection failed with."""
    futures = [workers.submit(apply_to, projection, events, position)
               for projection, position in work]
    results: list[int | Exception] = []
    for future in futures:
        try:
            results.append(future.result())
        except Exception as error:
            results.append(error)
    return results


def describe(error: BaseException) -> str:
    """An error's class, SQLSTATE and innermost line of ours: never its message, which can
    quote row values (names, addresses), so logs stay free of personal data."""
    cause = error.__cause__ or error
    state = getattr(cause, "sqlstate", None)
    frames = traceback.extract_tb(cause.__traceback__) + traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if f.filename.startswith(_PROJECT_ROOT)]
    where = f" at {os.path.relpath(ours[-1].filename, _PROJECT_ROOT)}:{ours[-1].lineno}" \
        if ours else ""
    return type(cause).__name__ + (f" (SQLSTATE {state})" if state else "") + where


class Follower:
    """One projection as the service follows it: its position and whether it is running.

    `is_interrupted` is set while the projection is not applying events (failed, waiting
    to retry, or stopped); readiness checks read it.
    """

    def __init__(self, projection: ReadProjection, settings: Settings) -> None:
        self.projection = projection
        self.linger_s = settings.projection_linger_s
        self.bulk_lag = settings.projection_bulk_lag_events
        self.view = projection.view
        self.name = projection.name
        self.position: int | None = None
        self.is_interrupted = Event()
        self.is_interrupted.set()
        self.failures = 0
        self.retry_at = 0.0
        self.linger_until = 0.0
        self.indexes_deferred = False

    def due(self, now: float, demanded: set[str]) -> bool:
        """Prompt, done lingering, or waited for."""
        return self.linger_until <= now or self.name in demanded

    def applied(self, now: float, position: int, full: bool) -> None:
        """A batch went in; a lingering view waits before the next unless it is catching up."""
        advanced = position != self.position
        self.position = position
        self.running()
        if self.indexes_deferred and not full:  # caught up: build the deferred indexes
            try:
                self.view.restore_indexes()
                self.indexes_deferred = False
            except Exception as error:
                log.error("projection %s: building its indexes failed: %s; trying again after "
                          "its next batch", self.name, describe(error))
        if self.projection.lingers and advanced and not full:
            self.linger_until = now + self.linger_s

    def resume(self, head: Callable[[], int]) -> None:
        """Reads the position from the tracking table: the only truth after a failure. Far
        behind `head()`, the view catches up with its GIN indexes deferred."""
        if self.position is None:
            self.position = self.view.position()
            self.projection.committed(self.position)
            if not self.indexes_deferred:
                self.indexes_deferred = self.view.defer_indexes(head() - self.position,
                                                                self.bulk_lag)

    def running(self) -> None:
        self.failures = 0
        self.is_interrupted.clear()

    def failed(self, error: BaseException) -> None:
        self.failures += 1
        delay = min(MAX_BACKOFF_S, MIN_BACKOFF_S * 2 ** (self.failures - 1))
        self.position = None
        self.retry_at = monotonic() + delay
        self.is_interrupted.set()
        log.error("projection %s stopped: %s; restarting from its tracking position in %.1f s",
                  self.name, describe(error), delay)


class ProjectionService:
    """Every registered projection, followed live from the event store, restarted after failures.

    One thread reads and decodes each batch of the notification log once and hands it to every
    projection, each applying it with its tracking record in its own transaction. A projection
    that fails (its own bug, or the database going away) is retried from its tracking position
    after a backoff (MIN_BACKOFF_S doubling to MAX_BACKOFF_S) until `stop()`; the others go on.
    """

    def __init__(self, database: Database, names: Sequence[str] | None = None) -> None:
        self.database = database
        self.names = names
        self.runners: dict[str, Follower] = {}
        self._factories: list[InfrastructureFactory[Any]] = []
        self._app: EventStore | None = None
        self._reader: Reader | None = None
        self._workers: ThreadPoolExecutor | None = None
        self._stopping = Event()
        self._thread: Thread | None = None
        self._listener: Listener | None = None
        self._demanded: set[str] = set()  # lingering views waited for; guarded by _committed
        self._head = functools.partial(max_position, database)

    def start(self) -> ProjectionService:
        """Opens every view (creating its tables) and starts following from its position."""
        try:
            self._app = reading_app(self.database)
            self._reader = Reader(self._app, self.database.settings.projection_batch_size)
            self._workers = ThreadPoolExecutor(thread_name_prefix="projection")
            opened = open_all(self._workers, functools.partial(open_projection, self.database),
                              catalog(self.names))
            self._factories.extend(factory for factory, _ in opened)
            for _, projection in opened:
                follower = Follower(projection, self.database.settings)
                self.runners[follower.name] = follower
                follower.resume(head=self._head)
                follower.running()
        except BaseException:
            self.stop()
            raise
        self._thread = Thread(target=self._run, name="projections", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with _committed:
            _committed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None
        for follower in self.runners.values():
            follower.is_interrupted.set()
        for factory in self._factories:
            factory.close()
        self._factories.clear()
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._workers is not None:
            self._workers.shutdown(wait=True)
            self._workers = None
        if self._app is not None:
            self._app.close()
            self._app = None
        self.runners.clear()

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    self._step()
                except Exception as error:  # a bug here must not end the service for good
                    log.error("projection service step failed: %s", describe(error))
                    self._stopping.wait(MAX_BACKOFF_S)
        finally:
            self._close_listener()

    def _step(self) -> None:
        """One batch for every projection that is due, or a wait when there is nothing to do."""
        now = monotonic()
        with _committed:
            demanded = set(self._demanded)
        healthy = [f for f in self.runners.values() if f.retry_at <= now]
        if not healthy:
            retry_at = min((f.retry_at for f in self.runners.values()),
                           default=now + IDLE_WAIT_S)
            self._stopping.wait(max(0.0, retry_at - now))
            return
        ready = []
        for follower in (f for f in healthy if f.due(now, demanded)):
            try:
                follower.resume(head=self._head)
                ready.append(follower)
            except Exception as error:
                follower.failed(error)
        notifications: Sequence[Notification] = ()
        if ready:
            assert self._reader is not None
            try:
                notifications, events = self._reader.read(min(f.position or 0 for f in ready))
            except Exception as error:
                for follower in ready:
                    follower.failed(error)
                return
            assert self._workers is not None
            work = [(f.projection, f.position or 0) for f in ready]
            full = len(notifications) == self._reader.batch_size
            for follower, result in zip(ready, apply_all(self._workers, work, events),
                                        strict=True):
                if isinstance(result, Exception):
                    follower.failed(result)
                else:
                    follower.applied(now, result, full)
            with _committed:
                self._demanded -= {f.name for f in ready}
        if not notifications:
            lingering = [f.linger_until for f in healthy if f not in ready]
            if lingering:
                self._wait_for_events(min(lingering) - now, poll_s=DEMAND_POLL_S)
            else:
                self._wait_for_events(IDLE_WAIT_S, poll_s=IDLE_WAIT_S)

    def _wait_for_events(self, timeout: float, poll_s: float) -> None:
        """Blocks until the event store NOTIFYs new events, `timeout` passes, or (checked every
        `poll_s`) someone waits for a lingering view."""
        deadline = monotonic() + min(timeout, IDLE_WAIT_S)
        while not self._stopping.is_set():
            remaining = deadline - monotonic()
            if remaining <= 0 or self._notified(min(remaining, poll_s)):
                return
            with _committed:
                if self._demanded:
                    return

    def _notified(self, timeout: float) -> bool:
        """True if the event store NOTIFYed new events within `timeout`."""
        if self._listener is None:
            self._listener = Listener(self.database.conninfo or "",
                                      self._app.recorder.channel_name)  # type: ignore[union-attr]
        return self._listener.wait(timeout)

    def _close_listener(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def wait(self, position: int | None, timeout: float,
             views: Sequence[str] | None = None) -> bool:
        """True once the named projections (all by default) have applied `position`; False
        after `timeout`.

        Woken by each committed batch (no polling); waits through a projection's restart.
        A lingering projection that is waited for is applied without lingering.
        """
        if position is None:
            return True
        followers = [f for name, f in self.runners.items() if views is None or name in views]
        deadline = monotonic() + timeout
        with _committed:
            while True:
                behind = [f for f in followers if f.projection.committed_position < position]
                if not behind:
                    return True
                self._demanded.update(f.name for f in behind if f.projection.lingers)
                remaining = deadline - monotonic()
                if remaining <= 0 or self._stopping.is_set():
                    return False
                _committed.wait(remaining)

    def status(self) -> list[dict[str, Any]]:
        head = max_position(self.database)
        return [{"name": name, "position": f.view.position(),
                 "lag": max(0, head - f.view.position()), "running": not f.is_interrupted.is_set()}
                for name, f in self.runners.items()]

    def run_forever(self) -> None:
        """Blocks until the service is stopped (failures are retried, never raised here)."""
        self._stopping.wait()

    def __enter__(self) -> ProjectionService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def max_position(database: Database) -> int:
    with database.pool.connection() as conn:
        exists = conn.execute("SELECT to_regclass('public.rekindle_events')").fetchone()[0]
        if exists is None:
            return 0
        row = conn.execute("SELECT max(notification_id) FROM public.rekindle_events").fetchone()
    return int(row[0] or 0)


def reading_app(database: Database) -> EventStore:
    """The store a projection service or rebuild reads the log through (a small pool)."""
    return open_store(database, pool_size=2)


def open_projection(database: Database, projection_class: type[ReadProjection], *,
                    drop_first: bool = False) -> tuple[InfrastructureFactory[Any], ReadProjection]:
    """The projection on its view (tables created, after dropping them for a rebuild);
    close the factory to release its pool."""
    env = projection_env(database, projection_class)
    if drop_first:
        env["CREATE_TABLE"] = "n"
    with database.ddl_locked(projection_class.name):
        factory = InfrastructureFactory.construct(env=Environment(projection_class.name, env))
        view = factory.tracking_recorder(projection_class.view_class)
        quiet_checks(view)
        if drop_first or _shape_of(database, projection_class.name, view) != view.schema_version:
            view.recreate()
            _record_shape(database, projection_class.name, view.schema_version)
    return factory, projection_class(view=view)


def _shape_of(database: Database, name: str, view: ReadView) -> int:
    """The version of the shape the view's tables were created with. Views from before
    versions were recorded have the first shape; a new, empty view gets the current one."""
    with database.pool.connection() as conn:
        row = conn.execute("SELECT version FROM rekindle.view_versions WHERE name = %s",
                           (name,)).fetchone()
    if row is not None:
        return int(row[0])
    version = 1 if view.position() > 0 else view.schema_version
    _record_shape(database, name, version)
    return version


def _record_shape(database: Database, name: str, version: int) -> None:
    with database.pool.connection() as conn:
        conn.execute("INSERT INTO rekindle.view_versions (name, version) VALUES (%s, %s) "
                     "ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version",
                     (name, version))


def open_all(workers: ThreadPoolExecutor,
             open_one: Callable[[type[ReadProjection]],
                                tuple[InfrastructureFactory[Any], ReadProjection]],
             classes: Sequence[type[ReadProjection]]
             ) -> list[tuple[InfrastructureFactory[Any], ReadProjection]]:
    """Opens the views side by side (their DDL overlaps); if one fails, closes the others
    and raises its error."""
    futures = [workers.submit(open_one, projection_class) for projection_class in classes]
    opened, failure = [], None
    for future in futures:
        try:
            opened.append(future.result())
        except Exception as error:
            failure = failure or error
    if failure is not None:
        for factory, _ in opened:
            factory.close()
        raise failure
    return opened


def rebuild(database: Database, names: Sequence[str] | None = None,
            progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Drops and rebuilds projections from the event store; a killed rebuild resumes.

    A rebuild in progress is remembered in rekindle.projection_rebuilds: re-running it
    continues from the projection's tracking position instead of dropping it again. All
    projections are rebuilt together, reading and decoding the log once.
    """
    app = reading_app(database)
    opened: list[tuple[InfrastructureFactory[Any], ReadProjection]] = []
    try:
        with ThreadPoolExecutor(thread_name_prefix="rebuild") as workers:
            opened = open_all(workers, functools.partial(_open_for_rebuild, database),
                              catalog(names))
        done = catch_up(app, [projection for _, projection in opened], database, progress)
        with database.pool.connection() as conn:
            conn.execute("DELETE FROM rekindle.projection_rebuilds WHERE name = ANY(%s)",
                         (list(done),))
        return done
    finally:
        for factory, _ in opened:
            factory.close()
        app.close()


def _open_for_rebuild(database: Database, projection_class: type[ReadProjection]
                      ) -> tuple[InfrastructureFactory[Any], ReadProjection]:
    """The view emptied, unless a killed rebuild of it is being resumed."""
    with database.pool.connection() as conn:
        resumed = conn.execute(
            "INSERT INTO rekindle.projection_rebuilds (name) VALUES (%s) "
            "ON CONFLICT (name) DO NOTHING RETURNING name",
            (projection_class.name,)).fetchone() is None
    return open_projection(database, projection_class, drop_first=not resumed)


def catch_up(app: EventStore, projections: Sequence[ReadProjection], database: Database,
             progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Applies every recorded event after each view's position; returns the positions.

    Each batch is read and decoded once for all the projections.
    """
    head = max_position(database)
    positions = {p.name: p.view.position() for p in projections}
    bulk_lag = database.settings.projection_bulk_lag_events
    deferred = [p for p in projections
                if p.view.defer_indexes(head - positions[p.name], bulk_lag)]
    reader = Reader(app, database.settings.projection_batch_size)
    workers = ThreadPoolExecutor(thread_name_prefix="projection")
    try:
        while positions:
            if progress is not None:
                for name, position in positions.items():
                    progress(name, position, head)
            notifications, events = reader.read(min(positions.values()))
            if not notifications:
                break
            work = [(p, positions[p.name]) for p in projections]
            for projection, result in zip(projections, apply_all(workers, work, events),
                                          strict=True):
                if isinstance(result, Exception):
                    raise result
                positions[projection.name] = result
        for projection in deferred:
            projection.view.restore_indexes()
    finally:
        workers.shutdown(wait=True)
        reader.close()
    return positions


def status(database: Database, names: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Positions read from the tracking tables, without starting any runner."""
    head = max_position(database)
    rows = []
    with database.pool.connection() as conn:
        for projection in catalog(names):
            table = f"{projection.name.lower()}_tracking"
            exists = conn.execute("SELECT to_regclass(%s)", (f"read.{table}",)).fetchone()[0]
            position = 0
            if exists is not None:
                row = conn.execute(SQL("SELECT max(notification_id) FROM {}.{} "
                                       "WHERE application_name = %s").format(
                    Identifier(READ_SCHEMA), Identifier(table)), (APP_NAME,)).fetchone()
                position = int(row[0] or 0)
            rows.append({"name": projection.name, "position": position,
                         "lag": max(0, head - position)})
    return rows
