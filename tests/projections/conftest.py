"""Fixtures for the read side: a running ProjectionService on the test's database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from projections.database import Database
from projections.service import ProjectionService

MINE = ["profiles", "analytics"]  # other features' projections are tested with them


@pytest.fixture
def service(database: Database) -> Iterator[ProjectionService]:
    svc = ProjectionService(database, MINE).start()
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def told(pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """One story on its own database for a whole module of read-only tests."""
    import uuid

    import psycopg

    from api.bootstrap import command_service
    from domain.actor import Actor
    from domain.settings import Settings
    from tests.conftest import _with_dbname
    from tests.projections.story import play

    dbname = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    settings = Settings(data_dir=tmp_path_factory.mktemp("story"),
                        database_url=_with_dbname(pg_server, dbname))
    database = Database(settings).start()
    app = command_service(database, settings)
    svc = ProjectionService(database, MINE).start()
    admin_id = app.users.create("Ada Admin", "ada@example.com", "super_admin", Actor.system()).id
    story = play(app, Actor(admin_id, "super_admin"))
    assert svc.wait(story.last, 10)
    yield database, story
    svc.stop()
    app.close()
    database.stop()
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
