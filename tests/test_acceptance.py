"""Seed 004's automation, ATS intake and notifications, the same in both deployments:

- embedded default: `rekindle serve` alone (workers in-process, no Kafka);
- external PostgreSQL + Kafka: `rekindle serve` (API only) and `rekindle worker all`, as
  separate processes talking through a real Kafka-protocol broker.

Only HTTP and the broker are used, as another service would. In the Kafka deployment every
topic Rekindle writes is read back at the end, before and after an erasure: no personal data.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from consumers.ats import sign
from tests.kafka_fixture import TansuBroker, read_topics
from tests.reliability.live import REPO, LiveServer, new_database
from tests.waiting import wait_until

ATS_SECRET = "acceptance-secret"
PERSONAL = ("Sam Silver", "sam.silver@example.com", "+44 20 7946 0001",
            "Kim Keen", "kim.keen@example.com")


@dataclass
class Deployment:
    api: LiveServer
    broker: TansuBroker | None
    workers: subprocess.Popen[bytes] | None
    outbox: Path  # of the process that runs the mailer (no SMTP server configured)


@pytest.fixture(params=["embedded", "kafka"])
def deployment(request: pytest.FixtureRequest, pg_server: str,
               tmp_path: Path) -> Iterator[Deployment]:
    env = {"REKINDLE_ATS_SECRET": ATS_SECRET, "REKINDLE_SCHEDULER_INTERVAL_S": "0.5",
           "REKINDLE_PROJECTION_WAIT_S": "1"}
    broker = workers = None
    if request.param == "kafka":
        broker = TansuBroker().start()
        env["REKINDLE_KAFKA_BOOTSTRAP"] = broker.bootstrap
    api = LiveServer(new_database(pg_server), tmp_path / "api", env_extra=env)
    try:
        api.start()
        if broker is not None:
            log = open(tmp_path / "workers.log", "ab")  # noqa: SIM115 - handed to the child
            workers = subprocess.Popen(
                [sys.executable, "-m", "api.cli", "worker", "all"], cwd=REPO,
                env={**os.environ, **env, "REKINDLE_DATABASE_URL": api.database_url,
                     "REKINDLE_DATA_DIR": str(tmp_path / "workers"),
                     "REKINDLE_PUBLIC_URL": api.base},
                stdout=log, stderr=log, start_new_session=True)
            log.close()
        mailer_dir = tmp_path / "workers" if broker is not None else api.data_dir
        yield Deployment(api, broker, workers, mailer_dir / "outbox")
    finally:
        if workers is not None and workers.poll() is None:
            os.killpg(workers.pid, signal.SIGTERM)
            workers.wait(15)
        api.stop()
        if broker is not None:
            broker.stop()


def created(response: Any) -> str:
    assert response.status in (201, 202), response.body
    return response.json()["id"]


def test_form_rule_pool_tag_notification_and_ats_intake(deployment: Deployment) -> None:
    api = deployment.api
    rita = api.request("POST", "/v1/users", {"name": "Rita Recruiter", "email": "rita@example.com",
                                             "role": "team_member"}).json()
    pool = api.request("POST", "/v1/pools", {"name": "Second best"})
    pool_id = created(pool)
    read_own_write = api.request(  # the projections may run in another process
        "GET", f"/v1/pools/{pool_id}?min_position={pool.headers['X-Rekindle-Position']}")
    assert read_own_write.status == 200 and read_own_write.json()["name"] == "Second best"
    ahead = api.request("GET", f"/v1/pools/{pool_id}?min_position=99999999")
    assert ahead.status == 503 and ahead.json()["error"] == "projection_lagging"
    form_id = created(api.request("POST", "/v1/forms", {"title": "Stay in touch"}))
    created(api.request("POST", "/v1/rules", {
        "name": "Form leads", "trigger": "candidate_created",
        "filter": [{"field": "source", "op": "equals", "value": "Talent form: Stay in touch"}],
        "actions": [{"type": "add_to_pool", "pool_id": pool_id},
                    {"type": "add_tag", "tag": "warm-lead"},
                    {"type": "notify", "to": rita["id"], "message": "New lead in your pool"}]}))

    submitted = api.request("POST", f"/v1/forms/{form_id}/submissions", {
        "name": "Sam Silver", "email": "sam.silver@example.com", "phone": "+44 20 7946 0001",
        "consent": True}, token=None)
    assert submitted.status == 202, submitted.body

    members = wait_until(lambda: api.request(
        "GET", f"/v1/pools/{pool_id}/members").json()["items"])
    sam = members[0]["id"]

    def tagged_profile() -> dict | None:
        """The pools and profiles views each follow the log at their own pace."""
        profile = api.request("GET", f"/v1/candidates/{sam}").json()
        return profile if profile["tags"] else None

    profile = wait_until(tagged_profile, what="the rule's tag on the profile")
    assert "warm-lead" in profile["tags"] and profile["consent"]["status"] == "requested"
    def confirm_link() -> str | None:
        """In the mailer's outbox, among the mails about Sam (Rita's notification too)."""
        for path in deployment.outbox.glob(f"{sam}.*.eml"):
            body = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            found = re.search(re.escape(api.base) + r"(/confirm/\S+)",
                              body.get_body(("plain",)).get_content())
            if found:
                return found.group(1)
        return None

    link = wait_until(confirm_link, what="the confirmation mail in the mailer's outbox")
    assert api.request("POST", link, token=None).status == 200
    confirmed = wait_until(lambda: (p := api.request("GET", f"/v1/candidates/{sam}").json())
                           ["consent"]["status"] == "granted" and p)
    assert confirmed["consent"]["granted_at"]
    notes = wait_until(lambda: api.request(
        "GET", f"/v1/notifications?recipient_id={rita['id']}").json()["items"])
    assert [(n["candidate_id"], n["message"]) for n in notes] == [
        (sam, "New lead in your pool")]

    ats_event = {"event_id": "gh-1", "type": "application.rejected",
                 "occurred_at": "2026-11-20T16:00:00Z",
                 "candidate": {"external_id": "c-77", "name": "Kim Keen",
                               "email": "kim.keen@example.com"},
                 "rejection_reason": "position_filled", "last_stage": "final_interview"}
    body = json.dumps(ats_event).encode()
    answer = api.request("POST", "/v1/ats/events", raw=body, token=None, headers={
        "Content-Type": "application/json", "X-Rekindle-Signature": sign(ATS_SECRET, body)})
    assert answer.status == 202, answer.body
    silver = wait_until(lambda: api.request(
        "GET", "/v1/candidates?tag=silver-medallist&archive_reason=position_filled"
    ).json()["items"])
    assert [c["emails"] for c in silver] == [["kim.keen@example.com"]]

    if deployment.broker is None:
        return
    _ats_topic_intake_works(deployment)
    erased = api.request("POST", f"/v1/candidates/{sam}/anonymize", {"reason": "request"})
    assert erased.status == 200, erased.body
    wait_until(lambda: api.request("GET", f"/v1/candidates/{sam}").json()["gdpr"]["anonymized"])
    _no_personal_data_on_rekindle_topics(deployment.broker, rita["id"])


def _ats_topic_intake_works(deployment: Deployment) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=deployment.broker.bootstrap)
    producer.send("ats.events", json.dumps({
        "event_id": "gh-2", "type": "candidate.updated", "occurred_at": "2026-11-21T10:00:00Z",
        "candidate": {"external_id": "c-78", "name": "Lee Later",
                      "email": "lee.later@example.com"}}).encode()).get(timeout=30)
    producer.close()
    found = wait_until(lambda: deployment.api.request(
        "GET", "/v1/candidates?q=lee.later@example.com").json()["items"])
    assert [c["sources"] for c in found] == [["ATS import"]]


def _no_personal_data_on_rekindle_topics(broker: TansuBroker, recipient_id: str) -> None:
    records = read_topics(broker.bootstrap, lambda topic: topic.startswith("rekindle."))
    topics = {r.topic for r in records}
    assert {"rekindle.events", "rekindle.notifications"} <= topics
    notifications = [json.loads(r.value) for r in records if r.topic == "rekindle.notifications"]
    assert [n["recipient_id"] for n in notifications] == [recipient_id]
    text = b"\n".join(bytes(r.value) + repr(r.headers).encode() for r in records)
    for value in PERSONAL:
        assert value.encode() not in text, f"{value!r} is on a Kafka topic"
