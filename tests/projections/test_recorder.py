"""The event store's recorder reads the log exactly as the library's recorder does."""

from __future__ import annotations

from eventsourcing.postgres import PostgresApplicationRecorder

from domain.actor import Actor
from domain.application import Rekindle
from projections.recorder import OneStatementProcessRecorder

CREATED = "domain.candidate:Candidate.CandidateCreated"
UPDATED = "domain.candidate:Candidate.ProfileUpdated"


def test_every_shape_of_log_read_gives_what_the_library_gives(app: Rekindle) -> None:
    assert isinstance(app.recorder, OneStatementProcessRecorder)
    admin = Actor(app.create_user("Ada Admin", "ada@example.com", "super_admin",
                                  Actor.system()).id, "super_admin")
    for n in range(6):
        candidate = app.create_candidate(f"Cand {n}", [f"c{n}@example.com"], admin).id
        app.update_profile(candidate, {"headline": f"Engineer {n}"}, admin)
    head = app.recorder.max_notification_id()
    library = PostgresApplicationRecorder.select_notifications.__wrapped__  # type: ignore[attr-defined]
    shapes = [dict(start=None, limit=100), dict(start=1, limit=5), dict(start=3, limit=4,
              inclusive_of_start=False), dict(start=2, limit=100, stop=head - 3),
              dict(start=None, limit=100, stop=6), dict(start=1, limit=3, topics=[UPDATED]),
              dict(start=4, limit=100, stop=head, topics=[CREATED, UPDATED],
                   inclusive_of_start=False), dict(start=None, limit=2, topics=(CREATED,))]
    for shape in shapes:
        ours = app.recorder.select_notifications(**shape)
        theirs = library(app.recorder, **shape)
        assert ours == theirs, shape
        assert ours, shape
