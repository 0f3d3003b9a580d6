"""Delivery's reading of write conflicts: a lost version race is tried again on fresh state
until it wins (not counted as an attempt, never parked), a conflict the tracking explains is
success, a batch that loses a race is tried again as a batch, and a poison message still
makes the batch fall back to one message at a time."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from uuid import UUID

import pytest
from prometheus_client import REGISTRY

from api.bootstrap import Runtime
from consumers.delivery import Progress, RetryPolicy, deliver, deliver_together
from consumers.messages import Message, to_message
from domain.actor import Actor
from domain.candidate import Candidate
from domain.settings import Settings
from tests.consumers.effects import TAG, TAGGED_TOPIC, TagOnCreate, TagTogether

POLICY = RetryPolicy(attempts=2, first_delay_s=0.01, race_deadline_s=10.0)


class Racing:
    """Before each of its first `races` tries, a command tags the same candidate, so the
    handler's write (of a candidate it loaded before that) loses the version race."""

    def __init__(self, runtime: Runtime, races: int) -> None:
        self.runtime = runtime
        self.races = races
        self.tries = 0

    def interfere(self, candidate_ids: Sequence[UUID]) -> None:
        self.tries += 1
        if self.tries <= self.races:
            store = self.runtime.rekindle.store
            for cid in candidate_ids:
                candidate = store.load(Candidate, cid)
                candidate.tag(tag=f"race-{self.tries}", by=Actor.system())
                store.record(candidate)


class RacingTagger(TagOnCreate):
    name = "racer"

    def __init__(self, racing: Racing) -> None:
        super().__init__()
        self.racing = racing

    def _tagged(self, message: Message, runtime: Runtime) -> Candidate:
        candidate = super()._tagged(message, runtime)
        self.racing.interfere([message.aggregate_id])
        return candidate


class RacingBatch(TagTogether):
    name = "racer-batch"

    def __init__(self, racing: Racing, poison: set[UUID] | None = None) -> None:
        super().__init__(poison=poison)
        self.racing = racing

    def handle_together(self, messages: Sequence[Message], runtime: Runtime,
                        tracking_name: str) -> None:
        self.racing.interfere([m.aggregate_id for m in messages])  # loaded after: no race
        tagged = [self._tagged(m, runtime) for m in messages]
        self.racing.interfere([m.aggregate_id for m in messages])
        runtime.rekindle.store.record(*tagged, tracking=_tracking(tracking_name, messages))
        self.batches.append([m.position for m in messages])


def _tracking(name: str, messages: Sequence[Message]):
    from eventsourcing.persistence import Tracking

    return Tracking(name, messages[-1].position)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime(settings).start(projections=False, workers=False)
    yield rt
    rt.stop()


def created(runtime: Runtime, count: int) -> list[Message]:
    for i in range(count):
        runtime.rekindle.candidates.create(f"Raced {i}", [f"raced{i}@example.com"],
                                           Actor.system())
    notifications = runtime.rekindle.store.recorder.select_notifications(start=1, limit=100)
    return [m for m in (to_message(runtime, n) for n in notifications)
            if m.type == "CandidateCreated"]


def tagged(runtime: Runtime) -> Counter[UUID]:
    """How often each candidate got the handler's own tag (the races' tags left out)."""
    return Counter(e.originator_id for _, e in runtime.rekindle.store.scan([TAGGED_TOPIC])
                   if e.tag == TAG)


def counted(sample: str, handler: str) -> float:
    return REGISTRY.get_sample_value(sample, {"handler": handler}) or 0.0


def test_a_lost_race_is_tried_on_fresh_state_until_it_wins_and_is_not_an_attempt(
        runtime: Runtime) -> None:
    [message] = created(runtime, 1)
    racing = Racing(runtime, races=6)  # three times the attempts the policy allows
    handler = RacingTagger(racing)
    before = counted("rekindle_consumer_lost_races_total", "racer")

    error = deliver(handler, message, runtime, "racer", POLICY, threading.Event())

    assert error is None
    assert tagged(runtime)[message.aggregate_id] == 1
    assert racing.tries == 7
    assert counted("rekindle_consumer_lost_races_total", "racer") - before == 6


def test_a_conflict_the_tracking_explains_is_success_without_a_retry(runtime: Runtime) -> None:
    [message] = created(runtime, 1)
    handler = TagOnCreate()
    assert deliver(handler, message, runtime, "tagger", POLICY, threading.Event()) is None

    again = deliver(handler, message, runtime, "tagger", POLICY, threading.Event())

    assert again is None
    assert len(handler.seen) == 2, "delivered twice, and the second was taken for done"
    assert tagged(runtime)[message.aggregate_id] == 1


def test_a_batch_that_loses_a_race_is_tried_again_as_a_batch(runtime: Runtime) -> None:
    messages = created(runtime, 5)
    racing = Racing(runtime, races=3)
    handler = RacingBatch(racing)
    progress = Progress(runtime, "racer-batch")
    fallbacks = counted("rekindle_consumer_batch_fallbacks_total", "racer-batch")

    deliver_together(handler, messages, runtime, progress, POLICY, threading.Event())

    assert handler.batches == [[m.position for m in messages]]
    assert all(progress.already_done(m.position) for m in messages)
    assert counted("rekindle_consumer_batch_fallbacks_total", "racer-batch") == fallbacks
    assert set(tagged(runtime).values()) == {1}


def test_a_batch_with_a_poison_message_falls_back_and_is_counted(runtime: Runtime) -> None:
    messages = created(runtime, 3)
    handler = RacingBatch(Racing(runtime, races=0), poison={messages[1].aggregate_id})
    progress = Progress(runtime, "racer-batch")
    fallbacks = counted("rekindle_consumer_batch_fallbacks_total", "racer-batch")

    deliver_together(handler, messages, runtime, progress, POLICY, threading.Event())

    assert handler.batches == []
    assert not progress.already_done(messages[0].position)
    assert counted("rekindle_consumer_batch_fallbacks_total", "racer-batch") == fallbacks + 1
