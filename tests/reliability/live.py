"""A real `rekindle serve` process for tests that need one: its own port, its own stderr file,
and a way to kill it, so faults are real process faults rather than raised exceptions."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def new_database(server_conninfo: str) -> str:
    """A brand-new database on a running server; returns its connection string."""
    dbname = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server_conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    params = psycopg.conninfo.conninfo_to_dict(server_conninfo)
    params["dbname"] = dbname
    return psycopg.conninfo.make_conninfo(**params)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class LiveServer:
    """A `rekindle serve` subprocess and a tiny HTTP client for it (stdlib only, no pooling)."""

    database_url: str
    data_dir: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    token: str = field(default_factory=lambda: "boot-" + secrets.token_urlsafe(24))
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def stderr_path(self) -> Path:
        return self.data_dir / "serve.stderr"

    def start(self, ready_timeout_s: float = 60.0) -> LiveServer:
        env = {**os.environ,
               "REKINDLE_DATA_DIR": str(self.data_dir),
               "REKINDLE_DATABASE_URL": self.database_url,
               "REKINDLE_BOOTSTRAP_TOKEN": self.token,
               "PYTHONUNBUFFERED": "1"}
        env.pop("REKINDLE_KAFKA_BOOTSTRAP", None)  # only when the test asks for Kafka
        env.update(self.env_extra)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        stderr = open(self.stderr_path, "ab")  # noqa: SIM115 - handed to the child
        self.process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1",
             "--port", str(self.port), "--threads", "24"],
            cwd=REPO, env=env, stdout=stderr, stderr=stderr, start_new_session=True)
        stderr.close()
        deadline = time.monotonic() + ready_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("rekindle serve exited:\n" + self.logs()[-4000:])
            try:
                if self.request("GET", "/healthz", timeout=1.0).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("rekindle serve never answered /healthz:\n" + self.logs()[-4000:])

    def logs(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()

    def has_route(self, template: str) -> bool:
        """Whether the served OpenAPI document lists a path (features land at different times)."""
        document = self.request("GET", "/v1/openapi.json", token=None).json()
        return template in document.get("paths", {})

    def request(self, method: str, path: str, body: Any = None, *, token: str | None = "",
                headers: dict[str, str] | None = None, raw: bytes | None = None,
                timeout: float = 15.0) -> Response:
        """`token=""` means the bootstrap admin's token; `None` sends no Authorization."""
        sent = dict(headers or {})
        data = raw
        if body is not None and raw is None:
            data = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        bearer = self.token if token == "" else token
        if bearer is not None:
            sent.setdefault("Authorization", f"Bearer {bearer}")
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return Response(resp.status, dict(resp.headers.items()), resp.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers.items()), error.read())


def max_position(database_url: str) -> int:
    """The event store's highest notification id: what "nothing recorded" is checked against."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("SELECT coalesce(max(notification_id), 0) FROM rekindle_events")
        return int(row.fetchone()[0])


@contextmanager
def live_server(server_conninfo: str, data_dir: Path, **env: str) -> Iterator[LiveServer]:
    server = LiveServer(new_database(server_conninfo), data_dir, env_extra=env).start()
    try:
        yield server
    finally:
        server.stop()


def candidate_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Casey Candidate",
                            "emails": [f"casey-{uuid.uuid4().hex[:10]}@example.com"]}
    body.update(overrides)
    return body
