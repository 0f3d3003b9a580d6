"""The PostgreSQL adapters behind the domain's ports, bundled for the command service."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg_pool import ConnectionPool

from projections.emailindex import PostgresEmailIndex
from projections.externalids import PostgresExternalIds
from projections.filestore import PostgresFileStore
from projections.keystore import PostgresKeyStore


@dataclass
class PostgresAdapters:
    keys: PostgresKeyStore
    files: PostgresFileStore
    emails: PostgresEmailIndex
    external_ids: PostgresExternalIds

    @classmethod
    def on(cls, pool: ConnectionPool) -> PostgresAdapters:
        return cls(PostgresKeyStore(pool), PostgresFileStore(pool), PostgresEmailIndex(pool),
                   PostgresExternalIds(pool))
