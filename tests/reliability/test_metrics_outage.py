"""/metrics while PostgreSQL is down (stopped the way a crash stops it): still 200 with the
process's own series, the read side's positions left out and the failure counted; once the
server is back, the positions return without a restart."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.reliability.faults import OwnedPostgres
from tests.reliability.live import LiveServer, candidate_body, new_database
from tests.waiting import wait_until

PROMPT_S = 5.0  # a scrape waits at most a second for a connection, Prometheus 10 s by default


@pytest.fixture
def owned_pg() -> Iterator[OwnedPostgres]:
    folder = Path(tempfile.mkdtemp(prefix="rekindle-owned-pg-"))
    folder.chmod(0o755)
    pg = OwnedPostgres(folder)
    yield pg
    pg.close()
    shutil.rmtree(folder, ignore_errors=True)


def scrape(live: LiveServer) -> dict[str, float]:
    started = time.monotonic()
    answer = live.request("GET", "/metrics", token=None)
    assert time.monotonic() - started < PROMPT_S
    assert answer.status == 200, answer.body[:500]
    return {s.name + str(sorted(s.labels.items())): s.value
            for family in text_string_to_metric_families(answer.body.decode())
            for s in family.samples}


@pytest.mark.slow
def test_metrics_answer_while_the_database_is_down(owned_pg: OwnedPostgres,
                                                   tmp_path: Path) -> None:
    live = LiveServer(new_database(owned_pg.conninfo), tmp_path / "serve").start()
    try:
        assert live.request("POST", "/v1/candidates", candidate_body()).status == 201
        up = scrape(live)
        assert up["rekindle_metrics_database_up[]"] == 1
        assert up["rekindle_event_log_head[]"] >= 1

        owned_pg.crash()
        down = scrape(live)
        assert down["rekindle_metrics_database_up[]"] == 0
        assert down["rekindle_metrics_scrape_errors_total[]"] >= 1
        assert "rekindle_event_log_head[]" not in down
        assert any(k.startswith("rekindle_http_requests_total") and "/v1/candidates" in k
                   for k in down)

        owned_pg.restart()
        back = wait_until(lambda: (s := scrape(live))["rekindle_metrics_database_up[]"] == 1
                          and s, 30, "the positions back in /metrics")
        assert back["rekindle_event_log_head[]"] == up["rekindle_event_log_head[]"]
    finally:
        live.stop()
