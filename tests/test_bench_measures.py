"""The bench's figures count only work that happened from where they say it starts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.bench.harness import BenchEnv, Sizes
from api.bench.measures import BacklogStore, projection_catchup, rebuild


@pytest.fixture(scope="module")
def store() -> Iterator[BacklogStore]:
    env = BenchEnv(quick=True).start()
    backlog = BacklogStore(env, Sizes.for_run(quick=True))
    yield backlog
    backlog.close()
    env.stop()


@pytest.mark.slow
def test_catch_up_is_timed_from_a_cold_start_only(store: BacklogStore) -> None:
    figures = projection_catchup(store)
    assert figures["events"] == store.head >= Sizes.for_run(quick=True).backlog_events
    with pytest.raises(RuntimeError, match="cold start"):
        projection_catchup(store)  # the views are at the head now: nothing left to time


@pytest.mark.slow
def test_a_rebuild_applies_the_whole_store_again(store: BacklogStore) -> None:
    figures = rebuild(store)
    assert figures["events"] == store.head
    assert figures["projections"] >= 4
