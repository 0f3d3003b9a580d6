"""The bare baselines each figure is divided by, run on the same server in the same process."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from api.bench.harness import rate

BASELINE_TABLE = "bench_baseline_commits"


def bare_commits_per_s(conninfo: str, clients: int, seconds: float) -> float:
    """`clients` threads, each committing single-row JSONB INSERTs on its own connection."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {BASELINE_TABLE} "
                     "(id bigserial PRIMARY KEY, data jsonb NOT NULL)")
    counts = [0] * clients
    start = threading.Barrier(clients + 1)
    stop_at: list[float] = [0.0]

    def client(index: int) -> None:
        payload = Jsonb({"client": index, "name": "baseline", "tags": ["a", "b"]})
        with psycopg.connect(conninfo, autocommit=True) as conn:
            start.wait()
            while time.perf_counter() < stop_at[0]:
                conn.execute(f"INSERT INTO {BASELINE_TABLE} (data) VALUES (%s)", (payload,))
                counts[index] += 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds + 60
    start.wait()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    for thread in threads:
        thread.join()
    return rate(sum(counts), time.perf_counter() - began)


def bare_decode(app: Any, page: int = 1000) -> tuple[int, float]:
    """Reads every notification in pages and decodes it to a domain event; nothing else."""
    count = 0
    began = time.perf_counter()
    start = 1
    while True:
        notifications = app.recorder.select_notifications(start=start, limit=page)
        if not notifications:
            break
        for notification in notifications:
            app.mapper.to_domain_event(notification)
        count += len(notifications)
        start = notifications[-1].id + 1
    return count, time.perf_counter() - began
