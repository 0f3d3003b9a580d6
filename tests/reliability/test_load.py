"""A bounded loopback load test: 16 clients for 10 s of mixed reads and writes against a live
`rekindle serve`, with an error budget of zero 5xx; prints requests per second."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.faults import Load, created_counts
from tests.reliability.live import LiveServer, live_server

CLIENTS = 16
DURATION_S = 10.0


@pytest.fixture
def live(pg_server: str, tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(pg_server, tmp_path) as server:
        yield server


@pytest.mark.slow
def test_sixteen_clients_for_ten_seconds_see_no_server_error(live: LiveServer) -> None:
    load = Load(live, clients=CLIENTS).start()
    started = time.monotonic()
    time.sleep(DURATION_S)  # the load runs for a fixed time; there is no condition to wait on
    outcomes = load.finish()
    elapsed = time.monotonic() - started
    by_status: dict[int, int] = {}
    for outcome in outcomes:
        by_status[outcome.status] = by_status.get(outcome.status, 0) + 1
    print(f"\n{len(outcomes)} requests in {elapsed:.1f}s = {len(outcomes) / elapsed:.0f} req/s "
          f"with {CLIENTS} clients; by status {by_status}; "
          f"slowest {max(o.elapsed_s for o in outcomes):.2f}s")
    assert not [o for o in outcomes if o.status >= 500 or o.status == -1], by_status
    assert set(by_status) <= {200, 201}, by_status
    accepted = [o.created_id for o in outcomes if o.created_id]
    assert len(accepted) >= CLIENTS
    assert set(created_counts(live.database_url, accepted).values()) == {1}
