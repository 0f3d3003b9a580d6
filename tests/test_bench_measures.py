"""The bench's figures count only work that happened from where they say it starts."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from api.bench.harness import BenchEnv, Sizes
from api.bench.measures import BacklogStore, projection_catchup, rebuild
from projections.runner import status


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
