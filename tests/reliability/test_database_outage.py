"""PostgreSQL crashes and comes back under API load (real processes: `rekindle serve` in a
subprocess, PostgreSQL stopped with `pg_ctl -m immediate`): meanwhile the API answers 503
`unavailable` promptly, never a 500 and never a hang; afterwards it recovers on its own, every
accepted command is in the event store exactly once, the projections resume and /readyz turns
200 again without a process restart, and the read models equal a rebuild."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.faults import (
    Load,
    OwnedPostgres,
    created_counts,
    projections_caught_up,
    read_model_dump,
    rebuilt_dump,
)
from tests.reliability.live import LiveServer, candidate_body, max_position, new_database
from tests.waiting import wait_until

# Each database step of a request waits at most 5 s for a connection (POSTGRES_CONNECT_TIMEOUT,
# the shared pool's timeout); a write has up to three such steps (token, idempotency, save).
PROMPT_S = 20.0


@pytest.fixture
def owned_pg() -> Iterator[OwnedPostgres]:
    """Outside pytest's temp root: other pytest runs reset that root to 0700, which would lock
    the server's own (non-root) user out of its data folder between stop and start."""
    folder = Path(tempfile.mkdtemp(prefix="rekindle-owned-pg-"))
    folder.chmod(0o755)
    pg = OwnedPostgres(folder)
    yield pg
    pg.close()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_api_survives_a_database_crash_and_recovers_without_restart(
        owned_pg: OwnedPostgres, tmp_path: Path) -> None:
    url = new_database(owned_pg.conninfo)
    live = LiveServer(url, tmp_path / "serve").start()
    try:
        load = Load(live, clients=4).start()
        wait_until(lambda: sum(o.status == 201 for o in load.snapshot()) >= 10, 30,
                   "writes before the crash")
        before_crash = len(load.snapshot())
        owned_pg.crash()
        crashed_at = time.monotonic()
        wait_until(lambda: any(o.error == "unavailable" for o in load.snapshot()), 20,
                   "a 503 unavailable while the database is down",
                   lambda: load.summary(before_crash))
        assert live.request("GET", "/readyz", token=None).status == 503
        assert live.request("GET", "/healthz", token=None).status == 200
        time.sleep(max(0.0, 2.0 - (time.monotonic() - crashed_at)))  # an outage of >= 2 s
        owned_pg.restart()
        restarted = len(load.snapshot())
        wait_until(lambda: any(o.status == 201 for o in load.snapshot()[restarted:]), 30,
                   "a successful write after the restart")
        outcomes = load.finish()

        server_errors = [o for o in outcomes if o.status >= 500 and o.error != "unavailable"]
        assert not server_errors, server_errors[:5]
        assert not [o for o in outcomes if o.status == -1], "connection failures or hangs"
        slow = [o for o in outcomes if o.elapsed_s > PROMPT_S]
        assert not slow, f"answers slower than {PROMPT_S}s: {slow[:5]}"

        accepted = [o.created_id for o in outcomes if o.created_id]
        assert set(created_counts(url, accepted).values()) == {1}

        probe = live.request("POST", "/v1/candidates", candidate_body()).json()["id"]
        head = max_position(url)
        # the projections restart on their own (backoff at most 10 s) and report ready again
        wait_until(lambda: projections_caught_up(live, head, probe), 30,
                   "projections to resume without a process restart")
        # the views a candidate GET does not read (analytics, crm, erasures) restart too
        wait_until(lambda: live.request("GET", "/readyz", token=None).status == 200, 30,
                   "every projection running again")
        live.stop()
        live.start()  # a restarted process resumes every projection from its tracking row
        wait_until(lambda: projections_caught_up(live, head, probe), 30, "projections")
        for created_id in accepted:
            assert live.request("GET", f"/v1/candidates/{created_id}").status == 200
        print(f"\n{len(outcomes)} requests, {len(accepted)} accepted writes, "
              f"{sum(o.error == 'unavailable' for o in outcomes)} answered 503 unavailable")
    finally:
        load.finish()
        live.stop()
    assert read_model_dump(url) == rebuilt_dump(url, tmp_path / "rebuild")
