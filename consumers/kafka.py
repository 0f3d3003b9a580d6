"""The Kafka transport: one consumer group per handler, offsets committed after the effect.

Group id `rekindle.<handler>`; the handler's tracking name is per partition
(`<handler>:p<partition>`), because within a partition positions only grow, which keeps the
process recorder's single-row tracking monotonic and makes redelivery a no-op. A message
the handler keeps failing on, or one that cannot be parsed, goes to `<topic>.dlq` with the
reason in its headers, and the consumer moves on.

Partitions are assigned by the sticky assignor: when a member joins or dies, only the
partitions that must move do, and the others keep theirs (and their warm caches). The
session timeout (REKINDLE_KAFKA_SESSION_TIMEOUT_S) is how soon a killed member's partitions
go to the others; a member that stops cleanly leaves the group at once. A commit refused
because the group rebalanced meanwhile is not an error: the effects are recorded with their
tracking, so the partition's next owner skips what this member did.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from kafka import (
    ConsumerRebalanceListener,
    KafkaAdminClient,
    KafkaConsumer,
    KafkaProducer,
    TopicPartition,
)
from kafka.admin import NewTopic
from kafka.coordinator.assignors.sticky.sticky_assignor import StickyPartitionAssignor
from kafka.errors import (
    CommitFailedError,
    IllegalGenerationError,
    KafkaError,
    RebalanceInProgressError,
    TopicAlreadyExistsError,
    UnknownMemberIdError,
)
from kafka.structs import OffsetAndMetadata

from consumers import metrics
from consumers.background import Background
from consumers.delivery import (
    Abandoned,
    Progress,
    RetryPolicy,
    deliver,
    deliver_together,
)
from consumers.handlers import Handler, batch_scope
from consumers.messages import Message
from consumers.parked import park

if TYPE_CHECKING:
    from kafka.consumer.fetcher import ConsumerRecord

    from consumers.context import Context

log = logging.getLogger(__name__)

EVENTS_TOPIC = "rekindle.events"
NOTIFICATIONS_TOPIC = "rekindle.notifications"
PARTITIONS = 12
ATS_TOPIC = "ats.events"
TOPICS = (EVENTS_TOPIC, f"{EVENTS_TOPIC}.dlq", NOTIFICATIONS_TOPIC, ATS_TOPIC, f"{ATS_TOPIC}.dlq")
MAX_POLL_RECORDS = 100
REBALANCED = (CommitFailedError, RebalanceInProgressError, IllegalGenerationError,
              UnknownMemberIdError)
"""A commit refused because the partition may have moved on to another member."""


def consumer_config(runtime: Context, group: str, *,
                    max_poll_records: int = MAX_POLL_RECORDS) -> dict[str, Any]:
    """A consumer group member's settings: manual commits, the sticky assignor, and the
    session, poll and fetch limits of the settings (heartbeats every twelfth of the session)."""
    settings = runtime.settings
    session_ms = int(settings.kafka_session_timeout_s * 1000)
    return {
        "bootstrap_servers": settings.kafka_bootstrap,
        "group_id": group,
        "client_id": f"rekindle-{group.removeprefix('rekindle.')}",
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "partition_assignment_strategy": [StickyPartitionAssignor],
        "session_timeout_ms": session_ms,
        "heartbeat_interval_ms": max(100, session_ms // 12),
        "max_poll_interval_ms": int(settings.kafka_max_poll_interval_s * 1000),
        "max_poll_records": max_poll_records,
        "fetch_max_wait_ms": settings.kafka_fetch_max_wait_ms,
    }


def producer_config(bootstrap: str, delivery_timeout_ms: int = 10000) -> dict[str, Any]:
    """Acks from all replicas, idempotent, and bounded blocking so an outage surfaces fast."""
    return {"bootstrap_servers": bootstrap, "acks": "all", "enable_idempotence": True,
            "linger_ms": 5, "max_block_ms": 5000, "request_timeout_ms": delivery_timeout_ms // 2,
            "delivery_timeout_ms": delivery_timeout_ms, "client_id": "rekindle"}


def close_producer(producer: KafkaProducer) -> None:
    """Closes a producer even when its last sends never completed (broker gone)."""
    try:
        producer.close(timeout=1)
    except KafkaError:
        sender = getattr(producer, "_sender", None)
        if sender is not None:
            sender.force_close()
        producer._closed = True


def ensure_topics(bootstrap: str, topics: tuple[str, ...] = TOPICS,
                  partitions: int = PARTITIONS) -> None:
    """Creates the topics that are missing (several processes may race: that is fine)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000,
                             client_id="rekindle-admin")
    try:
        missing = [t for t in topics if t not in set(admin.list_topics())]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics([NewTopic(t, partitions, 1) for t in missing])
    finally:
        admin.close()


class Assignment(ConsumerRebalanceListener):
    """Says which partitions the member owns whenever the group changes it (a log line and
    `rekindle_consumer_assigned_partitions`): how a takeover after a kill is timed."""

    def __init__(self, name: str) -> None:
        self.name = name

    def on_partitions_revoked(self, revoked: Any) -> None:
        metrics.assigned(self.name, 0)

    def on_partitions_assigned(self, assigned: Any) -> None:
        partitions = sorted(p.partition for p in assigned)
        metrics.assigned(self.name, len(partitions))
        log.info("consumer %s: assigned partitions %s", self.name, partitions)


class KafkaWorker(Background):
    """Runs one handler as a member of its consumer group, in a thread, until stopped."""

    def __init__(self, runtime: Context, handler: Handler, *, topic: str = EVENTS_TOPIC,
                 policy: RetryPolicy | None = None,
                 max_poll_records: int = MAX_POLL_RECORDS) -> None:
        self.runtime = runtime
        self.handler = handler
        self.topic = topic
        self.dlq_topic = f"{topic}.dlq"
        self.consumer_config = consumer_config(runtime, f"rekindle.{handler.name}",
                                               max_poll_records=max_poll_records)
        policy = policy or RetryPolicy()
        # A member retrying a lost race does not poll: stay well inside the poll interval.
        self.policy = replace(policy, race_deadline_s=min(
            policy.race_deadline_s, runtime.settings.kafka_max_poll_interval_s / 3))
        super().__init__(f"kafka-{handler.name}")
        self.consumer: KafkaConsumer | None = None
        self.producer: KafkaProducer | None = None

    def tracking_name(self, partition: int) -> str:
        return f"{self.handler.name}:p{partition}"

    def _run(self) -> None:
        failures = 0
        while not self.stopping.is_set():
            try:
                self._consume()
                failures = 0
            except Abandoned:
                break
            except Exception as error:
                failures += 1
                delay = min(self.policy.max_delay_s, 0.2 * 2 ** min(failures, 8))
                log.warning("consumer %s: %r; reconnecting in %.1fs", self.handler.name, error,
                            delay)
                self._close()
                self.stopping.wait(delay)
        self._close()

    def _consume(self) -> None:
        if self.consumer is None:
            ensure_topics(self.consumer_config["bootstrap_servers"])
            self.consumer = KafkaConsumer(**self.consumer_config)
            self.consumer.subscribe([self.topic], listener=Assignment(self.handler.name))
        batch = self.consumer.poll(timeout_ms=500)
        processed: dict[TopicPartition, OffsetAndMetadata] = {}
        try:
            with batch_scope(self.handler, self.runtime):
                for partition, records in batch.items():
                    self._deliver_partition(partition, records, processed)
                    if self.stopping.is_set():
                        return
        finally:
            self._commit(processed)

    def _deliver_partition(self, partition: TopicPartition, records: list[ConsumerRecord],
                           processed: dict[TopicPartition, OffsetAndMetadata]) -> None:
        """Notes in `processed` the offset after what was processed (committed once per poll,
        for all its partitions); the tracking position is read and recorded once for the
        records, not once per record."""
        progress = Progress(self.runtime, self.tracking_name(partition.partition))
        read = self._read(records)
        deliver_together(self.handler, [m for m in read.values() if isinstance(m, Message)],
                         self.runtime, progress, self.policy, self.stopping)
        for record in records:
            if self.stopping.is_set():
                break
            self._process(record, progress, read.get(record.offset))
            processed[partition] = OffsetAndMetadata(record.offset + 1, None, -1)
        progress.record()

    def _commit(self, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        if not offsets:
            return
        try:
            self.consumer.commit(offsets)
        except REBALANCED as error:
            # The group moved on meanwhile; the next poll rejoins it. What was handled is
            # tracked, so whoever owns the partition now skips it.
            log.info("consumer %s: commit of %s refused (%r); rejoining", self.handler.name,
                     {tp.partition: o.offset for tp, o in offsets.items()}, error)

    def _read(self, records: list[ConsumerRecord]) -> dict[int, Message | Exception]:
        """Each record's message, or why it cannot be read, by offset: read once."""
        read: dict[int, Message | Exception] = {}
        for record in records:
            try:
                read[record.offset] = Message.from_json(record.value)
            except Exception as error:
                read[record.offset] = error
        return read

    def _process(self, record: ConsumerRecord, progress: Progress,
                 message: Message | Exception | None) -> None:
        if not isinstance(message, Message):
            self._dead_letter(record, f"unreadable message: {message!r}")
            return
        if self.handler.wants(message) and not progress.already_done(message.position):
            error = deliver(self.handler, message, self.runtime, progress.tracking_name,
                            self.policy, self.stopping)
            if error is not None:
                self._dead_letter(record, repr(error))
                # and where operators list and replay it, as with the in-process workers
                park(self.runtime, self.handler.name, message.position, message.event_id, error)
        progress.reached = message.position

    def _dead_letter(self, record: ConsumerRecord, error: str) -> None:
        """Parks the original bytes on the DLQ topic; waits for the ack before moving on."""
        log.error("consumer %s: parking %s[%d]@%d on %s: %s", self.handler.name, record.topic,
                  record.partition, record.offset, self.dlq_topic, error)
        if self.producer is None:
            self.producer = KafkaProducer(**producer_config(
                self.consumer_config["bootstrap_servers"]))
        headers = [*(record.headers or []),
                   ("error", error[:4000].encode()),
                   ("handler", self.handler.name.encode()),
                   ("topic", record.topic.encode()),
                   ("partition", str(record.partition).encode()),
                   ("offset", str(record.offset).encode())]
        self.producer.send(self.dlq_topic, key=record.key, value=record.value,
                           headers=headers).get(timeout=30)

    def _close(self) -> None:
        metrics.assigned(self.handler.name, 0)
        if self.producer is not None:
            close_producer(self.producer)
        if self.consumer is not None:
            with contextlib.suppress(KafkaError):
                self.consumer.close()
        self.consumer = self.producer = None

    def assignment(self) -> set[TopicPartition]:
        return set(self.consumer.assignment()) if self.consumer is not None else set()
