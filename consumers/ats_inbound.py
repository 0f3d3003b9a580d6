"""The ATS's own events from the topic `ats.events`, consumed by the group
`rekindle.ats-inbound` (`rekindle worker ats-inbound`, or with `rekindle worker ats`).

The domain records each ATS event once by its event id, so a redelivery (a restart, or a
partition handed over to another member of the group) records nothing new; a message that
can never be handled goes straight to `ats.events.dlq`, others after the retries.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from consumers.delivery import OUTAGES, Abandoned, Progress, RetryPolicy
from consumers.kafka import ATS_TOPIC, KafkaWorker
from consumers.messages import Message

if TYPE_CHECKING:
    from kafka.consumer.fetcher import ConsumerRecord

    from consumers.context import Context

log = logging.getLogger(__name__)

NAME = "ats-inbound"


class _Named:
    def __init__(self, name: str) -> None:
        self.name = name


class AtsInboundWorker(KafkaWorker):
    """Consumes the ATS's own events from `ats.events` (group `rekindle.ats-inbound`)."""

    def __init__(self, runtime: Context, *, policy: RetryPolicy | None = None) -> None:
        super().__init__(runtime, _Named(NAME), topic=ATS_TOPIC,  # type: ignore[arg-type]
                         policy=policy)

    def _read(self, records: list[ConsumerRecord]) -> dict[int, Message | Exception]:
        return {}  # ATS events are not integration messages: handle_ats_message reads them

    def _process(self, record: ConsumerRecord, progress: Progress,
                 message: Message | Exception | None) -> None:
        from consumers.ats import MalformedAtsMessage, handle_ats_message

        for attempt in range(1, self.policy.attempts + 1):
            try:
                handle_ats_message(record.value, self.runtime)
                return
            except MalformedAtsMessage as error:
                self._dead_letter(record, f"malformed: {error}")
                return
            except Exception as error:
                log.warning("ats-inbound failed on %s[%d]@%d (attempt %d/%d): %r",
                            record.topic, record.partition, record.offset, attempt,
                            self.policy.attempts, error)
                if attempt == self.policy.attempts:
                    if isinstance(error, OUTAGES):
                        raise
                    self._dead_letter(record, repr(error))
                    return
            if self.stopping.wait(self.policy.delay(attempt)):
                raise Abandoned(record.offset)
