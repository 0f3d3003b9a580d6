"""The Kafka transport against a real Kafka-protocol broker (Tansu): relay, consumer groups,
outage, crash, dead letters, and no personal data on the wire."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from api.bootstrap import Runtime
from consumers.ats_inbound import AtsInboundWorker
from consumers.delivery import RetryPolicy
from consumers.inprocess import InProcessWorker
from consumers.kafka import ATS_TOPIC, EVENTS_TOPIC, PARTITIONS, KafkaWorker, ensure_topics
from consumers.parked import list_parked, replay
from consumers.relay import Relay
from domain.actor import Actor
from domain.settings import Settings
from tests.consumers.effects import TagOnCreate, TagTogether, tag_counts
from tests.kafka_fixture import TansuBroker
from tests.waiting import wait_until

pytestmark = pytest.mark.kafka
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def runtime(settings: Settings, kafka_broker: TansuBroker) -> Iterator[Runtime]:
    rt = Runtime(settings.replace(kafka_bootstrap=kafka_broker.bootstrap))
    rt.start(projections=False, workers=False)
    yield rt
    rt.stop()


@pytest.fixture
def relay(runtime: Runtime) -> Iterator[Relay]:
    running = Relay(runtime, idle_wait_s=0.1, max_backoff_s=0.5, delivery_timeout_ms=2000).start()
    yield running
    running.stop()
    running.join(10)


def add_candidates(runtime: Runtime, count: int, start: int = 0) -> list:
    return [runtime.rekindle.candidates.create(f"Cand {i}", [f"c{i}@example.com"],
                                               Actor.system()).id
            for i in range(start, start + count)]


def read_topic(bootstrap: str, topic: str, expected: int) -> list:
    """Every record of a topic, read without a group (assign + seek to the beginning)."""
    ensure_topics(bootstrap)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        records: list = []
        wait_until(lambda: records.extend(
            r for batch in consumer.poll(200).values() for r in batch) or len(records) >= expected)
        return records
    finally:
        consumer.close()


def test_event_goes_through_relay_and_topic_to_a_consumer_effect(runtime: Runtime,
                                                                  relay: Relay) -> None:
    worker = KafkaWorker(runtime, TagOnCreate()).start()
    try:
        created = add_candidates(runtime, 5)
        wait_until(lambda: set(tag_counts(runtime.rekindle)) == set(created))
    finally:
        worker.stop()
        worker.join(10)
    assert all(n == 1 for n in tag_counts(runtime.rekindle).values())
    head = runtime.rekindle.store.recorder.max_notification_id()  # the tags too, a moment later
    wait_until(lambda: relay.position() == head, what="the relay to publish every event")


def test_messages_on_the_events_topic_carry_no_personal_data(runtime: Runtime,
                                                              relay: Relay) -> None:
    runtime.rekindle.candidates.create("Zoltan Quixote-Personal", ["zoltan.private@example.org"],
                                 Actor.system(), phones=["+44 7700 900123"],
                                 headline="Loves secret gardens")
    head = runtime.rekindle.store.recorder.max_notification_id()
    wait_until(lambda: relay.position() == head)
    records = read_topic(runtime.settings.kafka_bootstrap, EVENTS_TOPIC, head)
    assert b"CandidateCreated" in {dict(r.headers)["type"] for r in records}
    for record in records:
        raw = record.value + (record.key or b"") + b"".join(v for _, v in record.headers)
        for secret in (b"Zoltan", b"Quixote", b"zoltan.private", b"7700 900123",
                       b"secret gardens"):
            assert secret not in raw


def test_broker_outage_loses_nothing_and_commands_keep_working(
        runtime: Runtime, relay: Relay, kafka_broker: TansuBroker) -> None:
    worker = KafkaWorker(runtime, TagOnCreate()).start()
    before = add_candidates(runtime, 3)
    wait_until(lambda: set(tag_counts(runtime.rekindle)) == set(before))
    worker.stop()
    worker.join(10)

    kafka_broker.stop()
    during = add_candidates(runtime, 4, start=3)
    assert relay.position() < runtime.rekindle.store.recorder.max_notification_id()

    kafka_broker.start()  # in-memory broker: it comes back empty, the relay republishes
    worker = KafkaWorker(runtime, TagOnCreate()).start()
    try:
        wait_until(lambda: set(tag_counts(runtime.rekindle)) == set(before + during), timeout=30)
    finally:
        worker.stop()
        worker.join(10)
    assert all(n == 1 for n in tag_counts(runtime.rekindle).values())


def consumer_process(runtime: Runtime, together: bool) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REKINDLE_DATABASE_URL": runtime.settings.database_url,
           "REKINDLE_KAFKA_BOOTSTRAP": runtime.settings.kafka_bootstrap,
           "REKINDLE_DATA_DIR": str(runtime.settings.data_dir), "TAGGER_DELAY_S": "0.05",
           "REKINDLE_KAFKA_SESSION_TIMEOUT_S": "2", "TAGGER_TOGETHER": "1" if together else ""}
    return subprocess.Popen([sys.executable, "-m", "tests.consumers.effects"], cwd=ROOT, env=env)


@pytest.mark.slow
@pytest.mark.parametrize("together", [False, True], ids=["one-at-a-time", "batch-at-a-time"])
def test_consumer_killed_mid_batch_loses_nothing_and_applies_nothing_twice(
        runtime: Runtime, relay: Relay, together: bool) -> None:
    created = add_candidates(runtime, 40)
    first = consumer_process(runtime, together)
    try:
        wait_until(lambda: len(tag_counts(runtime.rekindle)) >= 5, timeout=30)
    finally:
        first.kill()
        first.wait()
    assert len(tag_counts(runtime.rekindle)) < len(created), "killed before it finished"

    second = consumer_process(runtime, together)
    try:
        wait_until(lambda: set(tag_counts(runtime.rekindle)) == set(created), timeout=40)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(20) == 0
    assert all(n == 1 for n in tag_counts(runtime.rekindle).values())


@pytest.mark.parametrize("handler_kind", [TagOnCreate, TagTogether],
                         ids=["one-at-a-time", "batch-at-a-time"])
def test_poison_messages_go_to_the_dead_letter_topic_and_the_consumer_moves_on(
        runtime: Runtime, relay: Relay, handler_kind: type[TagOnCreate]) -> None:
    bootstrap = runtime.settings.kafka_bootstrap
    ensure_topics(bootstrap)
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    producer.send(EVENTS_TOPIC, key=b"junk", value=b"{not json").get(timeout=10)
    producer.close()
    poisoned, *fine = add_candidates(runtime, 3)
    worker = KafkaWorker(runtime, handler_kind(poison={poisoned}),
                         policy=RetryPolicy(attempts=2, first_delay_s=0.01)).start()
    try:
        wait_until(lambda: set(tag_counts(runtime.rekindle)) == set(fine))
        dead = read_topic(bootstrap, f"{EVENTS_TOPIC}.dlq", 2)
    finally:
        worker.stop()
        worker.join(10)

    by_value = {r.value: dict(r.headers) for r in dead}
    assert b"{not json" in by_value
    junk = by_value[b"{not json"]
    assert b"unreadable" in junk["error"] and junk["topic"] == EVENTS_TOPIC.encode()
    assert {"partition", "offset"} <= set(junk)
    failed = [h for v, h in by_value.items() if v != b"{not json"]
    assert len(failed) == 1 and b"poisoned candidate" in failed[0]["error"]
    assert failed[0]["event_id"] and int(failed[0]["offset"]) >= 0
    assert poisoned not in tag_counts(runtime.rekindle)
    (parked,) = list_parked(runtime.database.pool)["items"]  # the unreadable one has no event
    assert parked["handler"] == "tagger" and "poisoned candidate" in parked["error"]
    assert str(parked["event_id"]).encode() == failed[0]["event_id"]
    assert replay(runtime, parked["id"], handlers=[handler_kind()]).status == "replayed"
    assert tag_counts(runtime.rekindle)[poisoned] == 1


def test_ats_events_topic_is_consumed_and_malformed_ones_are_dead_lettered(
        runtime: Runtime) -> None:
    bootstrap = runtime.settings.kafka_bootstrap
    ensure_topics(bootstrap)
    good = {"event_id": "gh-1", "type": "application.rejected",
            "occurred_at": "2026-01-05T10:00:00+00:00",
            "candidate": {"external_id": "c-77", "name": "Ria Ats", "email": "ria@example.com"},
            "rejection_reason": "position_filled"}
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    producer.send(ATS_TOPIC, value=b'{"event_id": 5}').get(timeout=10)
    for _ in range(2):  # a redelivery by the ATS records nothing new
        producer.send(ATS_TOPIC, value=json.dumps(good).encode()).get(timeout=10)
    producer.close()

    worker = AtsInboundWorker(runtime).start()
    try:
        wait_until(lambda: runtime.rekindle.candidates.find_by_email("ria@example.com") is not None)
        dead = read_topic(bootstrap, f"{ATS_TOPIC}.dlq", 1)
    finally:
        worker.stop()
        worker.join(10)
    assert [r.value for r in dead] == [b'{"event_id": 5}']
    assert dict(dead[0].headers)["error"].startswith(b"malformed")
    created = runtime.rekindle.store.recorder.select_notifications(
        start=1, limit=1000, topics=["domain.candidate:Candidate.CandidateCreated"])
    assert len(created) == 1


def test_recorded_notifications_are_published_to_the_notifications_topic(
        runtime: Runtime) -> None:
    from consumers.kafka import NOTIFICATIONS_TOPIC
    from consumers.notifications import NotificationPublisher
    from domain.notification import Notification

    recipient = runtime.rekindle.users.create("Rae Cruiter", "rae@example.com", "team_member",
                                        Actor.system()).id
    note = Notification(recipient_id=recipient, candidate_id=None, reason="reminder_due",
                        message="Call back your silver medallists", by=Actor.system())
    runtime.rekindle.store.record(note)
    worker = InProcessWorker(runtime, NotificationPublisher(), idle_wait_s=0.1).start()
    try:
        published = read_topic(runtime.settings.kafka_bootstrap, NOTIFICATIONS_TOPIC, 1)
    finally:
        worker.stop()
        worker.join(10)
    assert len(published) == 1
    body = json.loads(published[0].value)
    assert published[0].key == str(recipient).encode()
    assert body["recipient_id"] == str(recipient) and body["reason"] == "reminder_due"
    assert body["message"] == "Call back your silver medallists"
    assert body["notification_id"] == str(note.id)


def test_a_second_relay_stands_by_and_takes_over_when_the_first_stops(
        runtime: Runtime) -> None:
    first = Relay(runtime, idle_wait_s=0.1).start()
    second = Relay(runtime, idle_wait_s=0.1).start()
    try:
        add_candidates(runtime, 3)
        head = runtime.rekindle.store.recorder.max_notification_id()
        wait_until(lambda: first.position() == head)
        first.stop()
        first.join(10)
        add_candidates(runtime, 2, start=3)
        head = runtime.rekindle.store.recorder.max_notification_id()
        wait_until(lambda: second.position() == head)
    finally:
        for relay in (first, second):
            relay.stop()
            relay.join(10)
    records = read_topic(runtime.settings.kafka_bootstrap, EVENTS_TOPIC, head)
    positions = sorted(int(dict(r.headers)["position"]) for r in records)
    assert positions == list(range(1, head + 1)), "each event published once, in all"


def test_a_group_replaying_the_topic_skips_what_its_tracking_says_is_done(
        runtime: Runtime, relay: Relay) -> None:
    """The tracking position is per handler and partition, recorded once per batch even when
    the batch's last messages wanted nothing; a new group reading from the start (a reset
    offset) applies nothing twice and does not even call the handler."""
    app, bootstrap = runtime.rekindle, runtime.settings.kafka_bootstrap
    first = KafkaWorker(runtime, TagOnCreate()).start()
    try:
        created = add_candidates(runtime, 6)
        wait_until(lambda: set(tag_counts(app)) == set(created))
        head = app.store.recorder.max_notification_id()  # a CandidateTagged, which it does not want
        wait_until(lambda: max(app.store.recorder.max_tracking_id(f"tagger:p{p}") or 0
                               for p in range(PARTITIONS)) == head)
    finally:
        first.stop()
        first.join(10)

    replayer = TagOnCreate()
    second = KafkaWorker(runtime, replayer)
    second.consumer_config["group_id"] = "rekindle.tagger-replay"
    second.start()
    reader = KafkaConsumer(bootstrap_servers=bootstrap, group_id="rekindle.tagger-replay",
                           enable_auto_commit=False)  # reads the group's offsets, never joins
    try:
        ends = reader.end_offsets([TopicPartition(EVENTS_TOPIC, p) for p in range(PARTITIONS)])
        wait_until(lambda: all((reader.committed(tp) or 0) >= end for tp, end in ends.items()),
                   timeout=30)
    finally:
        second.stop()
        second.join(10)
        reader.close()
    assert replayer.seen == []
    assert all(n == 1 for n in tag_counts(app).values())
