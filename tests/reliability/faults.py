"""Real faults for reliability tests: a PostgreSQL server the test owns and can stop and start
again on the same data folder, a load generator, and read-model dumps to compare with a rebuild."""

from __future__ import annotations

import http.client
import os
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import psycopg
from psycopg import sql

from domain.settings import Settings
from projections.database import Database
from tests.reliability.live import LiveServer, Response, candidate_body
from tests.waiting import wait_until


class OwnedPostgres:
    """An embedded PostgreSQL 18 of the test's own, so stopping it harms no other test."""

    def __init__(self, data_dir: Path) -> None:
        self.database = Database(Settings(data_dir=data_dir)).start()
        self.server = self.database.server
        self.conninfo: str = self.database.conninfo

    def crash(self) -> None:
        """SIGQUIT to the postmaster is PostgreSQL's immediate shutdown (what `pg_ctl -m
        immediate` sends): no checkpoint, crash recovery on the next start."""
        pid = self.server.get_pid()
        os.kill(pid, signal.SIGQUIT)
        wait_until(lambda: not psutil.pid_exists(pid), 30, "the postmaster to exit")

    def restart(self) -> None:
        """The wheel's own start path, on the same data folder and socket directory."""
        with self.server._lock:
            self.server.ensure_postgres_running()

    def close(self) -> None:
        self.database.stop()


@dataclass
class Outcome:
    method: str
    path: str
    status: int
    error: str
    elapsed_s: float
    created_id: str | None = None


@dataclass
class Load:
    """Clients in threads, each looping over a mixed workload until stopped."""

    live: LiveServer
    clients: int
    outcomes: list[Outcome] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def _call(self, method: str, path: str, body: Any = None) -> Response | None:
        started = time.monotonic()
        try:
            response = self.live.request(method, path, body, timeout=20)
        except (OSError, http.client.HTTPException) as error:  # e.g. killed mid-answer
            with self._lock:
                self.outcomes.append(Outcome(method, path, -1, repr(error),
                                             time.monotonic() - started))
            return None
        error = ""
        created = None
        if response.status >= 400:
            try:
                error = response.json().get("error", "")
            except ValueError:
                error = "not json"
        elif method == "POST" and response.status == 201:
            created = response.json()["id"]
        with self._lock:
            self.outcomes.append(Outcome(method, path, response.status, error,
                                         time.monotonic() - started, created))
        return response

    def _client(self, number: int) -> None:
        mine: list[str] = []
        turn = 0
        while not self.stop.is_set():
            turn += 1
            if turn % 3 == 1 or not mine:
                response = self._call("POST", "/v1/candidates",
                                      candidate_body(tags=[f"client-{number}"]))
                if response is not None and response.status == 201:
                    mine.append(response.json()["id"])
            elif turn % 3 == 2:
                self._call("GET", f"/v1/candidates/{mine[-1]}")
            else:
                self._call("GET", f"/v1/candidates?tag=client-{number}&limit=20")

    def start(self) -> Load:
        for number in range(self.clients):
            thread = threading.Thread(target=self._client, args=(number,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def finish(self) -> list[Outcome]:
        self.stop.set()
        for thread in self._threads:
            thread.join(30)
        return self.outcomes

    def summary(self, since: int = 0) -> dict[tuple[int, str], int]:
        """(status, error code) -> count, and the slowest answer, for failure messages."""
        counts: dict[tuple[int, str], int] = {}
        for outcome in self.snapshot()[since:]:
            key = (outcome.status, outcome.error[:80])
            counts[key] = counts.get(key, 0) + 1
        return counts

    def snapshot(self) -> list[Outcome]:
        with self._lock:
            return list(self.outcomes)


def created_counts(database_url: str, ids: list[str]) -> dict[str, int]:
    """How many creation events (version 1) each id has in the event store."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT originator_id::text, count(*) FROM rekindle_events "
            "WHERE originator_id = ANY(%s) AND originator_version = 1 GROUP BY 1",
            ([uuid.UUID(i) for i in ids],)).fetchall()
    found = dict(rows)
    return {i: found.get(i, 0) for i in ids}


def read_model_dump(database_url: str) -> dict[str, list[tuple]]:
    """Every row of every read-model table (tracking tables excluded), sorted, as text."""
    from projections.opening import catalog

    tables = [t for p in catalog() for t in p.view_class.tables]
    dump: dict[str, list[tuple]] = {}
    with psycopg.connect(database_url, autocommit=True) as conn:
        for table in tables:
            rows = conn.execute(
                sql.SQL("SELECT t::text FROM read.{} AS t").format(
                    sql.Identifier(table))).fetchall()
            dump[table] = sorted(rows)
    return dump


def rebuilt_dump(database_url: str, data_dir: Path) -> dict[str, list[tuple]]:
    """The read models as a fresh rebuild from the event store makes them."""
    from projections.rebuild import rebuild

    database = Database(Settings(data_dir=data_dir, database_url=database_url)).start()
    try:
        rebuild(database)
    finally:
        database.stop()
    return read_model_dump(database_url)


def projections_caught_up(live: LiveServer, head: int, probe: str) -> bool:
    return live.request("GET", f"/v1/candidates/{probe}?min_position={head}").status == 200
