"""What every measurement shares: a throwaway embedded server, fresh databases, timers."""

from __future__ import annotations

import os
import platform
import secrets
import shutil
import socket
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from domain.settings import Settings
from domain.user import format_token
from projections.database import Database


@dataclass
class Sizes:
    """How big each measurement is; --quick shrinks them for CI."""

    api_seconds: float
    backlog_events: int
    history_events: int
    history_samples: int
    import_rows: int
    kafka_seconds: float
    scale_triggers: int

    @classmethod
    def for_run(cls, quick: bool) -> Sizes:
        if quick:
            return cls(api_seconds=3.0, backlog_events=5_000, history_events=1_000,
                       history_samples=20, import_rows=2_000, kafka_seconds=3.0, scale_triggers=300)
        return cls(api_seconds=15.0, backlog_events=200_000, history_events=1_000,
                   history_samples=200, import_rows=100_000, kafka_seconds=15.0,
                   scale_triggers=2_000)


@dataclass
class BenchEnv:
    """An embedded PostgreSQL in a temp folder, and a token for the bootstrap super_admin."""

    quick: bool
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="rekindle-bench-")))
    token: str = field(default_factory=lambda: format_token(uuid.uuid4(), uuid.uuid4(),
                                                            secrets.token_urlsafe(24)))
    server: Database | None = None

    def start(self) -> BenchEnv:
        self.server = Database(Settings(data_dir=self.root)).start()
        return self

    @property
    def conninfo(self) -> str:
        assert self.server is not None and self.server.conninfo
        return self.server.conninfo

    def fresh_settings(self, name: str, *, kafka: bool = False) -> Settings:
        """A new, empty database on the bench server, as Settings for a Runtime: the embedded
        default's in-process transport unless `kafka` (the Kafka lag measurement)."""
        dbname = f"bench_{name}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        params = conninfo_to_dict(self.conninfo)
        params["dbname"] = dbname
        return Settings(data_dir=self.root / name,
                        database_url=make_conninfo(**params), bootstrap_token=self.token,
                        kafka_bootstrap=(os.environ.get("REKINDLE_KAFKA_BOOTSTRAP") or None)
                        if kafka else None)

    def machine(self) -> dict[str, Any]:
        with psycopg.connect(self.conninfo) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        return {"cores": os.cpu_count() or 1, "memory_gb": round(pages / 2**30, 1),
                "postgres_version": version, "python_version": platform.python_version()}

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        shutil.rmtree(self.root, ignore_errors=True)


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 100 samples is the 99th, not an interpolation)."""
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def latency_ms(samples_s: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(samples_s, 50) * 1000, 2),
            "p99_ms": round(percentile(samples_s, 99) * 1000, 2)}


def rate(count: float, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


def ratio(value: float, baseline: float) -> float:
    return round(value / baseline, 3) if baseline else 0.0


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def wait_until(check: Callable[[], bool], timeout_s: float, what: str,
               every_s: float = 0.05) -> None:
    """Polls a condition (a server coming up, a consumer catching up) instead of sleeping blind."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        time.sleep(every_s)


def mean(samples: list[float]) -> float:
    return statistics.fmean(samples) if samples else 0.0
