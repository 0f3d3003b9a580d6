"""Loading many aggregates in one query (`EventStore.load_many`, `select_events_of` in
projections/recorder.py) gives each exactly as loading it alone does."""

from __future__ import annotations

from uuid import uuid4

from domain.actor import Actor
from domain.candidate import Candidate
from domain.opportunity import Opportunity
from domain.service import Rekindle
from tests.projections.story import play


def test_many_at_once_equal_one_at_a_time(app: Rekindle, admin: Actor) -> None:
    story = play(app, admin)
    store = app.store
    ids = list({n.originator_id for n in store.recorder.select_notifications(start=1,
                                                                              limit=10_000)})
    unknown = uuid4()
    for cls in (Candidate, Opportunity):
        store.keys._cache.clear()  # decrypting must fetch the keys, not find them cached
        many = store.load_many(cls, [*ids, unknown])
        one = {i: store.load(cls, i) for i in ids if store.exists(cls, i)}
        assert set(many) == set(one) and len(one) >= 2, cls.__name__
        for aggregate_id, aggregate in one.items():
            assert vars(many[aggregate_id]) == vars(aggregate), cls.__name__
    ada = store.load_many(Candidate, [story.ada])[story.ada]
    assert ada.personal.data and ada.personal == store.load(Candidate, story.ada).personal


def test_erased_candidates_load_as_erased(app: Rekindle, admin: Actor) -> None:
    story = play(app, admin)
    app.store.keys.destroy(story.bob)
    many = app.store.load_many(Candidate, [story.ada, story.bob])
    assert many[story.bob].personal.erased
    assert vars(many[story.bob]) == vars(app.store.load(Candidate, story.bob))
    assert vars(many[story.ada]) == vars(app.store.load(Candidate, story.ada))
