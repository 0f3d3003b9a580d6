"""A small handler the transport tests run: tags each new candidate once, with tracking.

Run as a module it is a consumer process of its own (for the kill tests):
`python -m tests.consumers.effects` with REKINDLE_DATABASE_URL and REKINDLE_KAFKA_BOOTSTRAP
(TAGGER_TOGETHER=1: a batch at a time).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Sequence
from uuid import UUID

from eventsourcing.persistence import Tracking

from api.bootstrap import Runtime
from consumers.messages import Message
from domain.candidate import Candidate
from domain.service import Rekindle

TAG = "rekindled"
RULE_ID = UUID("00000000-0000-4000-8000-00000000beef")
TAGGED_TOPIC = "domain.candidate:Candidate.CandidateTagged"


class TagOnCreate:
    """Tags every created candidate; fails on the candidates listed in `poison`."""

    name = "tagger"

    def __init__(self, delay_s: float = 0.0, poison: set[UUID] | None = None) -> None:
        self.delay_s = delay_s
        self.poison = poison or set()
        self.seen: list[int] = []

    def wants(self, message: Message) -> bool:
        return message.type == "CandidateCreated"

    def handle(self, message: Message, runtime: Runtime, tracking_name: str) -> None:
        self.seen.append(message.position)
        runtime.rekindle.store.record(self._tagged(message, runtime),
                           tracking=Tracking(tracking_name, message.position))

    def _tagged(self, message: Message, runtime: Runtime) -> Candidate:
        if message.aggregate_id in self.poison:
            raise RuntimeError("poisoned candidate")
        if self.delay_s:
            time.sleep(self.delay_s)  # simulated slow work, so a kill lands mid-batch
        candidate = runtime.rekindle.store.load(Candidate, message.aggregate_id)
        candidate.tag(tag=TAG, by=message.actor.caused(RULE_ID, message.event_id))
        return candidate


class TagTogether(TagOnCreate):
    """The same, recording a batch's tags in one transaction (`handle_together`), as the
    automation handler does; `batches` lists the positions of each batch it recorded."""

    def __init__(self, delay_s: float = 0.0, poison: set[UUID] | None = None) -> None:
        super().__init__(delay_s, poison)
        self.batches: list[list[int]] = []

    def handle_together(self, messages: Sequence[Message], runtime: Runtime,
                        tracking_name: str) -> None:
        tagged = [self._tagged(m, runtime) for m in messages]
        runtime.rekindle.store.record(
            *tagged, tracking=Tracking(tracking_name, messages[-1].position))
        self.batches.append([m.position for m in messages])


def tag_counts(app: Rekindle) -> Counter[UUID]:
    """How many CandidateTagged events each candidate has."""
    found = app.store.recorder.select_notifications(start=1, limit=100_000, topics=[TAGGED_TOPIC])
    return Counter(n.originator_id for n in found)


def main() -> None:
    from consumers.kafka import KafkaWorker

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    runtime = Runtime().start(projections=False, workers=False)
    kind = TagTogether if os.environ.get("TAGGER_TOGETHER") else TagOnCreate
    worker = KafkaWorker(runtime, kind(float(os.environ.get("TAGGER_DELAY_S", "0"))),
                         max_poll_records=10).start()
    stopping.wait()
    worker.stop()
    worker.join(10)
    runtime.stop()


if __name__ == "__main__":
    main()
