"""`gunicorn api.wsgi:app`: a pre-forking server, two worker processes, one real database.

Each worker must run a runtime of its own, started after the fork: gunicorn is run with
`--preload`, so the module is imported in the master before it forks, the case where a
pool opened at import would be shared by the workers."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from tests.reliability.live import LiveServer, new_database
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
SERVED = re.compile(r"^served <(\d+)> (\S+) (\d{3})$", re.M)
BOOTED = re.compile(r"Booting worker with pid: (\d+)")
STARTED = re.compile(r"runtime started in process (\d+)")


class Gunicorn(LiveServer):
    """The live-server client, over gunicorn instead of `rekindle serve`."""

    def start(self, ready_timeout_s: float = 60.0) -> Gunicorn:
        env = {**os.environ, "REKINDLE_DATA_DIR": str(self.data_dir),
               "REKINDLE_DATABASE_URL": self.database_url,
               "REKINDLE_BOOTSTRAP_TOKEN": self.token, "PYTHONUNBUFFERED": "1"}
        env.pop("REKINDLE_KAFKA_BOOTSTRAP", None)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.stderr_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--preload", "--workers", "2",
                 "--threads", "4", "--bind", f"127.0.0.1:{self.port}",
                 "--graceful-timeout", "20", "--access-logfile", "-",
                 "--access-logformat", "served %(p)s %(U)s %(s)s", "api.wsgi:app"],
                cwd=REPO, env=env, stdout=log, stderr=log, start_new_session=True)
        wait_until(lambda: len(BOOTED.findall(self.logs())) == 2 or self.process.poll() is not None,
                   timeout=ready_timeout_s, what="two booted workers", detail=self.logs)
        assert self.process.poll() is None, self.logs()
        return self

    def served(self) -> set[tuple[int, str, int]]:
        return {(int(pid), path, int(status)) for pid, path, status in SERVED.findall(self.logs())}


@pytest.fixture
def gunicorn(pg_server: str, tmp_path: Path) -> Iterator[Gunicorn]:
    server = Gunicorn(new_database(pg_server), tmp_path / "gunicorn",
                      token="boot-" + secrets.token_urlsafe(24))
    try:
        yield server.start()
    finally:
        server.kill()


def sessions(database_url: str) -> int:
    """Connections open to the test's database, however many processes hold them."""
    dbname = psycopg.conninfo.conninfo_to_dict(database_url)["dbname"]
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
                           " AND pid <> pg_backend_pid()", (dbname,)).fetchone()
        return int(row[0])


@pytest.mark.slow
def test_gunicorn_serves_the_api_from_two_workers_and_stops_cleanly(gunicorn: Gunicorn) -> None:
    workers = {int(pid) for pid in BOOTED.findall(gunicorn.logs())}
    assert sessions(gunicorn.database_url) == 0, "a connection was opened before any request"

    def both_workers_answered() -> bool:
        with ThreadPoolExecutor(8) as pool:  # concurrent calls, so both workers take some
            calls = [pool.submit(gunicorn.request, "GET", path, token=gunicorn.token)
                     for path in ("/healthz", "/v1/users") * 4]
            assert all(call.result().status == 200 for call in calls)
        served = gunicorn.served()
        return all((pid, path, 200) in served
                   for pid in workers for path in ("/healthz", "/v1/users"))

    wait_until(both_workers_answered, timeout=60, interval=0.2,
               what="/healthz and /v1/users answered by both workers", detail=gunicorn.served)
    assert gunicorn.request("GET", "/v1/users", token="not-a-token").status == 401
    started = [int(pid) for pid in STARTED.findall(gunicorn.logs())]
    assert sorted(started) == sorted(workers), "one runtime per worker, started once"
    assert sessions(gunicorn.database_url) > 0

    os.kill(gunicorn.process.pid, signal.SIGTERM)
    assert gunicorn.process.wait(timeout=30) == 0, gunicorn.logs()[-3000:]
    logs = gunicorn.logs()
    assert "Traceback" not in logs, logs[-3000:]
    for pid in workers:
        assert f"Worker exiting (pid: {pid})" in logs
    wait_until(lambda: sessions(gunicorn.database_url) == 0, timeout=10,
               what="the workers' connections closed")
