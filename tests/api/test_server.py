"""`rekindle serve` as a real process: answers /healthz soon after start, exits 0 on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.slow
def test_serve_answers_health_and_stops_cleanly_on_sigterm(api_settings, tmp_path: Path):
    port = free_port()
    env = {**os.environ, "REKINDLE_DATABASE_URL": api_settings.database_url,
           "REKINDLE_DATA_DIR": str(tmp_path)}
    env.pop("REKINDLE_KAFKA_BOOTSTRAP", None)
    rekindle = Path(sys.executable).with_name("rekindle")
    process = subprocess.Popen([str(rekindle), "serve", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while not healthy(port):
            assert process.poll() is None, process.stdout.read().decode()
            assert time.monotonic() < deadline, "no /healthz within 10 s"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
