"""ATS sync over a real Kafka-protocol broker (Tansu): inbound events from `ats.events`,
malformed ones parked on `ats.events.dlq`, and a finally failed send parked on the DLQ."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from api.bootstrap import Runtime
from consumers.ats import AtsSender
from consumers.ats_inbound import AtsInboundWorker
from consumers.kafka import ensure_topics
from domain.opportunity import Opportunity
from tests.intake.test_ats import ats_event, sent_opportunity
from tests.waiting import wait_until

pytestmark = pytest.mark.kafka


@pytest.fixture
def kafka_runtime(ats_runtime: Runtime, kafka_broker) -> Iterator[Runtime]:
    ats_runtime.settings = ats_runtime.settings.replace(kafka_bootstrap=kafka_broker.bootstrap)
    ensure_topics(kafka_broker.bootstrap)
    yield ats_runtime


def read_topic(bootstrap: str, topic: str, expected: int) -> list:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                             consumer_timeout_ms=10_000)
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    records = []
    for record in consumer:
        records.append(record)
        if len(records) >= expected:
            break
    consumer.close()
    return records


def test_inbound_topic_records_events_and_parks_malformed_ones(kafka_runtime, kafka_broker):
    producer = KafkaProducer(bootstrap_servers=kafka_broker.bootstrap)
    producer.send("ats.events", json.dumps(ats_event()).encode())
    producer.send("ats.events", b"{not json")
    producer.send("ats.events", json.dumps(ats_event()).encode())
    producer.flush()
    worker = AtsInboundWorker(kafka_runtime).start()
    try:
        app = kafka_runtime.rekindle
        wait_until(lambda: app.candidates.find_by_email("rita@example.com") is not None)
        [parked] = read_topic(kafka_broker.bootstrap, "ats.events.dlq", 1)
        assert parked.value == b"{not json"
        assert dict(parked.headers)["error"].startswith(b"malformed")
    finally:
        worker.stop()
        worker.join(10)
    created = [n for n in app.store.recorder.select_notifications(start=1, limit=1000)
               if n.topic.endswith("AtsEventReceived")]
    assert len(created) == 1


def test_final_send_failure_is_recorded_and_parked(kafka_runtime, kafka_broker, fake_ats, api):
    fake_ats.fail_next = 10
    _, message = sent_opportunity(api)
    AtsSender().handle(message, kafka_runtime, "ats")

    opportunity = kafka_runtime.rekindle.store.load(Opportunity, message.aggregate_id)
    assert opportunity.ats["status"] == "failed"
    [parked] = read_topic(kafka_broker.bootstrap, "rekindle.events.dlq", 1)
    assert json.loads(parked.value)["event_id"] == str(message.event_id)
    assert dict(parked.headers)["error"] == b"HTTP 503 after 3 attempts"


def test_two_ats_workers_deliver_each_application_once(kafka_runtime, fake_ats, api):
    """Two members of `rekindle.ats` handling the same send at once, as they may while a
    partition changes hands: one application in the ATS, one outcome recorded."""
    _, message = sent_opportunity(api)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def member() -> None:
        try:
            start.wait(5)
            AtsSender().handle(message, kafka_runtime, "ats:p0")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=member) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert len(fake_ats.applications) == 1
    assert len({r["idempotency_key"] for r in fake_ats.requests}) == 1
    app = kafka_runtime.rekindle
    outcomes = [n for n in app.store.recorder.select_notifications(start=1, limit=1000)
                if n.topic.endswith("ATSApplicationCreated")]
    assert len(outcomes) == 1
    assert app.store.load(Opportunity, message.aggregate_id).ats["status"] == "sent"
