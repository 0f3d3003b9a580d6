"""The in-process transport: handlers fed from the notification log, in order, resuming."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest

from api.bootstrap import Runtime
from consumers.delivery import RetryPolicy
from consumers.inprocess import InProcessWorker
from domain.actor import Actor
from domain.settings import Settings
from tests.consumers.effects import TagOnCreate, TagTogether, tag_counts
from tests.waiting import wait_until


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime(settings).start(projections=False, workers=False)
    yield rt
    rt.stop()


def add_candidates(runtime: Runtime, count: int, start: int = 0) -> list:
    return [runtime.rekindle.candidates.create(f"Cand {i}", [f"c{i}@example.com"],
                                               Actor.system()).id
            for i in range(start, start + count)]


def test_delivers_in_order_and_resumes_from_tracking_after_restart(runtime: Runtime) -> None:
    first = add_candidates(runtime, 3)
    handler = TagOnCreate()
    worker = InProcessWorker(runtime, handler, idle_wait_s=0.1).start()
    wait_until(lambda: set(tag_counts(runtime.rekindle)) == set(first))
    later = add_candidates(runtime, 2, start=3)
    wait_until(lambda: set(tag_counts(runtime.rekindle)) == set(first + later))
    worker.stop()
    worker.join(5)
    assert handler.seen == sorted(handler.seen)

    more = add_candidates(runtime, 2, start=5)
    restarted = TagOnCreate()
    worker = InProcessWorker(runtime, restarted, idle_wait_s=0.1).start()
    wait_until(lambda: set(tag_counts(runtime.rekindle)) == set(first + later + more))
    worker.stop()
    worker.join(5)

    assert len(restarted.seen) == 2, "the restarted worker resumed after its tracked position"
    assert all(n == 1 for n in tag_counts(runtime.rekindle).values())


def test_a_failing_message_is_parked_and_the_worker_moves_on(runtime: Runtime) -> None:
    poisoned, fine = add_candidates(runtime, 2)
    handler = TagOnCreate(poison={poisoned})
    worker = InProcessWorker(runtime, handler, idle_wait_s=0.1,
                             policy=RetryPolicy(attempts=3, first_delay_s=0.01)).start()
    wait_until(lambda: fine in tag_counts(runtime.rekindle))
    worker.stop()
    worker.join(5)

    with runtime.database.pool.connection() as conn:
        parked = conn.execute("SELECT handler, event_id, error FROM rekindle.parked_messages"
                              ).fetchall()
    assert len(parked) == 1
    assert parked[0][0] == "tagger" and "poisoned candidate" in parked[0][2]
    assert handler.seen.count(handler.seen[0]) == 3, "retried three times before parking"
    assert poisoned not in tag_counts(runtime.rekindle)

    restarted = TagOnCreate()
    worker = InProcessWorker(runtime, restarted, idle_wait_s=0.1).start()
    add_candidates(runtime, 1, start=9)
    wait_until(lambda: len(tag_counts(runtime.rekindle)) == 2)
    worker.stop()
    worker.join(5)
    assert len(restarted.seen) == 1, "a parked message is not redelivered"


def created_positions(runtime: Runtime) -> list[int]:
    found = runtime.rekindle.store.recorder.select_notifications(
        start=1, limit=1000, topics=["domain.candidate:Candidate.CandidateCreated"])
    return [n.id for n in found]


def test_a_handler_that_can_records_a_whole_batch_in_one_transaction(runtime: Runtime) -> None:
    created = add_candidates(runtime, 5)
    handler = TagTogether()
    worker = InProcessWorker(runtime, handler, idle_wait_s=0.1).start()
    wait_until(lambda: set(tag_counts(runtime.rekindle)) == set(created))
    worker.stop()
    worker.join(5)

    assert handler.batches == [created_positions(runtime)], "one transaction for the five"
    assert handler.seen == [], "none needed delivering on its own"
    assert all(n == 1 for n in tag_counts(runtime.rekindle).values())
    recorder = runtime.rekindle.store.recorder
    assert recorder.max_tracking_id("tagger") >= created_positions(runtime)[-1]


def test_a_batch_with_a_failing_message_is_delivered_one_at_a_time_and_only_that_one_parked(
        runtime: Runtime) -> None:
    fine_before, poisoned, fine_after = add_candidates(runtime, 3)
    handler = TagTogether(poison={poisoned})
    worker = InProcessWorker(runtime, handler, idle_wait_s=0.1,
                             policy=RetryPolicy(attempts=2, first_delay_s=0.01)).start()
    wait_until(lambda: set(tag_counts(runtime.rekindle)) == {fine_before, fine_after})
    worker.stop()
    worker.join(5)

    assert handler.batches == [], "the batch recorded nothing"
    with runtime.database.pool.connection() as conn:
        parked = conn.execute("SELECT event_id FROM rekindle.parked_messages").fetchall()
    assert len(parked) == 1
    assert all(n == 1 for n in tag_counts(runtime.rekindle).values())


class FlakyDatabase(TagOnCreate):
    """Fails like a lost database connection for the first `failures` calls."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def handle(self, message, runtime, tracking_name) -> None:  # type: ignore[no-untyped-def]
        if self.failures > 0:
            self.failures -= 1
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        super().handle(message, runtime, tracking_name)


def test_a_database_outage_is_waited_out_not_parked(runtime: Runtime) -> None:
    (candidate,) = add_candidates(runtime, 1)
    worker = InProcessWorker(runtime, FlakyDatabase(failures=3), idle_wait_s=0.1,
                             policy=RetryPolicy(attempts=2, first_delay_s=0.01)).start()
    wait_until(lambda: candidate in tag_counts(runtime.rekindle))
    worker.stop()
    worker.join(5)
    with runtime.database.pool.connection() as conn:
        assert conn.execute("SELECT count(*) FROM rekindle.parked_messages").fetchone()[0] == 0


def test_a_worker_with_nothing_to_do_still_records_how_far_it_got(runtime: Runtime) -> None:
    """The automation rules act on nothing here: the worker's position is still recorded
    (once per batch), so a restart does not reread the log from the start."""
    from consumers.automation import AutomationHandler

    add_candidates(runtime, 5)
    head = runtime.rekindle.store.recorder.max_notification_id()
    worker = InProcessWorker(runtime, AutomationHandler(), idle_wait_s=0.1).start()
    try:
        wait_until(lambda: runtime.rekindle.store.recorder.max_tracking_id("automation") == head,
                   what="the automation worker's position to reach the head of the log")
    finally:
        worker.stop()
        worker.join(5)
    # and it recorded no effect
    assert runtime.rekindle.store.recorder.max_notification_id() == head


class WantsNothing:
    """A handler no message of this log is for (a mailer with nothing to mail)."""

    name = "idle-handler"

    def wants(self, message: object) -> bool:
        return False

    def handle(self, message: object, runtime: object, tracking_name: str) -> None:
        raise AssertionError("never called")


def test_a_handler_that_wants_nothing_marks_its_position_seldom_and_at_the_head(
        runtime: Runtime) -> None:
    recorder = runtime.rekindle.store.recorder
    marks: list[int] = []
    insert = recorder.insert_tracking

    def counted(tracking: object) -> None:
        marks.append(tracking.notification_id)  # type: ignore[attr-defined]
        insert(tracking)

    recorder.insert_tracking = counted  # type: ignore[method-assign]
    worker = InProcessWorker(runtime, WantsNothing(), idle_wait_s=0.1).start()
    try:
        for start in range(0, 40, 2):  # a steady trickle: about twenty batches in two seconds
            add_candidates(runtime, 2, start=start)
            time.sleep(0.1)
        head = runtime.rekindle.store.head()
        wait_until(lambda: recorder.max_tracking_id("idle-handler") == head, 5,
                   "the position marked once the log is quiet")
    finally:
        worker.stop()
        worker.join(5)
    assert len(marks) <= 6, marks  # about once a second while busy, and once when quiet
