"""A view that meets an event it cannot apply says which event and why, once; `/readyz`
names it; the other views go on, and so does this one's work before that event."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from api.app import create_app
from api.bootstrap import Runtime
from domain.actor import Actor
from domain.candidate import Candidate
from domain.personal import Personal
from domain.settings import Settings
from tests.waiting import wait_until


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime(settings).start(projections=True, workers=False)
    yield rt
    rt.stop()


def unstorable_candidate(runtime: Runtime) -> int:
    """A candidate no command would record (its name holds a lone surrogate), stored through
    the event store directly, as a bug or an old release might have."""
    store = runtime.rekindle.store
    cid = Candidate.create_id()
    runtime.rekindle.adapters.keys.create_key(cid)
    profile = {"name": "Eve \ud800", "emails": ["eve@example.com"], "phones": [],
               "location": None, "headline": None, "links": []}
    candidate = Candidate(id=cid, personal=Personal(cid, profile), tags=[], sources=[],
                          origin="sourced", by=Actor.system())
    return store.record(candidate)


def test_a_stuck_view_is_named_once_and_the_rest_goes_on(
        runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="projections.follower")
    app = runtime.rekindle
    admin = Actor.system()
    before = app.candidates.create("Ann Before", ["ann@example.com"], admin).position
    bad = unstorable_candidate(runtime)
    after = app.candidates.create("Bob After", ["bob@example.com"], admin).position
    views = runtime.projections.runners

    wait_until(lambda: views["profiles"].stuck_at == bad, 20, "profiles never stopped at it")
    assert runtime.projections.wait(after, timeout=10, views=["analytics", "erasures", "crm"])
    assert views["profiles"].view.position() == bad - 1 >= before
    time.sleep(2)  # a few retries with backoff

    client = create_app(runtime).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = ready.get_json()
    assert body["checks"]["projections"] is False
    assert body["stuck"]["profiles"]["position"] == bad
    assert body["stuck"]["profiles"]["event"] == "CandidateCreated"
    assert "Error" in body["stuck"]["profiles"]["error"]
    said = [r.getMessage() for r in caplog.records if "cannot apply event" in r.getMessage()]
    assert len(said) == 1 and f"event {bad} (CandidateCreated)" in said[0]
    assert "Eve" not in caplog.text
