"""The mailer as the consumer group `rekindle.mailer` on Kafka: the address never travels on
a topic, the mailer looks it up when it sends."""

from __future__ import annotations

import pytest

from api.bootstrap import Runtime
from consumers.kafka import EVENTS_TOPIC
from consumers.workers import start_kafka
from domain.actor import Actor
from domain.settings import Settings
from tests.consumers.test_kafka import read_topic
from tests.kafka_fixture import TansuBroker
from tests.smtp_fixture import SmtpServer

pytestmark = pytest.mark.kafka


def test_the_mailer_group_sends_with_the_address_it_looks_up(
        settings: Settings, kafka_broker: TansuBroker, smtp_server: SmtpServer) -> None:
    runtime = Runtime(settings.replace(kafka_bootstrap=kafka_broker.bootstrap,
                                       smtp_url=smtp_server.url(),
                                       public_url="https://talent.example.com"))
    runtime.start(projections=False, workers=False)
    workers = start_kafka(runtime, ["mailer"], scheduler=False)
    try:
        app, system = runtime.rekindle, Actor.system()
        candidate = app.candidates.create("Grace Hopper", ["grace.hopper@example.net"], system)
        app.consent.request(candidate.id, system)

        [received] = smtp_server.wait_for(1, timeout=60)
        assert received.rcpt_tos == ["grace.hopper@example.net"]
        assert "https://talent.example.com/consent/" in received.message.get_body(
            ("plain",)).get_content()
        # created, text kept, consent requested, mail queued: all out before the mail left
        records = read_topic(kafka_broker.bootstrap, EVENTS_TOPIC, 4)
        assert any(b'"MailQueued"' in r.value for r in records)
        assert not [r for r in records if b"grace" in r.value.lower()
                    or b"hopper" in r.value.lower()]
    finally:
        workers.stop()
        runtime.stop()
