"""Runs the read-side projections: batched, exactly once, and rebuildable.

Each projection is an `eventsourcing.projection.Projection` whose view is a
`PostgresTrackingRecorder` in schema `read`. The runner applies what the subscription has
already fetched (up to BATCH_SIZE events) and the tracking record in ONE transaction, so a
crash leaves either the whole batch or none of it, and catch-up is not bound by commits/s.
"""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Callable, Iterable, Sequence
from threading import Event
from typing import Any, ClassVar

from eventsourcing.persistence import InfrastructureFactory, Mapper, Notification, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import ApplicationSubscription, Projection, ProjectionRunner
from eventsourcing.utils import Environment
from psycopg import Cursor
from psycopg.sql import SQL, Identifier

from domain.application import Rekindle
from projections.database import Database

log = logging.getLogger(__name__)

BATCH_SIZE = int(os.environ.get("REKINDLE_PROJECTION_BATCH", "1000"))
READ_SCHEMA = "read"
APP_NAME = Rekindle.name


class ReadView(PostgresTrackingRecorder):
    """A view's tables (DDL in `tables_sql`) and its tracking table, in schema `read`."""

    tables_sql: ClassVar[Sequence[str]] = ()
    tables: ClassVar[Sequence[str]] = ()
    views: ClassVar[Sequence[str]] = ()

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.sql_create_statements.extend(SQL(s) for s in self.tables_sql)  # type: ignore[arg-type]

    def drop(self) -> None:
        """Drops the view's tables and its tracking row (for a rebuild)."""
        with self.datastore.transaction(commit=True) as cur:
            for name in self.views:
                cur.execute(SQL("DROP VIEW IF EXISTS {}.{} CASCADE").format(
                    Identifier(READ_SCHEMA), Identifier(name)))
            for name in (*self.tables, self.tracking_table_name):
                cur.execute(SQL("DROP TABLE IF EXISTS {}.{} CASCADE").format(
                    Identifier(READ_SCHEMA), Identifier(name)))

    def position(self) -> int:
        return self.max_tracking_id(APP_NAME) or 0


class ReadProjection(Projection[ReadView]):
    """Applies events by type name; unknown types are skipped (other features' events)."""

    view_class: ClassVar[type[ReadView]] = ReadView
    current_position: int = 0

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.process_batch([(domain_event, tracking)])

    def process_batch(self, batch: Sequence[tuple[Any, Tracking]]) -> None:
        """The whole batch and its tracking record commit together, or nothing does."""
        if not batch:
            return
        with self.view.datastore.transaction(commit=True) as cur:
            touched: set[Any] = set()
            for domain_event, tracking in batch:
                self.current_position = tracking.notification_id
                handler = getattr(self, "on_" + type(domain_event).__name__, None)
                if handler is not None:
                    handler(cur, domain_event, touched)
            self.after_batch(cur, touched)
            self.view._insert_tracking(cur, batch[-1][1])

    def after_batch(self, cur: Cursor[Any], touched: set[Any]) -> None:
        """Recomputes derived columns once per batch for the rows the batch touched."""


def decode(app: Rekindle, notifications: Sequence[Notification]) -> list[tuple[Any, Tracking]]:
    """Maps notifications to events, fetching the subjects' keys in one query first."""
    keys = getattr(app.adapters, "keys", None)
    if keys is not None and hasattr(keys, "preload"):
        keys.preload(list({n.originator_id for n in notifications}))
    mapper: Mapper[Any] = app.mapper
    return [(mapper.to_domain_event(n), Tracking(APP_NAME, n.id)) for n in notifications]


class BatchingRunner(ProjectionRunner[Rekindle, ReadView]):
    """A ProjectionRunner whose loop hands the projection batches, not single events."""

    @staticmethod
    def _process_events_loop(subscription: ApplicationSubscription[Any], projection: Any,
                             is_stopping: Event, runner: weakref.ReferenceType[Any]) -> None:
        inner = subscription.subscription
        app = runner().app if runner() is not None else None
        try:
            for first in inner:
                notifications = [first, *_already_fetched(inner, BATCH_SIZE - 1)]
                projection.process_batch(decode(app, notifications))
        except BaseException as error:
            owner = runner()
            if owner is not None:
                owner._thread_error = error
            log.exception("projection %s stopped", projection.name)
        finally:
            is_stopping.set()


def _already_fetched(inner: Any, limit: int) -> Iterable[Notification]:
    """Notifications the subscription holds in memory now (never blocks for new ones)."""
    taken = 0
    while taken < limit:
        in_hand = inner._notifications_index < len(inner._notifications)
        queued = inner._notifications_queue.qsize() > 0
        if not in_hand and not queued:
            return
        try:
            yield next(inner)
        except StopIteration:
            return
        taken += 1


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


class ProjectionService:
    """Every registered projection, each followed live by its own batching runner."""

    def __init__(self, database: Database, names: Sequence[str] | None = None) -> None:
        self.database = database
        self.names = names
        self.runners: dict[str, BatchingRunner] = {}

    def start(self) -> ProjectionService:
        for projection in catalog(self.names):
            runner = BatchingRunner(
                application_class=Rekindle, projection_class=projection,
                view_class=projection.view_class, env=projection_env(self.database, projection))
            self.runners[projection.name] = runner.__enter__()
        return self

    def stop(self) -> None:
        for runner in self.runners.values():
            try:
                runner.__exit__(None, None, None)
            except Exception:
                log.exception("projection runner stopped with an error")
            finally:
                runner.view.datastore.close()
        self.runners.clear()

    def wait(self, position: int | None, timeout: float) -> bool:
        """True once every projection has applied `position`; False after `timeout`."""
        if position is None:
            return True
        from time import monotonic

        deadline = monotonic() + timeout
        for runner in self.runners.values():
            try:
                runner.view.wait(APP_NAME, position, timeout=max(0.0, deadline - monotonic()),
                                 interrupt=runner.is_interrupted)
            except Exception:  # TimeoutError, or the runner stopped
                return False
        return True

    def status(self) -> list[dict[str, Any]]:
        head = max_position(self.database)
        return [{"name": name, "position": r.view.position(),
                 "lag": max(0, head - r.view.position()), "running": not r.is_interrupted.is_set()}
                for name, r in self.runners.items()]

    def run_forever(self) -> None:
        """Blocks until a runner fails (re-raising its error) or the service is stopped."""
        for runner in list(self.runners.values()):
            runner.run_forever()

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


def _rebuild_marker(database: Database) -> None:
    with database.pool.connection() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS rekindle.projection_rebuilds ("
                     "name text PRIMARY KEY, started_at timestamptz NOT NULL DEFAULT now())")


def rebuild(database: Database, names: Sequence[str] | None = None,
            progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Drops and rebuilds projections from the event store; a killed rebuild resumes.

    A rebuild in progress is remembered in rekindle.projection_rebuilds: re-running it
    continues from the projection's tracking position instead of dropping it again.
    """
    _rebuild_marker(database)
    app = Rekindle({**database.eventsourcing_env(), "POSTGRES_POOL_SIZE": "2"})
    done: dict[str, int] = {}
    try:
        for projection_class in catalog(names):
            done[projection_class.name] = _rebuild_one(app, database, projection_class, progress)
    finally:
        app.close()
    return done


def _rebuild_one(app: Rekindle, database: Database, projection_class: type[ReadProjection],
                 progress: Callable[[str, int, int], None] | None) -> int:
    env = projection_env(database, projection_class)
    factory = InfrastructureFactory.construct(env=Environment(projection_class.name, env))
    try:
        view = factory.tracking_recorder(projection_class.view_class)
        with database.pool.connection() as conn:
            resumed = conn.execute(
                "INSERT INTO rekindle.projection_rebuilds (name) VALUES (%s) "
                "ON CONFLICT (name) DO NOTHING RETURNING name",
                (projection_class.name,)).fetchone() is None
        if not resumed:
            view.drop()
            view = factory.tracking_recorder(projection_class.view_class)
        position = catch_up(app, projection_class(view=view), database, progress)
        with database.pool.connection() as conn:
            conn.execute("DELETE FROM rekindle.projection_rebuilds WHERE name = %s",
                         (projection_class.name,))
        return position
    finally:
        factory.close()


def catch_up(app: Rekindle, projection: ReadProjection, database: Database,
             progress: Callable[[str, int, int], None] | None = None) -> int:
    """Applies every recorded event after the view's position, in batches; returns the position."""
    head = max_position(database)
    position = projection.view.position()
    while True:
        if progress is not None:
            progress(projection.name, position, head)
        notifications = app.recorder.select_notifications(
            start=position, limit=BATCH_SIZE, inclusive_of_start=False)
        if not notifications:
            return position
        projection.process_batch(decode(app, notifications))
        position = notifications[-1].id


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
