"""Several `rekindle worker NAME` processes, as a deployment scales one consumer group out:
start, SIGKILL, restart, and what each says about itself on its metrics port (partitions
owned, batch fallbacks, lost races). Any worker name works; the bench and the reliability
tests use it for the automation group, the relay and the projections."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata
from prometheus_client.parser import text_string_to_metric_families

from api.bench.harness import free_port, wait_until
from api.bench.serving import spawn, terminate
from consumers.kafka import PARTITIONS
from domain.settings import Settings


class WorkerProcess:
    """One `rekindle worker NAME --metrics-port P` process; remembers its last scrape, so a
    killed member's counts are not lost with it."""

    def __init__(self, settings: Settings, name: str, log_path: Path,
                 env: dict[str, str] | None = None) -> None:
        self.settings = settings
        self.name = name
        self.log_path = log_path
        self.env = env or {}
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.last: dict[tuple[str, str], float] = {}
        self.counted: dict[tuple[str, str], float] = {}  # what earlier lives of it counted

    def start(self) -> WorkerProcess:
        for key, value in self.last.items():
            self.counted[key] = self.counted.get(key, 0.0) + value
        self.last = {}
        self.port = free_port()
        self.process = spawn(self.settings, self.log_path,
                             ["worker", self.name, "--metrics-port", str(self.port)],
                             env=self.env)
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no goodbye to the group, no last commit."""
        if self.alive:
            assert self.process is not None
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.alive:
            self.scrape()
        terminate(self.process)

    def scrape(self) -> dict[tuple[str, str], float]:
        """{(sample name, handler label): value} of the process's own series; the last ones
        seen if it does not answer (yet, or any more)."""
        if not self.alive:
            return self.last
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2) as answer:
                text = answer.read().decode()
        except OSError:
            return self.last
        found: dict[tuple[str, str], float] = {}
        for family in text_string_to_metric_families(text):
            if not family.name.startswith("rekindle_consumer_"):
                continue
            for sample in family.samples:
                key = (sample.name, sample.labels.get("handler", ""))
                found[key] = found.get(key, 0.0) + sample.value
        self.last = found
        return found

    def total(self, sample: str) -> float:
        """A counter over every life of this process (restarts start from zero)."""
        key = (sample, self.name)
        return self.counted.get(key, 0.0) + self.scrape().get(key, 0.0)

    def assigned(self) -> int:
        if not self.alive:
            return 0
        return int(self.scrape().get(("rekindle_consumer_assigned_partitions", self.name), 0))

    def log_tail(self, chars: int = 800) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""


class Fleet:
    """`count` processes of one worker NAME: a consumer group of that many members."""

    def __init__(self, settings: Settings, name: str, count: int, folder: Path,
                 env: dict[str, str] | None = None) -> None:
        self.name = name
        self.members = [WorkerProcess(settings, name, folder / f"{name}-{i}.log", env)
                        for i in range(count)]

    def start(self) -> Fleet:
        for member in self.members:
            member.start()
        return self

    def stop(self) -> None:
        for member in self.members:
            member.stop()

    def assigned(self) -> list[int]:
        return [member.assigned() for member in self.members]

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """The live members stopped (SIGSTOP) and continued (SIGCONT): they keep their
        partitions as long as the pause stays well inside the session timeout."""
        paused = [m.process for m in self.members if m.alive and m.process is not None]
        for process in paused:
            os.kill(process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for process in paused:
                os.kill(process.pid, signal.SIGCONT)

    def wait_stable(self, timeout_s: float = 90.0) -> None:
        """Until every partition has an owner among the live members, and each live member
        has some (as far as there are partitions to go round)."""
        def stable() -> bool:
            self.check_alive()
            owned = [m.assigned() for m in self.members if m.alive]
            return sum(owned) >= PARTITIONS and all(owned[:PARTITIONS])

        wait_until(stable, timeout_s, f"the {self.name} group to settle", every_s=0.1)

    def check_alive(self) -> None:
        for member in self.members:
            if member.process is not None and not member.alive:
                raise RuntimeError(f"worker {self.name} exited with "
                                   f"{member.process.returncode}: {member.log_tail()}")

    def takeover_s(self, victim: WorkerProcess, timeout_s: float = 60.0) -> float:
        """SIGKILLs `victim` and times how long until the others own every partition."""
        victim.kill()
        killed = time.monotonic()
        wait_until(lambda: sum(m.assigned() for m in self.members if m.alive) >= PARTITIONS,
                   timeout_s, "the other members to take the partitions over", every_s=0.05)
        return round(time.monotonic() - killed, 2)

    def total(self, sample: str) -> float:
        return sum(member.total(sample) for member in self.members)


def read_on(consumer: KafkaConsumer, quiet_s: float) -> list[Any]:
    """Every record the consumer's assigned partitions give until none comes for `quiet_s`.
    Read rather than asked for: Tansu answers ListOffsets with the last batch's base offset
    plus one, not the end of the partition."""
    records: list[Any] = []
    last_new = time.monotonic()
    while time.monotonic() - last_new < quiet_s:
        batch = [r for rs in consumer.poll(200).values() for r in rs]
        if batch:
            records.extend(batch)
            last_new = time.monotonic()
    return records


def _partitions(consumer: KafkaConsumer, topic: str) -> list[TopicPartition]:
    return [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]


def skip_to_end(bootstrap: str, group: str, topic: str, quiet_s: float = 1.0) -> None:
    """Commits the group's offsets past everything on the topic now, so its members start on
    what is published from here on (a broker shared with earlier runs holds their
    messages, whose positions mean nothing in a new database)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                             enable_auto_commit=False, auto_offset_reset="earliest")
    try:
        partitions = _partitions(consumer, topic)
        if not partitions:
            return
        consumer.assign(partitions)
        ends: dict[TopicPartition, int] = {}
        for record in read_on(consumer, quiet_s):
            ends[TopicPartition(record.topic, record.partition)] = record.offset + 1
        if ends:
            consumer.commit({tp: OffsetAndMetadata(end, None, -1) for tp, end in ends.items()})
    finally:
        consumer.close()


def parked(bootstrap: str, topic: str, event_ids: set[str], quiet_s: float = 1.0) -> int:
    """How many records of the dead-letter `topic` carry one of these event ids."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = _partitions(consumer, topic)
        if not partitions:
            return 0
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        return sum(1 for record in read_on(consumer, quiet_s)
                   if dict(record.headers or []).get("event_id", b"").decode() in event_ids)
    finally:
        consumer.close()
