"""Rebuilding read models from the event store, catching them up, and where they stand."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from eventsourcing.persistence import InfrastructureFactory
from psycopg.sql import SQL, Identifier

from domain.store import EventStore
from projections.applying import apply_all
from projections.database import Database
from projections.opening import catalog, open_all, open_projection
from projections.reading import Reader, max_position, reading_app
from projections.readview import APP_NAME, READ_SCHEMA, ReadProjection

log = logging.getLogger(__name__)

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
            work = [(p, positions[p.name], None) for p in projections]
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
