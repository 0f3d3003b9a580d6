"""The event store on Rekindle's PostgreSQL: our recorder, the subject keys, the fast replay."""

from __future__ import annotations

from domain.store import NAME, EventStore
from projections.database import Database, quiet_checks
from projections.keystore import PostgresKeyStore
from projections.replay import FastReplayStore


def open_store(database: Database, *, keys: PostgresKeyStore | None = None,
               pool_size: int | None = None) -> EventStore:
    """An event store on the database (its tables created on first use).

    Several processes may start together on a fresh database: the library's start-up DDL
    runs under the database's lock for it.
    """
    env = database.eventsourcing_env()
    if pool_size is not None:
        env["POSTGRES_POOL_SIZE"] = str(pool_size)
    with database.ddl_locked(NAME):
        store = FastReplayStore(env, keys=keys or PostgresKeyStore(database.pool))
    quiet_checks(store.recorder)
    return store
