"""`rekindle worker relay` as its own process: publishes, then stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from domain.actor import Actor
from domain.service import Rekindle
from domain.settings import Settings
from tests.kafka_fixture import TansuBroker
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


def relay_position(conninfo: str) -> int:
    with psycopg.connect(conninfo) as conn:
        try:
            row = conn.execute("SELECT position FROM rekindle.relay_positions"
                               " WHERE name = 'relay'").fetchone()
        except psycopg.errors.UndefinedTable:
            return 0
    return row[0] if row else 0


@pytest.mark.kafka
def test_relay_worker_publishes_and_exits_zero_on_sigterm(
        settings: Settings, app: Rekindle, kafka_broker: TansuBroker) -> None:
    app.candidates.create("Pat Worker", ["pat@example.com"], Actor.system())
    env = {**os.environ, "REKINDLE_DATABASE_URL": settings.database_url,
           "REKINDLE_KAFKA_BOOTSTRAP": kafka_broker.bootstrap,
           "REKINDLE_DATA_DIR": str(settings.data_dir)}
    rekindle = Path(sys.executable).with_name("rekindle")
    process = subprocess.Popen([str(rekindle), "worker", "relay"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        head = app.store.recorder.max_notification_id()
        wait_until(lambda: relay_position(settings.database_url) == head, timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output.decode()[-2000:]
