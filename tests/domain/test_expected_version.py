"""A command given the version its caller read (If-Match) refuses, recording nothing, once the
resource has moved on; also when the other write lands while the command runs."""

from __future__ import annotations

import pytest

from domain.actor import Actor
from domain.candidate import Candidate
from domain.errors import PreconditionFailed
from domain.opportunity import Opportunity
from domain.service import Rekindle


def _candidate(app: Rekindle, admin: Actor) -> Candidate:
    created = app.candidates.create("Ann Lee", ["ann.version@example.com"], admin)
    return app.store.load(Candidate, created.id)


def test_a_stale_version_is_refused_and_nothing_is_recorded(app: Rekindle, admin: Actor) -> None:
    candidate = _candidate(app, admin)
    app.candidates.update_profile(candidate.id, {"headline": "first"}, admin,
                                  expected_version=candidate.version)
    head = app.store.head()
    with pytest.raises(PreconditionFailed) as refused:
        app.candidates.update_profile(candidate.id, {"headline": "second"}, admin,
                                      expected_version=candidate.version)
    assert refused.value.code == "precondition_failed"
    assert app.store.head() == head
    assert app.store.load(Candidate, candidate.id).profile["headline"] == "first"


def test_the_current_version_or_none_writes(app: Rekindle, admin: Actor) -> None:
    candidate = _candidate(app, admin)
    app.candidates.update_profile(candidate.id, {"headline": "a"}, admin)
    current = app.store.load(Candidate, candidate.id).version
    app.candidates.update_profile(candidate.id, {"headline": "b"}, admin,
                                  expected_version=current)
    assert app.store.load(Candidate, candidate.id).version == current + 1


def test_a_rival_write_landing_during_the_command_makes_its_retry_refuse(
        app: Rekindle, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rival commits between this command's load and its save: the store refuses the
    stale save, the command runs again, and the new version no longer matches."""
    candidate = _candidate(app, admin)
    record, rivals = app.store.record, []

    def rival_first(*aggregates: object, **kwargs: object) -> int | None:
        if not rivals:
            rivals.append("rival")  # before its write, whose own save comes back here
            app.candidates.update_profile(candidate.id, {"headline": "rival"}, admin)
        return record(*aggregates, **kwargs)

    monkeypatch.setattr(app.store, "record", rival_first)
    with pytest.raises(PreconditionFailed):
        app.candidates.update_profile(candidate.id, {"headline": "mine"}, admin,
                                      expected_version=candidate.version)
    after = app.store.load(Candidate, candidate.id)
    assert after.profile["headline"] == "rival"
    assert after.version == candidate.version + 1


def test_every_write_on_an_opportunity_checks_its_version(app: Rekindle, admin: Actor) -> None:
    candidate = _candidate(app, admin)
    opportunity_id = app.opportunities.add(candidate.id, admin, general=True).id
    version = app.store.load(Opportunity, opportunity_id).version
    app.opportunities.add_tags(opportunity_id, ["go"], admin, expected_version=version)
    head = app.store.head()
    stale = [
        lambda: app.opportunities.change_stage(opportunity_id, "offer", admin,
                                               expected_version=version),
        lambda: app.opportunities.archive(opportunity_id, "timing", admin,
                                          expected_version=version),
        lambda: app.opportunities.remove_tag(opportunity_id, "go", admin,
                                             expected_version=version),
        lambda: app.files.attach(opportunity_id, "cv.pdf", b"%PDF", "application/pdf", admin,
                                 expected_version=version),
        lambda: app.opportunities.add(candidate.id, admin, general=True, expected_version=0),
    ]
    for write in stale:
        with pytest.raises(PreconditionFailed):
            write()
    assert app.store.head() == head
