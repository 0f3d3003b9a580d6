"""Asking the events table which candidates are live (projections/liveness.py) answers as
loading each of them does (`Imports.live_one_by_one`)."""

from __future__ import annotations

from uuid import uuid4

from domain.actor import Actor
from domain.service import Rekindle
from projections.liveness import LiveCandidates


def test_one_query_answers_as_loading_each(app: Rekindle, admin: Actor, database) -> None:
    live = [app.candidates.create(f"L{i}", [f"l{i}@example.com"], admin).id for i in range(3)]
    gone = app.candidates.create("Gone", ["gone@example.com"], admin).id
    app.consent.anonymize(gone, "admin", admin)
    posting = app.postings.create("Not a candidate", admin).id
    asked = {*live, gone, posting, uuid4()}
    fast = LiveCandidates(database.pool)(asked)
    assert fast == app.imports.live_one_by_one(asked) == set(live)
    assert LiveCandidates(database.pool)(set()) == set()
