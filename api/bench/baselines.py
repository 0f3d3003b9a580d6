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


def bare_decode(database: Any, page: int = 1000) -> tuple[int, float]:
    """Reads every notification in pages and decodes it, nothing else: as a projection's reader
    does, through an application of its own (so no subject key is cached yet) that fetches
    each page's keys in one query.

    It once decoded through the application that had just recorded the backlog: the keys it
    had cached (for 30 s) made the figure depend on how long recording took, from 12,000 to
    27,000 events/s on the same backlog.
    """
    from projections.reading import decode, reading_app

    app = reading_app(database)
    try:
        count = 0
        began = time.perf_counter()
        after = 0
        while True:
            notifications = app.recorder.select_notifications(
                start=after, limit=page, inclusive_of_start=False)
            if not notifications:
                break
            decode(app, notifications)
            count += len(notifications)
            after = notifications[-1].id
        return count, time.perf_counter() - began
    finally:
        app.close()
