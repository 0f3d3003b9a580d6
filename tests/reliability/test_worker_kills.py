"""Workers killed with SIGKILL in the middle of their work, then started again:

- the projection worker, mid catch-up: it resumes from its tracking rows and ends equal to a
  fresh rebuild (no event lost, none applied twice);
- the relay, while publishing a backlog: after the restart every event is on the topic (at
  least once; a batch published but not yet recorded is published again, and consumers drop
  the repeat by its event id).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from domain.actor import Actor
from domain.service import Rekindle
from domain.settings import Settings
from projections.database import Database
from projections.rebuild import status
from tests.kafka_fixture import TansuBroker, read_topics
from tests.reliability.faults import read_model_dump, rebuilt_dump
from tests.reliability.live import REPO
from tests.waiting import wait_until

BACKLOG = 600  # candidates, each with an opportunity: about 1,800 events


def backlog(app: Rekindle) -> int:
    for i in range(BACKLOG):
        candidate = app.candidates.create(f"Kim {i}", [f"kim{i}@example.com"], Actor.system(),
                                         tags=["backlog"])
        app.opportunities.add(candidate.id, Actor.system(), general=True, sources=["Fair"])
    return int(app.store.recorder.max_notification_id())


def worker(settings: Settings, name: str, **env: str) -> subprocess.Popen[bytes]:
    base = {k: v for k, v in os.environ.items() if k != "REKINDLE_KAFKA_BOOTSTRAP"}
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "worker", name], cwd=REPO,
        env={**base, "REKINDLE_DATABASE_URL": settings.database_url,
             "REKINDLE_DATA_DIR": str(settings.data_dir), **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


@pytest.fixture
def watched(settings: Settings) -> Iterator[Database]:
    database = Database(settings).start()
    yield database
    database.stop()


@pytest.mark.slow
def test_projection_worker_killed_mid_catch_up_ends_equal_to_a_rebuild(
        settings: Settings, app: Rekindle, watched: Database, tmp_path: Path) -> None:
    head = backlog(app)
    settings_env = {"REKINDLE_PROJECTION_BATCH": "40"}

    def positions() -> list[int]:
        return [row["position"] for row in status(watched)]

    first = worker(settings, "projections", **settings_env)
    try:
        wait_until(lambda: max(positions()) > 0, 60, "the first batches")
    finally:
        kill(first)
    at_kill = positions()
    assert min(at_kill) < head, "killed after it had finished: make the backlog bigger"

    second = worker(settings, "projections", **settings_env)
    try:
        wait_until(lambda: min(positions()) == head, 120, "the restarted worker to catch up",
                   lambda: positions())
    finally:
        stop(second)
    assert second.returncode == 0
    assert read_model_dump(settings.database_url) == rebuilt_dump(settings.database_url,
                                                                   tmp_path / "rebuild")


def relay_position(database_url: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass('rekindle.relay_positions')").fetchone()[0]
        if exists is None:
            return 0
        row = conn.execute("SELECT max(position) FROM rekindle.relay_positions").fetchone()
        return int(row[0] or 0)


@pytest.mark.slow
def test_relay_killed_while_publishing_loses_nothing(
        settings: Settings, app: Rekindle, kafka_broker: TansuBroker) -> None:
    head = backlog(app)
    kafka = {"REKINDLE_KAFKA_BOOTSTRAP": kafka_broker.bootstrap}
    first = worker(settings, "relay", **kafka)
    try:
        wait_until(lambda: relay_position(settings.database_url) > 0, 60, "the first batch")
    finally:
        kill(first)
    assert relay_position(settings.database_url) < head, "killed after it had finished"

    second = worker(settings, "relay", **kafka)
    try:
        wait_until(lambda: relay_position(settings.database_url) == head, 120,
                   "the restarted relay to publish everything")
    finally:
        stop(second)
    published = [json.loads(r.value)["position"]
                 for r in read_topics(kafka_broker.bootstrap, lambda t: t == "rekindle.events")]
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        stored = {r[0] for r in conn.execute("SELECT notification_id FROM rekindle_events")}
    assert set(published) == stored
