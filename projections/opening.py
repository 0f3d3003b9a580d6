"""Opening the read models: each projection on its view, created (or rebuilt, when the
code expects another shape of its tables) under a lock that processes starting together
share.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from projections.database import Database, quiet_checks
from projections.readview import READ_SCHEMA, ReadProjection, ReadView

log = logging.getLogger(__name__)

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
