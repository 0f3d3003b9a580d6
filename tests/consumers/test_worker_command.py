"""`rekindle worker` as its own process: the relay publishes, then stops cleanly on SIGTERM; any
worker serves its metrics on `--metrics-port`, and listens on nothing without it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import psutil
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from domain.actor import Actor
from domain.service import Rekindle
from domain.settings import Settings
from tests.kafka_fixture import TansuBroker
from tests.reliability.live import free_port
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


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Samples by (name, labels) from a Prometheus endpoint."""
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def start_worker(settings: Settings, *args: str, stderr: Path) -> subprocess.Popen:
    env = {**os.environ, "REKINDLE_DATABASE_URL": settings.database_url,
           "REKINDLE_DATA_DIR": str(settings.data_dir)}
    env.pop("REKINDLE_KAFKA_BOOTSTRAP", None)
    env.pop("REKINDLE_LOG_FORMAT", None)
    rekindle = Path(sys.executable).with_name("rekindle")
    with stderr.open("wb") as sink:
        return subprocess.Popen([str(rekindle), "worker", *args], cwd=ROOT, env=env,
                                stdout=sink, stderr=sink)


def stop_worker(process: subprocess.Popen, stderr: Path) -> list[dict]:
    """SIGTERM, a clean exit, and its log: one JSON object per line."""
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    output = stderr.read_text()
    assert process.returncode == 0, output[-2000:]
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_worker_serves_its_metrics_on_the_port_it_is_given(
        settings: Settings, app: Rekindle, tmp_path: Path) -> None:
    app.candidates.create("Pat Metrics", ["pat.metrics@example.com"], Actor.system())
    port = free_port()
    process = start_worker(settings, "automation", "--metrics-port", str(port),
                           stderr=tmp_path / "worker.stderr")
    url = f"http://127.0.0.1:{port}/metrics"

    def caught_up() -> dict | None:
        try:
            samples = scrape(url)
        except OSError:
            return None
        head = samples.get(("rekindle_event_log_head", ()))
        at = samples.get(("rekindle_consumer_position", (("handler", "automation"),)))
        return samples if head and at == head else None

    try:
        samples = wait_until(caught_up, timeout=30, what="the automation position in /metrics")
        assert samples[("rekindle_event_log_head", ())] == app.store.recorder.max_notification_id()
        assert samples[("rekindle_parked_messages", (("handler", "automation"),))] == 0
        assert samples[("rekindle_build_info", (("version", "0.1.0"),))] == 1
        assert samples[("rekindle_metrics_database_up", ())] == 1
        app.candidates.create("Pat Later", ["pat.later@example.com"], Actor.system())
        wait_until(lambda: caught_up() and caught_up()[("rekindle_event_log_head", ())]
                   == app.store.recorder.max_notification_id(), timeout=30, what="the new head")
    finally:
        records = stop_worker(process, tmp_path / "worker.stderr")
    assert any(r["message"] == "worker automation running (in-process)" for r in records)
    assert "Pat" not in (tmp_path / "worker.stderr").read_text()


def test_without_the_option_the_worker_listens_on_no_port(
        settings: Settings, app: Rekindle, tmp_path: Path) -> None:
    process = start_worker(settings, "automation", stderr=tmp_path / "worker.stderr")
    try:
        wait_until(lambda: "running" in (tmp_path / "worker.stderr").read_text(), timeout=30,
                   what="the worker to start")
        listening = [c for c in psutil.Process(process.pid).net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN]
        assert listening == []
    finally:
        stop_worker(process, tmp_path / "worker.stderr")
