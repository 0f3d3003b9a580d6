"""The event store's pool is sized by the settings object, not by whatever the process
environment holds when the library is handed its configuration. No server needed."""

from __future__ import annotations

import pytest

from domain.settings import Settings
from projections.database import Database


def test_the_event_store_pool_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGRES_POOL_SIZE", "99")
    database = Database(Settings(event_store_pool_size=3, event_store_max_overflow=0,
                                 event_store_connect_timeout_s=4))
    database.conninfo = "postgresql://rekindle@db.internal:5433/rekindle"  # as start() sets it
    env = database.eventsourcing_env()
    assert (env["POSTGRES_POOL_SIZE"], env["POSTGRES_MAX_OVERFLOW"],
            env["POSTGRES_CONNECT_TIMEOUT"]) == ("3", "0", "4")
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == ("db.internal", "5433")
