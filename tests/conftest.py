"""Test fixtures: a real PostgreSQL server (the embedded wheel) for the whole session, and a
fresh database in it for each test, so tests never see each other's events."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from api.bootstrap import command_service
from domain.actor import Actor
from domain.service import Rekindle
from domain.settings import Settings
from projections.database import Database

pytest_plugins = ["tests.kafka_fixture", "tests.smtp_fixture"]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """Connection string of a running server: REKINDLE_TEST_DATABASE_URL, or an embedded one."""
    external = os.environ.get("REKINDLE_TEST_DATABASE_URL")
    if external:
        yield external
        return
    # As root the wheel runs PostgreSQL as user `pgserver`, which cannot enter pytest's
    # private temp folder: the server gets a folder of its own it can reach.
    data_dir = Path(tempfile.mkdtemp(prefix="rekindle-test-pg-"))
    data_dir.chmod(0o755)
    server = Database(Settings(data_dir=data_dir)).start()
    yield server.conninfo
    server.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def _with_dbname(conninfo: str, dbname: str) -> str:
    params = psycopg.conninfo.conninfo_to_dict(conninfo)
    params["dbname"] = dbname
    return psycopg.conninfo.make_conninfo(**params)


@pytest.fixture
def settings(pg_server: str, tmp_path: Path) -> Iterator[Settings]:
    """Settings pointing at a brand-new database on the session's server."""
    dbname = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    yield Settings(data_dir=tmp_path, database_url=_with_dbname(pg_server, dbname))
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = Database(settings).start()
    yield db
    db.stop()


@pytest.fixture
def app(database: Database) -> Iterator[Rekindle]:
    application = command_service(database)
    yield application
    application.close()


@pytest.fixture
def admin(app: Rekindle) -> Actor:
    """A super_admin, as the bootstrap token would create."""
    user = app.users.create("Ada Admin", "ada@example.com", "super_admin", Actor.system())
    return Actor(user.id, "super_admin")
