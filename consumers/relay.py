"""The relay: the event store is the outbox, Kafka the mailbox.

It follows the notification log and publishes each event as an integration message on
`rekindle.events` (key = the candidate the event is about, else the aggregate id: one
candidate's events, and one aggregate's, stay in order on one partition), and saves
its position in PostgreSQL only after the broker acknowledged the whole batch. With the
broker down it retries with backoff while the API keeps recording; nothing is lost, and a
crash between publishing and saving the position only causes duplicates, which consumers
ignore by event id.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import psycopg
from eventsourcing.persistence import Notification
from kafka import KafkaProducer

from consumers.background import Background
from consumers.inprocess import NotificationFollower
from consumers.kafka import EVENTS_TOPIC, close_producer, ensure_topics, producer_config
from consumers.messages import to_message
from consumers.subjects import Subjects
from projections.reading import preload_keys
from projections.schema import RELAY_LEADER_LOCKS

if TYPE_CHECKING:
    from consumers.context import Context

log = logging.getLogger(__name__)

RELAY_INTERVAL_S = 0.05
"""The relay reads the log at most this often: a batch, not a broker flush, per commit."""


class Relay(Background):
    """Publishes the notification log to Kafka, in order, at least once."""

    def __init__(self, runtime: Context, *, name: str = "relay", topic: str = EVENTS_TOPIC,
                 batch_size: int = 500, max_backoff_s: float = 5.0,
                 idle_wait_s: float = 0.5, interval_s: float = RELAY_INTERVAL_S,
                 delivery_timeout_ms: int = 10000) -> None:
        self.runtime = runtime
        self.name = name
        self.topic = topic
        self.batch_size = batch_size
        self.max_backoff_s = max_backoff_s
        self.delivery_timeout_ms = delivery_timeout_ms
        super().__init__(f"relay-{name}")
        self.follower = NotificationFollower(runtime, self.stopping, idle_wait_s, interval_s)
        self.producer: KafkaProducer | None = None
        self.subjects = Subjects(runtime.rekindle.store)

    def position(self) -> int:
        """The last position the broker acknowledged (0 before the first)."""
        return published_position(self.runtime, self.name)

    def _save(self, position: int) -> None:
        with self.runtime.database.pool.connection() as conn:
            conn.execute(
                "INSERT INTO rekindle.relay_positions (name, position) VALUES (%s, %s)"
                " ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position,"
                " updated_at = now() WHERE relay_positions.position < EXCLUDED.position",
                (self.name, position))

    def _take_leadership(self) -> psycopg.Connection | None:
        """One active relay per name across machines: others stand by on an advisory lock."""
        while not self.stopping.is_set():
            try:
                conn = psycopg.connect(self.runtime.database.conninfo, autocommit=True)
                got = conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))",
                                   (RELAY_LEADER_LOCKS, self.name)).fetchone()[0]
                if got:
                    return conn
                conn.close()
            except psycopg.Error as error:
                log.warning("relay: cannot take the relay lock: %r", error)
            self.stopping.wait(2.0)
        return None

    def _run(self) -> None:
        failures = 0
        leader: psycopg.Connection | None = None
        try:
            while not self.stopping.is_set():
                if leader is None:
                    leader = self._take_leadership()
                    if leader is None:
                        break
                try:
                    self._publish_next_batch()
                    failures = 0
                except Exception as error:
                    failures += 1
                    delay = min(self.max_backoff_s, 0.1 * 2 ** min(failures, 10))
                    log.warning("relay: %r; retrying in %.1fs", error, delay)
                    self._close_producer()
                    if not _alive(leader):
                        leader.close()
                        leader = None
                    self.stopping.wait(delay)
        finally:
            self._close_producer()
            self.follower.close()
            if leader is not None:
                leader.close()

    def _publish_next_batch(self) -> None:
        position = self.position()
        batch = self.follower.next_batch(position, self.batch_size)
        if not batch or self.stopping.is_set():
            return
        self._publish(batch)
        self._save(batch[-1].id)

    def _publish(self, batch: Sequence[Notification]) -> None:
        producer = self._producer()
        futures = []
        preload_keys(self.runtime.rekindle.store, batch)
        for notification in batch:
            message = to_message(self.runtime, notification, self.subjects)
            futures.append(producer.send(
                self.topic, key=str(message.key).encode(), value=message.to_json(),
                headers=[("event_id", str(message.event_id).encode()),
                         ("position", str(message.position).encode()),
                         ("type", message.type.encode())]))
        producer.flush(timeout=self.delivery_timeout_ms / 1000 + 5)
        for future in futures:
            future.get(timeout=0)

    def _producer(self) -> KafkaProducer:
        if self.producer is None:
            bootstrap = self.runtime.settings.kafka_bootstrap
            ensure_topics(bootstrap)
            self.producer = KafkaProducer(**producer_config(bootstrap, self.delivery_timeout_ms))
        return self.producer

    def _close_producer(self) -> None:
        if self.producer is not None:
            close_producer(self.producer)
            self.producer = None


def published_position(runtime: Context, name: str = "relay") -> int:
    """The last position the broker acknowledged for relay `name` (0 before the first)."""
    with runtime.database.pool.connection() as conn:
        row = conn.execute("SELECT position FROM rekindle.relay_positions WHERE name = %s",
                           (name,)).fetchone()
    return row[0] if row else 0


def _alive(conn: psycopg.Connection) -> bool:
    """False once the session holding the relay lock is gone (and the lock with it)."""
    try:
        conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True
