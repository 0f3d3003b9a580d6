"""Which workers a process runs, on which transport, and how they start and stop together.

Transport interface: every transport turns the event store's events into `Message`s and
hands them to the same `Handler`s (consumers/handlers.py). In-process (no Kafka configured)
each handler follows the notification log; with REKINDLE_KAFKA_BOOTSTRAP the relay publishes
the log to Kafka and each handler is a consumer group.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from consumers.background import Background
from consumers.delivery import RetryPolicy
from consumers.handlers import Handler, registered_handlers
from consumers.scheduler import run_due_chores

if TYPE_CHECKING:
    from consumers.context import Context

log = logging.getLogger(__name__)

NON_HANDLER_WORKERS = ("relay", "projections", "scheduler")
ATS_INBOUND = "ats-inbound"  # consumers/ats_inbound.py NAME
"""The consumer group of the ATS's own topic (`ats.events`); `ats` runs it too."""


def worker_names() -> tuple[str, ...]:
    """What `rekindle worker NAME` accepts: every handler, and so every consumer group, runs
    as a process of its own, and as several (consumers/kafka.py splits the partitions)."""
    return (*NON_HANDLER_WORKERS, *(h.name for h in registered_handlers()), ATS_INBOUND, "all")


class Worker(Protocol):
    """Something that runs in the background until stopped."""

    def stop(self) -> None: ...

    def join(self, timeout: float | None = None) -> None: ...


class WorkerGroup:
    """The handle `start_in_process` and `start_workers` return: `.stop()` stops them all."""

    def __init__(self, workers: Iterable[Any] = ()) -> None:
        self.workers: list[Any] = list(workers)

    def add(self, worker: Any) -> None:
        self.workers.append(worker)

    def stop(self, timeout: float = 10.0) -> None:
        for worker in self.workers:
            worker.stop()
        for worker in self.workers:
            join = getattr(worker, "join", None)
            if join is not None:
                join(timeout)

    def join(self, timeout: float | None = None) -> None:
        for worker in self.workers:
            join = getattr(worker, "join", None)
            if join is not None:
                join(timeout)


class LoopWorker(Background):
    """Calls `step` every `interval_s` seconds in a thread until stopped."""

    def __init__(self, name: str, step: Callable[[], Any], interval_s: float) -> None:
        self.name = name
        self.step = step
        self.interval_s = interval_s
        super().__init__(name)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.step()
            except Exception:
                log.exception("%s failed", self.name)
            self.stopping.wait(self.interval_s)


def start_scheduler(runtime: Context) -> LoopWorker:
    return LoopWorker("scheduler", lambda: run_due_chores(runtime),
                      runtime.settings.scheduler_interval_s).start()


def start_companion(group: WorkerGroup, handler: Handler, runtime: Context) -> None:
    """The worker a handler runs beside it (`companion(runtime)`), if it has one."""
    companion = getattr(handler, "companion", None)
    if companion is not None:
        group.add(companion(runtime).start())


def select_handlers(names: Sequence[str] | None) -> list[Handler]:
    handlers = registered_handlers()
    if names is None:
        return handlers
    return [h for h in handlers if h.name in names]


def start_in_process(runtime: Context, names: Sequence[str] | None = None, *,
                     scheduler: bool = True, policy: RetryPolicy | None = None) -> WorkerGroup:
    """Every registered handler (or those named) fed from the notification log, in threads."""
    from consumers.inprocess import DecodedMessages, InProcessWorker

    group = WorkerGroup()
    messages = DecodedMessages(runtime)
    for handler in select_handlers(names):
        group.add(InProcessWorker(runtime, handler, policy=policy, messages=messages).start())
        start_companion(group, handler, runtime)
    if scheduler:
        group.add(start_scheduler(runtime))
    return group


def start_kafka(runtime: Context, names: Sequence[str] | None = None, *, relay: bool = True,
                scheduler: bool = True, policy: RetryPolicy | None = None) -> WorkerGroup:
    """The relay and one consumer group per handler (or those named), against Kafka."""
    from consumers.ats_inbound import AtsInboundWorker
    from consumers.kafka import KafkaWorker
    from consumers.relay import Relay

    group = WorkerGroup()
    if relay:
        group.add(Relay(runtime).start())
    for handler in select_handlers(names):
        group.add(KafkaWorker(runtime, handler, policy=policy).start())
        start_companion(group, handler, runtime)
    if names is None or "ats" in names:
        group.add(AtsInboundWorker(runtime, policy=policy).start())
    if scheduler:
        group.add(start_scheduler(runtime))
    return group


def start_named(runtime: Context, name: str, skip: Sequence[str] = ()) -> WorkerGroup:
    """What `rekindle worker NAME` runs: one worker, or all of them (but `skip`) with `all`."""
    kafka = runtime.settings.kafka_bootstrap is not None
    group = WorkerGroup()
    if name == "projections" or (name == "all" and "projections" not in skip):
        from projections.service import ProjectionService

        group.add(ProjectionService(runtime.database).start())
    if name == "relay":
        if not kafka:
            raise ValueError("the relay needs REKINDLE_KAFKA_BOOTSTRAP")
        from consumers.relay import Relay

        group.add(Relay(runtime).start())
    elif name == "scheduler":
        group.add(start_scheduler(runtime))
    elif name == ATS_INBOUND:
        if not kafka:
            raise ValueError("ats-inbound consumes a Kafka topic: it needs REKINDLE_KAFKA_BOOTSTRAP"
                             " (without Kafka, ATS events arrive at POST /v1/ats/events)")
        from consumers.ats_inbound import AtsInboundWorker

        group.add(AtsInboundWorker(runtime).start())
    elif name == "all":
        scheduler = "scheduler" not in skip
        group.add(start_kafka(runtime, scheduler=scheduler) if kafka
                  else start_in_process(runtime, scheduler=scheduler))
    elif name != "projections":
        if not select_handlers([name]):
            known = ", ".join(h.name for h in registered_handlers()) or "none"
            raise ValueError(f"no handler named {name!r} (registered: {known})")
        group.add(start_kafka(runtime, [name], relay=False, scheduler=False) if kafka
                  else start_in_process(runtime, [name], scheduler=False))
    return group
