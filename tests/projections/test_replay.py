"""The fast replay (projections/replay.py) rebuilds every aggregate exactly as the library's
`project_aggregate` does."""

from __future__ import annotations

from eventsourcing.application import project_aggregate

from domain.actor import Actor
from domain.service import Rekindle
from projections.replay import FastReplayStore
from tests.projections.story import play


def state(aggregate: object) -> dict:
    return dict(vars(aggregate))


def test_the_fast_replay_equals_the_librarys(app: Rekindle, admin: Actor) -> None:
    assert isinstance(app.store, FastReplayStore)
    play(app, admin)
    ids = {n.originator_id for n in app.store.recorder.select_notifications(start=1,
                                                                            limit=10_000)}
    assert len(ids) > 10
    for aggregate_id in ids:
        fast = app.store.repository.get(aggregate_id, projector_func=app.store.replay)
        plain = app.store.repository.get(aggregate_id, projector_func=project_aggregate)
        assert type(fast) is type(plain)
        assert state(fast) == state(plain), type(plain).__name__
