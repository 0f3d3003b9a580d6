"""The link secret: configured, or drawn once and shared by every process through PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from domain.settings import Settings
from projections.database import Database
from projections.link_secret import link_secret

ROOT = Path(__file__).resolve().parents[2]
IN_A_PROCESS = """
import sys
from psycopg_pool import ConnectionPool
from projections.link_secret import link_secret
with ConnectionPool(sys.argv[1], min_size=1, max_size=1) as pool:
    print(link_secret(pool))
"""


@pytest.fixture
def pool(database: Database, settings: Settings) -> Iterator[ConnectionPool]:
    """A pool of its own on a database that every process has prepared (Database.start)."""
    with ConnectionPool(settings.database_url, min_size=1, max_size=2) as opened:
        yield opened


def stored(url: str) -> list[tuple[str]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT secret FROM rekindle.link_secret").fetchall()


def test_a_configured_secret_is_used_and_nothing_is_stored(pool: ConnectionPool,
                                                           settings: Settings) -> None:
    assert link_secret(pool, "configured-secret-0123456789") == "configured-secret-0123456789"
    assert stored(settings.database_url) == []


def test_a_configured_secret_must_be_long_enough(pool: ConnectionPool) -> None:
    with pytest.raises(ValueError, match="link secret"):
        link_secret(pool, "short")


def test_without_configuration_one_secret_is_drawn_and_kept(pool: ConnectionPool,
                                                            settings: Settings) -> None:
    first = link_secret(pool)
    assert len(first) >= 32
    with ConnectionPool(settings.database_url, min_size=1, max_size=1) as another:
        assert link_secret(another) == first
    assert link_secret(pool, None) == first
    assert stored(settings.database_url) == [(first,)]


def test_processes_starting_together_agree_on_one_secret(database: Database,
                                                         settings: Settings) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [subprocess.Popen([sys.executable, "-c", IN_A_PROCESS, settings.database_url],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                  cwd=ROOT, text=True)
                 for _ in range(3)]
    secrets = set()
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        secrets.add(out.strip())
    assert len(secrets) == 1
    assert stored(settings.database_url) == [(secrets.pop(),)]
