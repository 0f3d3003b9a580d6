"""Publishes recorded notifications (for recruiters' inboxes, chat, e-mail) to Kafka.

The CRM side records `NotificationRecorded` events whose text is non-personal by
construction; this handler puts them on `rekindle.notifications` (key = recipient id) for
whatever delivers them. In-process there is no broker to publish to, so it does nothing.
Delivery is at least once: consumers of the topic deduplicate by `event_id`.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING

from kafka import KafkaProducer

from consumers.kafka import NOTIFICATIONS_TOPIC, close_producer, producer_config
from consumers.messages import Message

if TYPE_CHECKING:
    from consumers.context import Context

NOTIFICATION_EVENT = "NotificationRecorded"


def notification_json(message: Message) -> bytes:
    data = message.data
    return json.dumps({
        "event_id": str(message.event_id),
        "notification_id": str(message.aggregate_id),
        "position": message.position,
        "occurred_at": message.occurred_at.isoformat(),
        "recipient_id": data.get("recipient_id"),
        "candidate_id": data.get("candidate_id"),
        "reason": data.get("reason"),
        "message": data.get("message"),
    }, separators=(",", ":")).encode()


class NotificationPublisher:
    """Handler `notifications`: NotificationRecorded -> topic rekindle.notifications."""

    name = "notifications"

    def __init__(self, topic: str = NOTIFICATIONS_TOPIC) -> None:
        self.topic = topic
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()

    def wants(self, message: Message) -> bool:
        return message.type == NOTIFICATION_EVENT

    def handle(self, message: Message, runtime: Context, tracking_name: str) -> None:
        bootstrap = runtime.settings.kafka_bootstrap
        if bootstrap is None:
            return
        with self._lock:
            if self._producer is None:
                self._producer = KafkaProducer(**producer_config(bootstrap))
            producer = self._producer
        recipient = message.data.get("recipient_id") or str(message.aggregate_id)
        try:
            producer.send(self.topic, key=str(recipient).encode(),
                          value=notification_json(message),
                          headers=[("event_id", str(message.event_id).encode()),
                                   ("type", message.type.encode())]).get(timeout=30)
        except Exception:
            with self._lock:
                if self._producer is producer:
                    self._producer = None
            close_producer(producer)
            raise
