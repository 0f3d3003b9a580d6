"""The PostgreSQL adapters the domain's ports need, bundled for the application."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from psycopg_pool import ConnectionPool

from projections.database import shared_pool
from projections.emailindex import PostgresEmailIndex
from projections.externalids import PostgresExternalIds
from projections.filestore import PostgresFileStore
from projections.keystore import PostgresKeyStore


@dataclass
class PostgresAdapters:
    keys: PostgresKeyStore
    files: PostgresFileStore
    emails: PostgresEmailIndex
    external_ids: PostgresExternalIds | None = None

    @classmethod
    def on(cls, pool: ConnectionPool) -> PostgresAdapters:
        return cls(PostgresKeyStore(pool), PostgresFileStore(pool), PostgresEmailIndex(pool),
                   PostgresExternalIds(pool))


_by_conninfo: dict[str, PostgresAdapters] = {}


def adapters_from_env(env: Mapping[str, str]) -> PostgresAdapters:
    """Used when the library constructs the application itself (projection runners)."""
    conninfo = env["REKINDLE_CONNINFO"]
    if conninfo not in _by_conninfo:
        _by_conninfo[conninfo] = PostgresAdapters.on(shared_pool(conninfo))
    return _by_conninfo[conninfo]
