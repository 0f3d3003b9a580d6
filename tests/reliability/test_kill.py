"""`rekindle serve` killed with SIGKILL in the middle of a write load, then started again on the
same database: every write it had accepted (2xx) is there exactly once, and the projections,
resumed from their tracking rows, equal a fresh rebuild from the event store."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.faults import (
    Load,
    created_counts,
    projections_caught_up,
    read_model_dump,
    rebuilt_dump,
)
from tests.reliability.live import LiveServer, candidate_body, max_position, new_database
from tests.waiting import wait_until


@pytest.mark.slow
def test_a_killed_server_loses_no_accepted_write_and_projections_resume(
        pg_server: str, tmp_path: Path) -> None:
    url = new_database(pg_server)
    live = LiveServer(url, tmp_path / "serve").start()
    load = Load(live, clients=6).start()
    try:
        wait_until(lambda: sum(o.status == 201 for o in load.snapshot()) >= 30, 60,
                   "writes before the kill")
        live.kill()
        outcomes = load.finish()
        accepted = [o.created_id for o in outcomes if o.created_id]
        assert not [o for o in outcomes if o.status >= 500], load.summary()

        live.start()
        assert set(created_counts(url, accepted).values()) == {1}
        probe = live.request("POST", "/v1/candidates", candidate_body()).json()["id"]
        head = max_position(url)
        wait_until(lambda: projections_caught_up(live, head, probe), 30, "projections")
        for created_id in accepted:
            assert live.request("GET", f"/v1/candidates/{created_id}").status == 200
    finally:
        load.finish()
        live.stop()
    assert read_model_dump(url) == rebuilt_dump(url, tmp_path / "rebuild")
