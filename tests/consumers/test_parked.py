"""Parked messages: listed with their reason, handed back to their handler once (a repeat
records nothing more), staying parked with the new reason when they fail again; over HTTP
(admins only) and from the shell."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from uuid import UUID, uuid4

import pytest
from eventsourcing.utils import get_topic

from api.app import create_app
from api.bootstrap import Runtime
from consumers.delivery import RetryPolicy
from consumers.inprocess import InProcessWorker
from consumers.messages import event_id
from consumers.parked import list_parked, park, replay
from domain.actor import Actor
from domain.candidate import Candidate
from domain.errors import NotFound
from domain.settings import Settings
from tests.consumers.effects import TagOnCreate, tag_counts
from tests.reliability.live import REPO
from tests.waiting import wait_until

TOKEN = "parked-bootstrap-token-0123456789"


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime(settings.replace(bootstrap_token=TOKEN)).start(projections=False,
                                                                 workers=False)
    yield rt
    rt.stop()


def parked_once(runtime: Runtime) -> tuple[UUID, dict]:
    """A candidate the tagger fails on, parked by a real in-process worker."""
    poisoned = runtime.rekindle.candidates.create("Pat Poison", ["pat@example.com"],
                                                  Actor.system()).id
    worker = InProcessWorker(runtime, TagOnCreate(poison={poisoned}), idle_wait_s=0.1,
                             policy=RetryPolicy(attempts=2, first_delay_s=0.01)).start()
    wait_until(lambda: list_parked(runtime.database.pool)["items"])
    worker.stop()
    worker.join(5)
    (row,) = list_parked(runtime.database.pool)["items"]
    return poisoned, row


def test_a_replay_hands_the_message_back_once(runtime: Runtime) -> None:
    poisoned, row = parked_once(runtime)
    assert row["handler"] == "tagger" and "poisoned candidate" in row["error"]
    own = runtime.rekindle.store.recorder.max_tracking_id("tagger")
    outcome = replay(runtime, row["id"], handlers=[TagOnCreate()])
    assert outcome.status == "replayed" and outcome.reason is None
    assert tag_counts(runtime.rekindle)[poisoned] == 1
    assert list_parked(runtime.database.pool)["items"] == []
    assert runtime.rekindle.store.recorder.max_tracking_id("tagger") == own
    with pytest.raises(NotFound):
        replay(runtime, row["id"], handlers=[TagOnCreate()])
    # parked again (a redelivery that failed once more) and replayed: recorded only once
    park(runtime, "tagger", row["position"], row["event_id"], "failed again")
    (again,) = list_parked(runtime.database.pool)["items"]
    assert replay(runtime, again["id"], handlers=[TagOnCreate()]).status == "replayed"
    assert tag_counts(runtime.rekindle)[poisoned] == 1


def test_a_replay_that_fails_again_stays_parked_with_the_new_reason(runtime: Runtime) -> None:
    poisoned, row = parked_once(runtime)
    outcome = replay(runtime, row["id"], handlers=[TagOnCreate(poison={poisoned})])
    assert outcome.status == "parked" and "poisoned candidate" in (outcome.reason or "")
    (kept,) = list_parked(runtime.database.pool)["items"]
    assert kept["id"] == row["id"] and kept["parked_at"] > row["parked_at"]
    assert poisoned not in tag_counts(runtime.rekindle)
    unknown = replay(runtime, row["id"], handlers=[])
    assert unknown.status == "parked" and "no handler 'tagger'" in (unknown.reason or "")


def test_over_http_admins_list_and_replay(runtime: Runtime) -> None:
    client = create_app(runtime).test_client()
    admin = {"Authorization": f"Bearer {TOKEN}"}
    member = client.post("/v1/users", headers=admin, json={
        "name": "Tim", "email": "tim@example.com", "role": "team_member"}).get_json()["token"]
    cid = runtime.rekindle.candidates.create("Gail", ["gail@example.com"], Actor.system()).id
    runtime.rekindle.consent.request(cid, Actor.system())  # recorded with its consent text
    position, requested = next(
        (position, event) for position, event in runtime.rekindle.store.scan(
            [get_topic(Candidate.ConsentRequested)]) if event.originator_id == cid)
    park(runtime, "gdpr", position, event_id(cid, requested.originator_version),
         "database hiccup")
    park(runtime, "tagger", 1, uuid4(), "another handler's")

    listed = client.get("/v1/parked", headers=admin, query_string={"handler": "gdpr"})
    assert listed.status_code == 200
    (item,) = listed.get_json()["items"]
    assert item["reason"] == "database hiccup" and item["position"] == position
    assert len(client.get("/v1/parked", headers=admin).get_json()["items"]) == 2
    assert client.get("/v1/parked", headers={"Authorization": f"Bearer {member}"}
                      ).status_code == 403
    assert client.get("/v1/parked?min_position=1", headers=admin).status_code == 422

    replayed = client.post(f"/v1/parked/{item['id']}/replay", headers=admin, json={})
    assert replayed.status_code == 200, replayed.get_json()
    assert replayed.get_json()["status"] == "replayed"
    with runtime.database.pool.connection() as conn:
        kinds = conn.execute("SELECT kind FROM rekindle.gdpr_deadlines WHERE candidate_id = %s",
                             (cid,)).fetchall()
    assert sorted(kinds) == [("consent",), ("reminder",)]  # the gdpr handler's deadlines
    assert [i["handler"] for i in client.get("/v1/parked", headers=admin).get_json()["items"]
            ] == ["tagger"]
    gone = client.post(f"/v1/parked/{item['id']}/replay", headers=admin, json={})
    assert gone.status_code == 404 and gone.get_json()["error"] == "not_found"


def test_from_the_shell(runtime: Runtime, settings: Settings) -> None:
    _, row = parked_once(runtime)
    env = {**os.environ, "REKINDLE_DATABASE_URL": settings.database_url or "",
           "REKINDLE_DATA_DIR": str(settings.data_dir), "REKINDLE_LOG_FORMAT": "text"}

    def rekindle(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "api.cli", "parked", *args], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=120, check=False)

    listed = rekindle("list", "--handler", "tagger")
    assert listed.returncode == 0, listed.stderr
    assert str(row["id"]) in listed.stdout and "poisoned candidate" in listed.stdout
    failed = rekindle("replay", str(row["id"]))  # the shell has no "tagger" handler
    assert failed.returncode == 1 and failed.stdout.startswith("parked")
    assert rekindle("replay", str(uuid4())).returncode == 1
