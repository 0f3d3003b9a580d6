"""The event store's recorder reads the log and each aggregate exactly as the library's
recorder does."""

from __future__ import annotations

import itertools
from uuid import UUID

from eventsourcing.postgres import PostgresApplicationRecorder

from domain.actor import Actor
from domain.service import Rekindle
from projections.recorder import OneStatementProcessRecorder

CREATED = "domain.candidate:Candidate.CandidateCreated"
UPDATED = "domain.candidate:Candidate.ProfileUpdated"


def _six_candidates_updated_once(app: Rekindle) -> list[UUID]:
    admin = Actor(app.users.create("Ada Admin", "ada@example.com", "super_admin",
                                  Actor.system()).id, "super_admin")
    candidates = []
    for n in range(6):
        candidates.append(app.candidates.create(f"Cand {n}", [f"c{n}@example.com"], admin).id)
        app.candidates.update_profile(candidates[-1], {"headline": f"Engineer {n}"}, admin)
    return candidates


def test_every_shape_of_log_read_gives_what_the_library_gives(app: Rekindle) -> None:
    assert isinstance(app.store.recorder, OneStatementProcessRecorder)
    _six_candidates_updated_once(app)
    head = app.store.recorder.max_notification_id()
    library = PostgresApplicationRecorder.select_notifications.__wrapped__  # type: ignore[attr-defined]
    shapes = [dict(start=None, limit=100), dict(start=1, limit=5), dict(start=3, limit=4,
              inclusive_of_start=False), dict(start=2, limit=100, stop=head - 3),
              dict(start=None, limit=100, stop=6), dict(start=1, limit=3, topics=[UPDATED]),
              dict(start=4, limit=100, stop=head, topics=[CREATED, UPDATED],
                   inclusive_of_start=False), dict(start=None, limit=2, topics=(CREATED,))]
    for shape in shapes:
        ours = app.store.recorder.select_notifications(**shape)
        theirs = library(app.store.recorder, **shape)
        assert ours == theirs, shape
        assert ours, shape


def test_every_shape_of_aggregate_read_gives_what_the_library_gives(app: Rekindle) -> None:
    candidate = _six_candidates_updated_once(app)[2]
    for n in range(3):
        app.candidates.update_profile(candidate, {"headline": f"Lead {n}"}, Actor.system())
    library = PostgresApplicationRecorder.select_events.__wrapped__  # type: ignore[attr-defined]
    for gt, lte, desc, limit in itertools.product((None, 1), (None, 4), (False, True), (None, 2)):
        shape = dict(gt=gt, lte=lte, desc=desc, limit=limit)
        ours = app.store.recorder.select_events(candidate, **shape)
        assert ours == library(app.store.recorder, candidate, **shape), shape
        assert ours, shape
    assert [e.originator_version for e in app.store.recorder.select_events(
        candidate, gt=1, lte=4, desc=True, limit=2)] == [4, 3]
