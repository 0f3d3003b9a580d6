"""A real `rekindle serve` in a subprocess, and keep-alive JSON clients to drive it."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from api.bench.harness import free_port, wait_until
from domain.settings import Settings


class Client:
    """One keep-alive connection (one per thread: http.client is not thread-safe)."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, float]:
        """Returns status, parsed JSON and the seconds the round trip took."""
        payload = None if body is None else json.dumps(body)
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=payload, headers=self.headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            raise
        elapsed = time.perf_counter() - started
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = raw.decode(errors="replace")
        return response.status, data, elapsed

    def close(self) -> None:
        self.conn.close()


class Server:
    """`python -m api.cli serve` (or another `program` taking the same options) on a free port
    of 127.0.0.1, on the given database."""

    def __init__(self, settings: Settings, log_path: Path, threads: int = 24,
                 program: tuple[str, ...] = ("api.cli", "serve")) -> None:
        self.settings = settings
        self.port = free_port()
        self.log_path = log_path
        self.threads = threads
        self.program = program
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60.0) -> Server:
        module, *command = self.program
        self.process = spawn(self.settings, self.log_path,
                             [*command, "--host", "127.0.0.1", "--port", str(self.port),
                              "--threads", str(self.threads)], module=module)
        wait_until(self._ready, timeout_s, f"{module} to answer /healthz")
        return self

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{self.program[0]} exited with {self.process.returncode}: {tail}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
            conn.request("GET", "/healthz")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def stop(self) -> None:
        terminate(self.process)
        self.process = None


def spawn(settings: Settings, log_path: Path, args: list[str],
          module: str = "api.cli", env: dict[str, str] | None = None
          ) -> subprocess.Popen[bytes]:
    """`python -m MODULE ARGS` on the settings' database, its output in `log_path`, with
    `env` on top of what the settings give."""
    full = {**os.environ, "REKINDLE_KAFKA_BOOTSTRAP": settings.kafka_bootstrap or "",
           "REKINDLE_DATABASE_URL": settings.database_url or "",
           "REKINDLE_DATA_DIR": str(settings.data_dir),
           "REKINDLE_BOOTSTRAP_TOKEN": settings.bootstrap_token or "",
           "REKINDLE_LOG_LEVEL": "WARNING"} | (env or {})
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen([sys.executable, "-m", module, *args], env=full, stdout=log,
                                stderr=subprocess.STDOUT)


def terminate(process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM (a clean stop), then SIGKILL after 15 s."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
