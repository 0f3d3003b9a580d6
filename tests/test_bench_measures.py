"""The bench's figures count only work that happened from where they say it starts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from api.bench.harness import BenchEnv, Sizes
from api.bench.measures import (
    CLIENTS,
    BacklogStore,
    drive,
    empty_route_flow,
    empty_route_server,
    projection_catchup,
    rebuild,
    silver_medallist_flow,
)
from api.bench.serving import Client, Server
from projections.rebuild import status


@pytest.fixture
def store() -> Iterator[BacklogStore]:
    env = BenchEnv(quick=True).start()
    backlog = BacklogStore(env, Sizes.for_run(quick=True))
    yield backlog
    backlog.close()
    env.stop()


def views_at(store: BacklogStore) -> dict[str, int]:
    return {row["name"]: row["position"] for row in status(store.runtime.database)}


def candidates_in_read_model(store: BacklogStore) -> tuple[int, int]:
    """Candidates the profiles view holds, and candidates the backlog created."""
    with psycopg.connect(store.runtime.settings.database_url) as conn:
        held = conn.execute("SELECT count(*) FROM read.candidates").fetchone()[0]
        created = conn.execute("SELECT count(*) FROM public.rekindle_events WHERE topic LIKE %s",
                               ("%CandidateCreated",)).fetchone()[0]
    return held, created


@pytest.mark.slow
def test_catch_up_is_timed_from_a_cold_start_only(store: BacklogStore) -> None:
    assert set(views_at(store).values()) == {0}
    figures = projection_catchup(store)
    assert figures["events_per_s"] > 0
    assert set(views_at(store).values()) == {store.head}
    with pytest.raises(RuntimeError, match="cold start"):
        projection_catchup(store)  # the views are at the head now: nothing left to time


@pytest.mark.slow
def test_a_rebuild_applies_the_whole_store_again(store: BacklogStore) -> None:
    figures = rebuild(store)
    assert figures["projections"] >= 4
    assert set(views_at(store).values()) == {store.head}
    held, created = candidates_in_read_model(store)
    assert held == created > 0


@pytest.fixture
def empty_route(tmp_path: Path) -> Iterator[Server]:
    server = empty_route_server(tmp_path).start()
    yield server
    server.stop()


def answered(server: Server) -> int:
    client = Client(server.port, "none")
    status_code, body, _ = client.call("GET", "/healthz")
    client.close()
    assert status_code == 200
    return body["answered"]


@pytest.mark.slow
def test_the_clients_count_every_answered_call_after_their_warm_up(empty_route: Server) -> None:
    driven = drive(empty_route.port, "none", 1.0, empty_route_flow)
    assert driven["calls"] > 0
    assert answered(empty_route) == driven["calls"] + CLIENTS  # one warm-up call per client
    assert 0 < driven["p50_ms"] <= driven["p99_ms"]


@pytest.mark.slow
def test_a_flow_that_gets_an_unexpected_answer_fails_the_measure(empty_route: Server) -> None:
    with pytest.raises(RuntimeError, match="add opportunity: HTTP 404"):
        drive(empty_route.port, "none", 1.0, silver_medallist_flow)
